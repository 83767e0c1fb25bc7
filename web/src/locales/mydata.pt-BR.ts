// The portal's "Meus dados" page (/meus-dados): the customer's copy of
// their data (LGPD, art. 18). Spread into pt-BR.ts; keep every key in
// mydata.en.ts too.
const myDataPtBR = {
  myData: {
    nav: 'Meus dados',
    title: 'Meus dados',
    lead: 'Pela Lei Geral de Proteção de Dados (LGPD), você pode receber uma cópia de tudo o que guardamos sobre você e levá-la para onde quiser.',
    account: 'Sua conta no portal',
    holdsTitle: 'O que vem no arquivo',
    holds: {
      account: 'Sua conta no portal: e-mail, nome, idioma e quando ela foi criada e confirmada.',
      tickets: 'Seus chamados, com todas as mensagens trocadas com a nossa equipe, as suas avaliações e os arquivos que você nos enviou.',
      notifications: 'Os avisos que mandamos para você por e-mail ou WhatsApp.',
      bot: 'Suas conversas com o nosso assistente virtual.',
      audit: 'O registro das vezes em que seus dados foram exportados ou anonimizados.',
    },
    format: 'É um arquivo .zip com documentos JSON, um formato aberto que outros sistemas conseguem ler, e os seus anexos. O manifest.json, dentro dele, explica o que veio de onde.',
    notIncluded: 'Ficam de fora as anotações internas da nossa equipe e a sua senha, que nunca guardamos em forma legível.',
    careful: 'O arquivo traz seus dados pessoais: guarde-o em um lugar seguro e não o envie a quem você não conhece.',
    limit: 'Você pode baixar seus dados algumas vezes por hora.',
    erase: 'Quer que a gente apague seus dados? Abra um chamado pedindo a anonimização.',
    eraseLink: 'Abrir um chamado',
    button: 'Baixar meus dados',
    busy: 'Preparando o arquivo…',
    done: 'Pronto! O download do arquivo com os seus dados começou.',
  },
};

export default myDataPtBR;
