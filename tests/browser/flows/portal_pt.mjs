// The main flow in Brazilian Portuguese (issue 13, flow a).
import { mainFlow } from '../main_flow.mjs';
import { runFlow } from '../lib.mjs';

runFlow('portal em português: cadastro, sugestão, chamado, resposta ao vivo, avaliação', async (browser) => {
  await mainFlow(browser, {
    locale: 'pt-BR',
    htmlLang: 'pt',
    name: 'ana',
    customerName: 'Ana Beatriz Souza',
    signinText: /entrar/i,
    // The brief says "verifique seu e-mail"; the app says it as "Enviamos um
    // link de confirmação para <e-mail>": either tells the customer what to do.
    mailSubject: /Confirme/,
    signupSent: /verifique seu e-?mail|link de confirmação/i,
    kbSubject: 'Esqueci minha senha, como redefinir?',
    articleId: 'redefinir-senha',
    articleTitle: 'Como redefinir a sua senha',
    articleText: /senha/i,
    ticketSubject: 'Relatório de vendas não abre',
    ticketBody: 'Desde ontem o relatório de vendas mostra uma tela em branco. Segue a imagem do erro.',
    agentReply: 'Olá, Ana! Já estamos verificando o relatório de vendas.',
    resolution: 'Corrigimos o filtro do relatório de vendas; ele volta a abrir.',
    ratingComment: 'Atendimento rápido e atencioso, obrigada!',
    status: { novo: 'Recebido', aberto: 'Em atendimento', resolvido: /Resolvido/, fechado: 'Encerrado' },
  });
});
