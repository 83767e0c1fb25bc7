// Sign-in by a link, by e-mail alone (issue 13, flow c): Joana's e-mail
// opened a ticket before she ever used the portal (run_flow.py handed it to
// the mail gate). She asks /entrar for a link, opens the one the mail
// actually delivered, and sees that ticket and its message. The link works
// once: opened again in another browser, it signs no one in.
import {
  api, check, env, log, mailedLink, person, runFlow, seeText, shot, step,
} from '../lib.mjs';

runFlow('link de acesso: quem escreveu por e-mail vê o chamado no portal', async (browser) => {
  const seed = env.seed;
  const joana = await person(browser, { name: 'joana' });
  const { page } = joana;
  let link;

  await step('ask for a sign-in link with the e-mail alone', async () => {
    await page.goto('/entrar');
    await shot(page, 'signin');
    await page.getByTestId('login-email').fill(seed.mail_address);
    await page.getByTestId('login-link-submit').click();
    await page.getByTestId('login-link-sent').waitFor({ state: 'visible' });
    await shot(page, 'link-sent');
    ({ url: link } = await mailedLink(seed.mail_address, '/entrar/link'));
  });

  await step('the link signs her in', async () => {
    await page.goto(link);
    await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
    const session = await api(joana, 'GET', '/session');
    check(session.body.signed_in === true && session.body.person.address === seed.mail_address,
      'the session is Joana\'s', session.body);
    await shot(page, 'signed-in');
  });

  await step('her ticket from e-mail is in "my tickets"', async () => {
    await page.getByTestId('nav-tickets').click();
    await page.waitForURL(/\/chamados$/);
    const row = page.locator(`[data-testid="ticket-row"][data-number="${seed.mail_ticket}"]`);
    await seeText(row, seed.mail_subject);
    await shot(page, 'my-tickets');
    await row.getByText(seed.mail_subject).click();
    await page.waitForURL(new RegExp(`/chamados/${seed.mail_ticket}$`));
    await seeText(page.getByTestId('message-body'), 'A nota fiscal 4512 volta rejeitada');
    await seeText(page.getByTestId('ticket-status'), 'Recebido');
    await shot(page, 'ticket');
  });

  await step('the link works once', async () => {
    const other = await person(browser, { name: 'outro-navegador' });
    await other.page.goto(link);
    await other.page.getByTestId('error').waitFor({ state: 'visible' });
    const session = await api(other, 'GET', '/session');
    check(session.body.signed_in === false, 'a used link signs no one in', session.body);
    await shot(other.page, 'used-link');
    await other.context.close();
  });

  check(joana.dialogs.length === 0 && joana.errors.length === 0, 'no dialog, no script error',
    { dialogs: joana.dialogs, errors: joana.errors });
  log('login_link done');
});
