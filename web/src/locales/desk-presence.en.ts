// Who else has a ticket open, and the reply that races a change (English),
// spread into the desk section of desk.en.ts. Keep every key in
// desk-presence.pt-BR.ts too.
const presenceEn = {
  presence: {
    viewing: '{names} is viewing this ticket | {names} are viewing this ticket',
    typing: '{names} is replying… | {names} are replying…',
    row: '{names} with the ticket open',
    rowTyping: '{name} (replying)',
    region: 'Who else is on the ticket',
    conflict: {
      title: 'The ticket changed since you opened it',
      intro: 'Check what changed before you send your reply.',
      newMessages: 'New messages ({n}) | New message | New messages ({n})',
      status: 'The status changed from “{from}” to “{to}”.',
      other: 'Something else changed on the ticket (see the timeline).',
      ask: 'Send anyway?',
      send: 'Send anyway',
      review: 'Review the reply',
    },
  },
};

export default presenceEn;
