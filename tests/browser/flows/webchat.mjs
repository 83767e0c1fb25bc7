// The web chat (issue 16), as a visitor of the portal and an agent (Ana, N1)
// see it; the starter knowledge base published (run_flow.py's seed_kb):
//   widget: the visitor opens "Fale conosco" on the portal's home page
//     (keyboard: the launcher takes Enter, the panel's message box takes
//     the focus; Escape closes it and gives the focus back);
//   bot: asks how to reset a password; the bot's answer offers "Como
//     redefinir a sua senha" with its link (to the portal's article);
//   hand-off: "Não resolveu" twice (the second time on another article,
//     after saying it in other words when the bot asks), a category from the
//     bot's list, a description (when the bot asks for one), then the name
//     and e-mail form (a bad e-mail refused in words first); the bot says a
//     person will answer;
//   agent: Ana signs in to the dashboard, opens "Chats": the visitor's chat
//     (her name, waiting, the hand-off's reason); she opens it and replies
//     in the ticket's reply box; the visitor sees "Ana Souza (atendente)"
//     and her words in the widget, live;
//   resolution: Ana resolves the ticket; the widget shows what was done and
//     asks "Isso resolveu o seu problema?"; the visitor's "Sim, resolvido"
//     closes the ticket (the widget says so; the desk shows "Fechado");
//   end: "Encerrar conversa": the widget says so (and, switched to English,
//     "Chat with us", "Chat ended");
//   embed: a customer's site (served here on http://localhost:<port>,
//     another site than the gateway's 127.0.0.1; gateway/chat/embed_origins
//     lists http://localhost:*) with only <script src=".../chat.js">: its
//     "Fale conosco" button opens the gateway's /chat page in a frame; a
//     question there gets the bot's answer; the frame's close button hides
//     it and gives the focus back to the button.
// axe-core on the open widget, with the contact form, with the agent's
// reply, and on the Chats page: none serious or critical. Screenshots of
// every step.
import {
  axe, check, deskSignIn, env, log, member, pageState, person, runFlow, seeText, shot, step, until,
} from '../lib.mjs';
import { createServer } from 'node:http';

const QUESTION = 'Como faço para redefinir minha senha?';
const AGAIN = 'Minha conta foi bloqueada, o que eu faço?';
const DESCRIPTION = 'Não consigo entrar no portal: o link para criar uma senha nova nunca chega ao meu e-mail.';
const VISITOR = { name: 'Marina Costa', email: 'marina@loja-costa.example' };
const ANSWER = 'Oi, Marina! Já reenviei o link para o seu e-mail; ele vale por 30 minutos.';
const RESOLUTION = 'Reenviamos o link de criação de senha e confirmamos que ele chegou à sua caixa de entrada.';

async function noSeriousAxe(page, what) {
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

// The bot's lines so far.
function botLines(page) {
  return page.locator('[data-testid="chat-line-bot"]');
}

// Waits for a bot line after the first `seen`; returns its state and text.
async function nextBot(page, seen, what) {
  await until(async () => (await botLines(page).count()) > seen, what, 15000, 100);
  const line = botLines(page).last();
  return { state: await line.getAttribute('data-state'), text: (await line.innerText()).trim(), line };
}

runFlow('chat do site: assistente, transferência e resposta do atendente ao vivo', async (browser) => {
  const visitor = await person(browser, { name: 'visitante' });
  const anaW = await person(browser, { name: 'Ana (N1)' });
  const { page } = visitor;
  let seen = 0;

  await step('the visitor opens "Fale conosco" on the portal with the keyboard', async () => {
    await page.goto('/');
    const launcher = page.getByTestId('chat-open');
    await seeText(launcher, 'Fale conosco');
    await launcher.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('chat-panel').waitFor({ state: 'visible' });
    await until(() => page.evaluate(() => document.activeElement?.id === 'chat-input'), 'the focus in the message box', 5000, 50);
    check(await page.getByTestId('chat-log').getAttribute('aria-live') === 'polite', 'new messages are announced (aria-live)');
    await page.keyboard.press('Escape');
    await page.getByTestId('chat-panel').waitFor({ state: 'hidden' });
    await until(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'chat-open'),
      'the focus back on the launcher', 5000, 50);
    await page.getByTestId('chat-open').click();
    await page.getByTestId('chat-panel').waitFor({ state: 'visible' });
    await shot(page, 'widget-open');
    await noSeriousAxe(page, 'the open chat widget');
  });

  await step('the bot answers a question with the article and its link', async () => {
    await page.getByTestId('chat-input').fill(QUESTION);
    await page.keyboard.press('Enter');
    await seeText(page.locator('[data-testid="chat-line-you"]').last(), QUESTION);
    const bot = await nextBot(page, seen, "the bot's answer");
    seen = await botLines(page).count();
    check(bot.text.includes('Como redefinir a sua senha'), 'the answer names the article', bot.text);
    const link = bot.line.getByTestId('chat-article');
    const href = await link.getAttribute('href');
    check(/\/ajuda\/redefinir-senha$/.test(href), 'the article link opens the portal\'s article', href);
    await shot(page, 'bot-answer');
  });

  await step('"Não resolveu" twice, a category, a description, then name and e-mail', async () => {
    let unhelpful = 0;
    let category = '';
    let described = false;
    for (let turn = 0; turn < 10; turn++) {
      if (await page.getByTestId('chat-contact').isVisible()) break;
      const last = botLines(page).last();
      const state = await last.getAttribute('data-state');
      if (state === 'handed_off') break;
      const no = last.getByTestId('chat-choice').filter({ hasText: 'Não resolveu' });
      const choices = last.getByTestId('chat-choice');
      if (await no.count()) {
        await no.first().click();
        unhelpful += 1;
        log(`the visitor taps "Não resolveu" (${unhelpful})`);
      }
      else if (state === 'category' && (await choices.count())) {
        const access = choices.filter({ hasText: /acesso/i });
        const pick = (await access.count()) ? access.first() : choices.first();
        category = (await pick.innerText()).trim();
        await pick.click();
        log(`the visitor picks the category "${category}"`);
        await shot(page, 'category');
      }
      else if (state === 'description') {
        await page.getByTestId('chat-input').fill(DESCRIPTION);
        await page.getByTestId('chat-send').click();
        described = true;
        log('the visitor describes the problem');
      }
      else {
        // The bot asks to say it in other words.
        await page.getByTestId('chat-input').fill(AGAIN);
        await page.getByTestId('chat-send').click();
        log(`the bot said (${state}): ${(await last.innerText()).slice(0, 90)}; the visitor says it again`);
      }
      const next = await nextBot(page, seen, "the bot's next words");
      seen = await botLines(page).count();
      log(`bot (${next.state}): ${next.text.replace(/\s+/g, ' ').slice(0, 100)}`);
    }
    check(unhelpful === 2, 'the visitor said twice it did not help', unhelpful);
    check(category !== '', 'the visitor picked a category from the bot\'s list', category);
    // The bot asks for a description only when the visitor's words gave
    // none (kb_bot.c); either way the ticket starts with one.
    if (!described) log('the bot took what the visitor had said as the description (it did not ask)');
    const form = page.getByTestId('chat-contact');
    await form.waitFor({ state: 'visible' });
    await shot(page, 'contact-form');
    await noSeriousAxe(page, 'the widget with the contact form');
    // A bad e-mail first: a sentence, nothing sent.
    await page.getByTestId('chat-name').fill(VISITOR.name);
    await page.getByTestId('chat-email').fill('marina@');
    await page.getByTestId('chat-contact-send').click();
    await seeText(form.locator('[role="alert"]'), 'não parece completo');
    await page.getByTestId('chat-email').fill(VISITOR.email);
    await page.getByTestId('chat-contact-send').click();
    await form.waitFor({ state: 'hidden' });
    const after = await nextBot(page, seen, 'the bot after the contact');
    seen = await botLines(page).count();
    check(after.state === 'handed_off', 'the bot handed the chat to a person', after);
    await page.getByTestId('chat-waiting').waitFor({ state: 'visible' });
    await shot(page, 'handed-off');
  });

  let number = 0;
  await step('Ana opens "Chats": the visitor\'s chat; she replies in the ticket', async () => {
    const ana = member('ana');
    await deskSignIn(anaW, ana);
    const p = anaW.page;
    await p.getByTestId('desk-nav-chats').click();
    await p.waitForURL((u) => u.pathname === '/painel/chats');
    const row = p.getByTestId('chats-row').filter({ hasText: VISITOR.name });
    await seeText(row, VISITOR.name);
    const text = await row.innerText();
    check(/Agora mesmo|Há \d+ min/.test(text), 'the row says how long the visitor waits', text);
    check(/Pediu|não ajudaram|resposta segura/i.test(text), 'the row says why the bot handed it on', text);
    await shot(p, 'desk-chats');
    await noSeriousAxe(p, 'the Chats page');
    await row.getByTestId('chats-open').click();
    await p.waitForURL(/\/painel\/chamados\/\d+$/);
    number = Number(new URL(p.url()).pathname.split('/').pop());
    await p.getByTestId('compose-body').fill(ANSWER);
    await p.getByTestId('compose-send').click();
    await seeText(p.locator('body'), ANSWER);
    await shot(p, 'desk-ticket-replied');
    log(`Ana answered chat ticket #${number}`);
  });

  await step("the visitor sees Ana's answer in the widget, live", async () => {
    const line = page.locator('[data-testid="chat-line-agent"]').last();
    await seeText(line, ANSWER, 10000);
    await seeText(line, 'Ana Souza (atendente)');
    await shot(page, 'agent-reply');
    await noSeriousAxe(page, "the widget with the agent's answer");
    const state = await pageState(page);
    check(state.xss === 'undefined' && state.csp.length === 0, 'no script ran from the text, no CSP violation', state);
  });

  await step('Ana resolves the ticket; the visitor confirms it in the widget', async () => {
    const p = anaW.page;
    await p.getByTestId('action-resolve').click();
    await p.getByTestId('resolve-text').fill(RESOLUTION);
    await p.getByTestId('resolve-submit').click();
    await seeText(p.getByTestId('desk-ticket-status'), 'Resolvido');
    const card = page.getByTestId('chat-resolved');
    await seeText(card, `A equipe marcou o chamado #${number} como resolvido.`, 10000);
    await seeText(card, RESOLUTION);
    await seeText(card, 'Isso resolveu o seu problema?');
    await shot(page, 'resolved-asks');
    await noSeriousAxe(page, 'the widget asking whether the resolution solved it');
    await card.getByTestId('chat-resolved-yes').click();
    await seeText(page.getByTestId('chat-closed'), `Chamado #${number} encerrado. Obrigado pelo contato!`, 10000);
    check(!(await page.getByTestId('chat-resolved').isVisible()), 'the question is gone once answered');
    const you = page.locator('[data-testid="chat-line-you"]').last();
    await seeText(you, 'Sim, resolvido');
    await shot(page, 'resolved-confirmed');
    await p.reload();
    await seeText(p.getByTestId('desk-ticket-status'), 'Fechado', 10000);
    await shot(p, 'desk-ticket-closed');
    log(`chat ticket #${number}: resolved by Ana, confirmed by the visitor in the widget, closed`);
  });

  await step('"Encerrar conversa": the widget says the chat ended', async () => {
    await page.getByTestId('chat-end').click();
    await seeText(page.getByTestId('chat-ended'), 'Conversa encerrada');
    await page.getByTestId('chat-restart').waitFor({ state: 'visible' });
    await shot(page, 'ended');
    // In English, the button says so.
    await page.getByTestId('chat-close').click();
    await page.getByTestId('lang-switch').click();
    await seeText(page.getByTestId('chat-open'), 'Chat with us');
    await page.getByTestId('chat-open').click();
    await seeText(page.getByTestId('chat-ended'), 'Chat ended');
    await shot(page, 'ended-en');
    check(visitor.errors.length === 0 && anaW.errors.length === 0, 'no page error', [...visitor.errors, ...anaW.errors]);
  });

  await step("a customer's site embeds the chat with one script tag", async () => {
    const shopper = await person(browser, { name: 'cliente da loja' });
    const p = shopper.page;
    const page = '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Loja Costa</title></head>'
      + '<body><main><h1>Loja Costa</h1><p>Bem-vindo à nossa loja.</p></main>'
      + `<script src="${env.base}/chat.js" async></script></body></html>`;
    const shop = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const { port } = shop.address();
    try {
    await p.goto(`http://localhost:${port}/`);
    const button = p.getByRole('button', { name: 'Fale conosco' });
    await button.waitFor({ state: 'visible' });
    await button.click();
    const frame = p.frameLocator('#balcao-chat-frame');
    await frame.getByTestId('chat-input').fill(QUESTION);
    await frame.getByTestId('chat-send').click();
    const bot = frame.locator('[data-testid="chat-line-bot"]').first();
    await seeText(bot, 'Como redefinir a sua senha', 15000);
    await shot(p, 'embedded');
    await frame.getByTestId('chat-close').click();
    await p.locator('#balcao-chat-frame').waitFor({ state: 'hidden' });
    await until(() => p.evaluate(() => document.activeElement?.textContent === 'Fale conosco'),
      'the focus back on the site\'s chat button', 5000, 50);
    check(shopper.errors.length === 0, 'no page error on the shop or in the frame', shopper.errors);
    } finally {
      shop.close();
    }
  });
});
