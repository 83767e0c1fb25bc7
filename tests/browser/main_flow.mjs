// The portal's main flow, in one language (flows/portal_pt.mjs and
// flows/portal_en.mjs): sign up, confirm from the mail, a suggestion that
// answers (deflection counted), a ticket with a file, "my tickets", an
// agent's reply arriving live, resolution accepted, a rating.
import {
  agent, check, kbDeflection, liveStream, log, pageState, person, seeText, shot, signUp,
  staffGet, step, uniqueAddress, until,
} from './lib.mjs';

// A 1x1 PNG: what a customer's screenshot would be.
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

// Chooses a language with the `lang-switch` control (a <select> or a button).
export async function switchLanguage(page, language) {
  const control = page.getByTestId('lang-switch');
  const tag = await control.evaluate((el) => el.tagName);
  if (tag === 'SELECT') {
    const values = await control.evaluate((el) => [...el.options].map((o) => o.value));
    const value = values.find((v) => v.toLowerCase().startsWith(language === 'en' ? 'en' : 'pt'));
    check(value !== undefined, `lang-switch offers ${language}`, values);
    await control.selectOption(value);
  } else {
    await control.click();
  }
}

export async function mainFlow(browser, L) {
  const who = await person(browser, { locale: L.locale, name: L.name });
  const { page } = who;
  const email = uniqueAddress(L.name);

  await step('home', async () => {
    await page.goto('/');
    await page.getByTestId('kb-search').waitFor({ state: 'visible' });
    if (L.viaSwitch) {
      // Accept-Language says English; the switch goes to Portuguese and back.
      await seeText(page.getByTestId('nav-signin'), L.signinText);
      await switchLanguage(page, 'pt-BR');
      await seeText(page.getByTestId('nav-signin'), /entrar/i);
      log('ok: lang-switch turns the page to Portuguese');
      await switchLanguage(page, 'en');
    }
    await seeText(page.getByTestId('nav-signin'), L.signinText);
    const lang = await page.evaluate(() => document.documentElement.lang);
    check(lang.toLowerCase().startsWith(L.htmlLang), `<html lang> is ${lang}`);
    await shot(page, 'home');
  });

  await step('sign up and confirm from the mail', async () => {
    const mail = await signUp(who, { name: L.customerName, email, password: 'uma senha boa e longa 42', sentText: L.signupSent });
    check(L.mailSubject.test(mail.subject), 'the confirmation mail is in the page\'s language', mail.subject);
    await shot(page, 'signed-in');
  });

  await step('a suggestion answers: the customer leaves without sending', async () => {
    await page.getByTestId('nav-new-ticket').click();
    await page.waitForURL(/\/chamados\/novo$/);
    // Typed key by key, as a person does: suggestions follow the typing.
    await page.getByTestId('ticket-subject').pressSequentially(L.kbSubject, { delay: 15 });
    const first = page.getByTestId('suggestion').first();
    await first.waitFor({ state: 'visible' });
    const titles = await page.getByTestId('suggestion').allInnerTexts();
    check(titles.some((t) => t.includes(L.articleTitle)), `the suggestions name "${L.articleTitle}"`, titles);
    await page.getByTestId('suggestion').filter({ hasText: L.articleTitle }).first().click();
    await seeText(page.getByTestId('suggestion-article'), L.articleText);
    await shot(page, 'suggestion');
    await page.getByTestId('nav-tickets').click();
    await page.waitForURL(/\/chamados$/);
    // kb's own counters for that article, asked on the bus as an agent.
    const counted = await until(() => {
      const c = kbDeflection(L.articleId);
      return c.deflected >= 1 ? c : null;
    }, `kb to count the deflection by "${L.articleId}"`, 10000, 300);
    check(counted.opened === 1 && counted.deflected === 1 && counted.sent_after_opening === 0,
      `kb counts "${L.articleId}" opened once and deflected once`, counted);
  });

  let number;
  await step('a ticket sent anyway, with a file', async () => {
    await page.getByTestId('nav-new-ticket').click();
    await page.waitForURL(/\/chamados\/novo$/);
    await page.getByTestId('ticket-subject').pressSequentially(L.ticketSubject, { delay: 5 });
    await page.getByTestId('ticket-body').fill(L.ticketBody);
    await page.getByTestId('ticket-files').setInputFiles([{ name: 'erro-na-tela.png', mimeType: 'image/png', buffer: PNG }]);
    await shot(page, 'new-ticket');
    await page.getByTestId('ticket-submit').click();
    await page.waitForURL(/\/chamados\/[0-9]+$/, { timeout: 15000 });
    number = Number(new URL(page.url()).pathname.split('/').pop());
    check(number > 0, `the portal shows ticket #${number}`);
    await seeText(page.getByTestId('ticket-status'), L.status.novo);
    await seeText(page.getByTestId('message-body'), L.ticketBody);
    await seeText(page.getByTestId('attachment-link'), 'erro-na-tela.png');
    const href = await page.getByTestId('attachment-link').first().getAttribute('href');
    const file = await who.context.request.get(href);
    check(file.status() === 200 && Buffer.compare(await file.body(), PNG) === 0,
      'the attachment downloads with the same bytes', file.status());
    await shot(page, 'ticket');
  });

  await step('"my tickets" lists it', async () => {
    await page.getByTestId('nav-tickets').click();
    await page.waitForURL(/\/chamados$/);
    const row = page.locator(`[data-testid="ticket-row"][data-number="${number}"]`);
    await seeText(row, L.ticketSubject);
    await seeText(row, L.status.novo);
    await shot(page, 'my-tickets');
    await row.getByText(L.ticketSubject).click();
    await page.waitForURL(new RegExp(`/chamados/${number}$`));
  });

  await step('the agent replies: it appears without a reload', async () => {
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.getByTestId('message').first().waitFor({ state: 'visible' });
    await liveStream(who);
    agent('reply', String(number), L.agentReply);
    const outbound = page.locator('[data-testid="message"][data-direction="outbound"]');
    await seeText(outbound, L.agentReply, 15000);
    check(await page.evaluate(() => window.__sameDocument === true), 'the reply came in without reloading the page');
    await seeText(page.getByTestId('ticket-status'), L.status.aberto);
  });

  await step('resolved, accepted, rated', async () => {
    agent('resolve', String(number), L.resolution);
    await seeText(page.getByTestId('ticket-status'), L.status.resolvido, 15000);
    check(await page.evaluate(() => window.__sameDocument === true), 'the resolution came in without reloading the page');
    await page.getByTestId('accept').waitFor({ state: 'visible' });
    await shot(page, 'resolved');
    await page.getByTestId('accept').click();
    await seeText(page.getByTestId('ticket-status'), L.status.fechado);
    await page.getByTestId('rating-4').check();
    await page.getByTestId('rating-comment').fill(L.ratingComment);
    await page.getByTestId('rating-submit').click();
    await seeText(page.getByTestId('rating-done'), /\b4\b/);
    await page.getByText(L.ratingComment).first().waitFor({ state: 'visible' });
    log('ok: the rating (4) and its comment show');
    await shot(page, 'rated');
    const t = await until(async () => {
      const res = await staffGet(`/tickets/${number}`);
      return res.status === 200 ? res.body : null;
    }, `ticket ${number} as staff`, 5000);
    check(t.status === 'fechado', 'the router has the ticket closed', t.status);
  });

  const state = await pageState(page);
  check(who.dialogs.length === 0, 'no dialog fired', who.dialogs);
  check(who.errors.length === 0, 'no script error on any page', who.errors);
  check(state.csp.length === 0, 'no Content-Security-Policy violation', state.csp);
  log(`${L.name}: main flow done for ticket #${number}`);
  return { who, number, email };
}
