// The dashboard in English: Ana, whose browser asks for Portuguese, switches
// to English on the sign-in page (lang-switch), signs in, sees her queues in
// English, opens a customer's ticket, takes it and reads the history in
// English ("Ana Souza took the ticket"); the language survives a reload.
import {
  check, deskSignIn, env, liveStream, log, member, openTicket, person, queueRow, runFlow, seeText, shot,
  signInWithPassword, step,
} from '../lib.mjs';

runFlow('desk: in English', async (browser) => {
  const customer = await person(browser, { name: 'customer' });
  const ana = await person(browser, { name: 'Ana (N1)' });
  const { page } = ana;
  const subject = 'Cannot export the monthly report';
  let number;

  await step('the sign-in page switched to English', async () => {
    await page.goto('/painel/entrar');
    await seeText(page.locator('h1'), 'Entrar');
    await page.getByTestId('lang-switch').click();
    await seeText(page.locator('h1'), 'Sign in to the Support Desk');
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the document says lang="en"');
    await shot(page, 'signin');
  });

  await step('Ana signs in; her queues are in English', async () => {
    const ready = page.getByTestId('desk-login-email');
    await ready.fill(member('ana').email);
    await page.getByTestId('desk-login-password').fill(member('ana').password);
    await page.getByTestId('desk-login-submit').click();
    await page.waitForURL((u) => u.pathname === '/painel');
    const h1 = await seeText(page.locator('h1'), /\S/);
    log(`the queues' heading after signing in: ${JSON.stringify(h1)}`);
    check(h1 === 'Support queues', 'the language chosen on the sign-in page stays after signing in', h1);
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'the queues page is in English');
    await liveStream(ana);
  });

  await step('a customer\'s ticket arrives; Ana takes it; the history speaks English', async () => {
    await signInWithPassword(customer, env.seed.customer.email, env.seed.customer.password);
    number = await openTicket(customer, { subject, body: 'The export button does nothing since this morning.' });
    await seeText(queueRow(ana, number), subject, 5000);
    await shot(page, 'queues');
    await queueRow(ana, number).getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), `Ticket #${number}: ${subject}`);
    await page.getByTestId('action-take').click();
    await seeText(page.locator('[data-testid="desk-timeline-entry"][data-type="TicketAssigned"]').last(), 'Ana Souza took the ticket');
    await seeText(page.locator('[data-testid="desk-timeline-entry"]').first(), 'opened');
    await shot(page, 'ticket');
  });

  await step('English survives a reload', async () => {
    await page.reload();
    await seeText(page.getByTestId('desk-ticket-subject'), `Ticket #${number}`);
    await seeText(page.locator('[data-testid="desk-timeline-entry"][data-type="TicketAssigned"]').last(), 'took the ticket');
  });

  check(ana.errors.length === 0 && customer.errors.length === 0, 'no script error', [...ana.errors, ...customer.errors]);
});
