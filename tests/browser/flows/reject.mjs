// The customer rejects a resolution with a reason (issue 13, flow g): the
// ticket shows "Reaberto" and the router has it reopened.
import {
  agent, check, liveStream, openTicket, person, runFlow, seeText, shot, signInByLink, staffGet, step,
  uniqueAddress, until,
} from '../lib.mjs';

runFlow('recusar a solução: o chamado fica "Reaberto"', async (browser) => {
  const who = await person(browser, { name: 'carla' });
  const { page } = who;
  const email = uniqueAddress('carla');
  let number;

  await step('sign in and open a ticket', async () => {
    await signInByLink(who, email);
    number = await openTicket(who, {
      subject: 'Boleto sai com vencimento errado',
      body: 'O boleto de dezembro sai com vencimento em novembro.',
    });
  });

  await step('the agent resolves it', async () => {
    await liveStream(who);
    agent('reply', String(number), 'Olá, Carla! Vamos corrigir a data de vencimento.');
    agent('resolve', String(number), 'Ajustamos a regra de vencimento dos boletos.');
    await seeText(page.getByTestId('ticket-status'), /Resolvido/, 15000);
    await page.getByTestId('reject').waitFor({ state: 'visible' });
    await shot(page, 'resolved');
  });

  await step('she rejects it with a reason', async () => {
    const reason = 'O boleto de janeiro continua com a data errada.';
    await page.getByTestId('reject').click();
    await page.getByTestId('reject-reason').fill(reason);
    await page.getByTestId('reject-submit').click();
    await seeText(page.getByTestId('ticket-status'), 'Reaberto');
    check(!(await page.getByTestId('accept').isVisible()), 'nothing left to accept');
    await shot(page, 'reopened');
    const t = await until(async () => {
      const r = await staffGet(`/tickets/${number}`);
      return r.status === 200 && r.body.status === 'reaberto' ? r.body : null;
    }, `ticket ${number} reopened at the router`, 5000);
    check(t.status === 'reaberto', 'the router has it reopened');
  });

  await step('"my tickets" says Reaberto', async () => {
    await page.getByTestId('nav-tickets').click();
    const row = page.locator(`[data-testid="ticket-row"][data-number="${number}"]`);
    await seeText(row, 'Reaberto');
    await shot(page, 'my-tickets');
  });
  check(who.dialogs.length === 0 && who.errors.length === 0, 'no dialog, no script error',
    { dialogs: who.dialogs, errors: who.errors });
});
