// The portal's "My data" page (/meus-dados), in English: the keys of
// mydata.pt-BR.ts.
import type myDataPtBR from './mydata.pt-BR';

const myDataEn: typeof myDataPtBR = {
  myData: {
    nav: 'My data',
    title: 'My data',
    lead: "Under Brazil's data protection law (LGPD), you may get a copy of everything we keep about you and take it wherever you like.",
    account: 'Your portal account',
    holdsTitle: 'What the file holds',
    holds: {
      account: 'Your portal account: e-mail, name, language and when it was created and confirmed.',
      tickets: 'Your tickets, with every message exchanged with our team, your ratings and the files you sent us.',
      notifications: 'The notices we sent you by e-mail or WhatsApp.',
      bot: 'Your conversations with our virtual assistant.',
      audit: 'The record of the times your data was exported or anonymised.',
    },
    format: 'It is a .zip file with JSON documents, an open format other systems can read, and your attachments. The manifest.json inside it says what came from where.',
    notIncluded: "Our team's internal notes are left out, and so is your password, which we never keep in readable form.",
    careful: 'The file holds your personal data: keep it somewhere safe and do not send it to anyone you do not know.',
    limit: 'You may download your data a few times an hour.',
    erase: 'Would you like us to erase your data? Open a ticket asking for anonymisation.',
    eraseLink: 'Open a ticket',
    button: 'Download my data',
    busy: 'Preparing the file…',
    done: 'Done! The download of the file with your data has started.',
  },
};

export default myDataEn;
