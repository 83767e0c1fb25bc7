// The main flow in English (issue 13, flow b): the browser asks for English
// (Accept-Language), the language switch goes to Portuguese and back, and
// every step shows English text.
import { mainFlow } from '../main_flow.mjs';
import { runFlow } from '../lib.mjs';

runFlow('portal in English: sign up, suggestion, ticket, live reply, rating', async (browser) => {
  await mainFlow(browser, {
    locale: 'en-US',
    viaSwitch: true,
    htmlLang: 'en',
    name: 'john',
    customerName: 'John Miller',
    signinText: /sign in|log in/i,
    mailSubject: /^Confirm /,
    signupSent: /check your (e-?mail|inbox)|confirmation link/i,
    kbSubject: 'How do I reset my password?',
    articleId: 'reset-password',
    articleTitle: 'How to reset your password',
    articleText: /password/i,
    ticketSubject: 'The sales report does not open',
    ticketBody: 'Since yesterday the sales report shows a blank page. The screenshot is attached.',
    agentReply: 'Hello John, we are looking into the sales report now.',
    resolution: 'We fixed the sales report filter; it opens again.',
    ratingComment: 'Quick and kind support, thank you!',
    status: { novo: /received|new/i, aberto: /progress|open|handling|working/i, resolvido: /solved|resolved/i, fechado: /closed/i },
  });
});
