// The dashboard's LGPD page (/painel/lgpd), in English: the keys of
// desk-lgpd.pt-BR.ts.
import type lgpdPtBR from './desk-lgpd.pt-BR';

const lgpdEn: typeof lgpdPtBR = {
  lgpd: {
    nav: 'LGPD',
    title: "LGPD: customers' data",
    intro: "Answer data subjects' requests (Brazil's Law 13,709/2018): export everything Balcão keeps about a customer, or anonymise them. Every request is kept in the audit below, with who asked and why.",
    person: "Customer's address",
    personHelp: 'The e-mail or WhatsApp number (whatsapp:+5511…) they use to talk to support.',
    reason: 'Reason',
    reasonHelp: "For example: data subject's request by e-mail, case 2026-123. It is kept in the audit.",
    export: {
      title: "Export a customer's data",
      text: 'A .zip file with their record, their tickets with every message and attachment, the notifications sent, their conversations with the assistant and their portal account. Send it to the data subject over a safe channel.',
      submit: 'Download the export',
      busy: 'Preparing the file…',
      done: 'The export is on record and the download has started.',
    },
    erase: {
      title: 'Anonymise a customer',
      warning: "Warning: anonymisation cannot be undone. The customer's name, addresses, phone numbers, tax id, texts and attachments leave every service and their portal account is deleted. The tickets stay, without them, for the reports.",
      confirm: "Type the customer's address again to confirm",
      confirmHelp: 'The same as you typed above.',
      mismatch: "To anonymise, type the customer's address again, exactly as above.",
      submit: 'Anonymise for good',
      done: 'Anonymised ({id}): {tickets} ticket(s) and {messages} message(s). The other services erase what they hold next.',
      already: 'Nothing new to anonymise: this customer was anonymised already ({id}).',
    },
    needPerson: "Give the customer's address.",
    needReason: 'Say why: the reason is kept in the audit.',
    audit: {
      title: 'Audit',
      intro: 'Exports and anonymisations, newest first, with who asked and why. For requests made on the portal, the one who asked is the customer themself.',
      empty: 'No export or anonymisation on record yet.',
      failed: 'The audit could not be loaded.',
      col: {
        id: 'Record',
        kind: 'Kind',
        when: 'When',
        by: 'Asked by',
        reason: 'Reason',
        tickets: 'Tickets',
      },
      kind: {
        export: 'Export',
        erase: 'Anonymisation',
      },
      trigger: {
        portal: 'from the portal',
        retention: 'by retention',
      },
      system: 'the system',
    },
  },
};

export default lgpdEn;
