// Who else has a ticket open, and the reply that races a change (pt-BR),
// spread into the desk section of desk.pt-BR.ts. Keep every key in
// desk-presence.en.ts too.
const presencePtBR = {
  presence: {
    viewing: '{names} está vendo este chamado | {names} estão vendo este chamado',
    typing: '{names} está respondendo… | {names} estão respondendo…',
    row: '{names} com o chamado aberto',
    rowTyping: '{name} (respondendo)',
    region: 'Quem mais está no chamado',
    conflict: {
      title: 'O chamado mudou desde que você o abriu',
      intro: 'Confira o que mudou antes de enviar sua resposta.',
      newMessages: 'Mensagens novas ({n}) | Mensagem nova | Mensagens novas ({n})',
      status: 'A situação mudou de “{from}” para “{to}”.',
      other: 'Houve outra mudança no chamado (veja a linha do tempo).',
      ask: 'Enviar mesmo assim?',
      send: 'Enviar mesmo assim',
      review: 'Revisar a resposta',
    },
  },
};

export default presencePtBR;
