// axe-core on each main page of the dashboard (pt-BR): sign-in, queues,
// ticket (with messages and history), account as an agent; people as an
// admin; reports as a supervisor. Every violation is printed; none may be
// serious or critical.
import {
  axe, check, deskSignIn, log, member, openTicket, person, queueRow, runFlow, seeText, shot, signInWithPassword, step,
  env,
} from '../lib.mjs';

runFlow('painel: acessibilidade (axe-core) nas páginas principais', async (browser) => {
  const bad = [];
  const counted = [];

  async function audit(who, name, url, ready) {
    const { page } = who;
    await step(`axe: ${name} (${url || page.url()})`, async () => {
      if (url) await page.goto(url);
      await page.getByTestId(ready).first().waitFor({ state: 'visible' });
      await page.evaluate(() => document.fonts.ready);
      await page.waitForTimeout(300);
      await shot(page, name);
      const violations = await axe(page);
      for (const v of violations) {
        log(`axe ${name}: [${v.impact}] ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
        if (v.impact === 'serious' || v.impact === 'critical') bad.push(`${name}: ${v.id} (${v.impact})`);
      }
      log(`axe ${name}: ${violations.length} violation(s)`);
      counted.push(name);
    });
  }

  const customer = await person(browser, { name: 'cliente' });
  const ana = await person(browser, { name: 'Ana (N1)' });
  const root = await person(browser, { name: 'admin' });
  const sara = await person(browser, { name: 'supervisora' });
  let number;

  await step('a ticket from the portal', async () => {
    await signInWithPassword(customer, env.seed.customer.email, env.seed.customer.password);
    number = await openTicket(customer, { subject: 'Não consigo exportar o relatório', body: 'O botão de exportar não responde.' });
  });

  await audit(ana, 'signin', '/painel/entrar', 'desk-login-email');
  await step('Ana signs in', () => deskSignIn(ana, member('ana')));
  await audit(ana, 'queues', '/painel', 'queue-row');
  await step('Ana takes the ticket and replies', async () => {
    const { page } = ana;
    await queueRow(ana, number).getByRole('link').click();
    await page.getByTestId('action-take').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), 'Ana');
    await page.getByTestId('compose-body').fill('Olá! Pode nos mandar um print da tela?');
    await page.getByTestId('compose-send').click();
    await seeText(page.locator('[data-testid="desk-message"][data-direction="outbound"]'), 'print da tela');
  });
  await audit(ana, 'ticket', `/painel/chamados/${number}`, 'desk-message');
  await step('the escalation form open', async () => {
    await ana.page.getByTestId('action-escalate').click();
    await ana.page.getByTestId('escalate-reason').waitFor({ state: 'visible' });
  });
  await audit(ana, 'ticket-escalate-form', null, 'escalate-reason');
  await audit(ana, 'account', '/painel/conta', 'account-current');

  await step('the admin signs in', () => deskSignIn(root, member('root')));
  await audit(root, 'people', '/painel/pessoas', 'person-row');

  await step('the supervisor signs in', () => deskSignIn(sara, member('sara')));
  await audit(sara, 'reports', '/painel/relatorios', 'report-row');

  check(counted.length === 7, 'axe ran on every page', counted);
  check(bad.length === 0, 'no serious or critical violation on any page', bad);
});
