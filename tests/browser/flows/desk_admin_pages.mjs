// The admin's and supervisor's pages of the dashboard, in real browsers:
//   outbox: a customer's address is refused by the SMTP server ("550 5.1.1
//     User unknown", SMTP_REFUSE_FILE); her ticket's acknowledgement dies.
//     Sara (supervisor) sees it under "Mortas" with the server's reason and
//     no resend button; Rui (admin) resends it once the address works: it
//     leaves "Mortas" and the mail arrives;
//   invite: Rui adds the agent Diego on /painel/pessoas ("Convite
//     pendente"); the invitation mail arrives, its link opens "Defina sua
//     senha", the password saved signs Diego in to the N1 queue with the
//     customer's ticket; he signs out and in again with it, answers and
//     resolves that ticket; Rui's list says "Senha definida";
//   reports: Sara's /painel/relatorios for today, grouped by tier; the CSV
//     export downloads a file whose header is the documented one and whose
//     rows (total and N1) hold the figures the page shows.
// axe-core on the outbox (dead letters, as admin and supervisor) and on
// the set-password page: nothing serious or critical.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  api, axe, check, deskSignIn, liveStream, log, mailIn, mailedLink, mails, member, person, queueRow, runFlow, seeText,
  shot, step, today, until,
} from '../lib.mjs';

const LIVE = 5000;
const CSV_HEADER = 'group,created,resolved,closed,reopened,first_responses,first_response_median_s,'
  + 'first_response_p90_s,resolution_median_s,resolution_p90_s,sla_met_pct,escalation_n1_n2_pct,'
  + 'escalation_n2_n3_pct,reopen_pct,csat_count,csat_average,csat_1,csat_2,csat_3,csat_4,csat_5';

function refuse(...addresses) {
  const file = process.env.SMTP_REFUSE_FILE;
  if (!file) throw new Error('SMTP_REFUSE_FILE is not set: run this flow through tests/browser/run_flow.py');
  writeFileSync(file, addresses.map((a) => `${a}\n`).join(''));
}

async function noSeriousAxe(page, what) {
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

// A CSV line split on commas (the report's cells hold no quotes but the group).
function cells(line) {
  return line.split(',').map((c) => c.replace(/^"|"$/g, ''));
}

runFlow('painel: caixa de saída, convite de agente e CSV dos relatórios', async (browser) => {
  const rui = member('root');
  const sara = member('sara');
  const ruiW = await person(browser, { name: 'Rui (admin)' });
  const saraW = await person(browser, { name: 'Sara (supervisora)' });
  const diegoW = await person(browser, { name: 'Diego (novo agente)' });
  const customer = { name: 'Beatriz Campos', address: 'beatriz@campos-flores.example' };
  const subject = 'Pedido 7731 não aparece no sistema';
  const diego = { name: 'Diego Lima', email: 'diego@balcao.test', id: 'agent:diego@balcao.test', password: 'senha-do-diego-456' };
  let number;
  let deadId;

  await step('the SMTP server refuses Beatriz\'s address; her e-mail opens a ticket', async () => {
    refuse(customer.address);
    await deskSignIn(ruiW, rui);
    await deskSignIn(saraW, sara);
    await liveStream(ruiW);
    mailIn([
      `From: ${customer.name} <${customer.address}>`,
      'To: suporte@balcao.test',
      `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
      `Message-ID: <pedido-7731-${process.pid}@campos-flores.example>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Fiz o pedido 7731 ontem e ele não aparece na lista de pedidos.',
      '',
    ].join('\r\n'));
    // Rui (no tier) is on the N1 queue: the ticket arrives there live.
    const row = ruiW.page.locator('[data-testid="queue-row"]', { hasText: subject });
    await seeText(row, subject, 20000);
    number = Number(await row.getAttribute('data-number'));
    deadId = `t${number}-ack`;
    log(`ticket #${number}; its acknowledgement is ${deadId}`);
  });

  await step('outbox: Sara sees the dead acknowledgement with the server\'s reason, without a resend button', async () => {
    const { page } = saraW;
    await page.getByTestId('desk-nav-outbox').click();
    await page.waitForURL(/\/painel\/saida$/);
    await page.getByTestId('outbox-tab-dead').click();
    const row = page.locator(`[data-testid="outbox-row"][data-id="${deadId}"]`);
    // notify gives up at the first permanent refusal; the page shows what
    // it found when it loaded: look again until it is there.
    await until(async () => {
      if (await row.isVisible()) return true;
      await page.getByTestId('outbox-tab-pending').click();
      await page.getByTestId('outbox-tab-dead').click();
      return false;
    }, 'the dead acknowledgement under "Mortas"', 20000, 1000);
    const text = await seeText(row, customer.address);
    check(text.includes(`#${number}`) && /550 5\.1\.1 .*User unknown/.test(text) && !text.includes('550: 550'), 'the row names the ticket and the server\'s reason (550 … User unknown)', text);
    await seeText(page.getByTestId('outbox-tab-dead').getByTestId('outbox-count'), '1');
    check(!(await row.getByTestId('outbox-resend').isVisible()), 'a supervisor has no resend button');
    await seeText(page.locator('p.help'), 'Só administradores podem reenviar notificações.');
    await shot(page, 'outbox-dead-supervisor');
    await noSeriousAxe(page, 'the outbox (dead, supervisor)');
  });

  await step('outbox: Rui resends it once the address works; it leaves "Mortas" and the mail arrives', async () => {
    const { page } = ruiW;
    await page.getByTestId('desk-nav-outbox').click();
    await page.waitForURL(/\/painel\/saida$/);
    await page.getByTestId('outbox-tab-dead').click();
    const row = page.locator(`[data-testid="outbox-row"][data-id="${deadId}"]`);
    const text = await seeText(row, customer.address);
    check(/550 5\.1\.1 .*User unknown/.test(text), 'the admin sees the same reason', text);
    await seeText(row.getByTestId('outbox-resend'), 'Reenviar');
    await shot(page, 'outbox-dead-admin');
    await noSeriousAxe(page, 'the outbox (dead, admin)');
    check(mails(customer.address).length === 0, 'nothing reached Beatriz so far');
    refuse(); // the address was fixed on the mail server
    await row.getByTestId('outbox-resend').click();
    await seeText(page.getByTestId('notice'), 'Notificação colocada de novo na fila de envio.');
    await until(async () => !(await row.isVisible()), 'the row to leave "Mortas"', LIVE);
    await seeText(page.getByTestId('outbox-tab-dead').getByTestId('outbox-count'), '0');
    await seeText(page.getByTestId('outbox-empty'), 'Nenhuma notificação nesta situação.');
    check(await page.getByTestId('outbox-error').innerText() === '', 'no error on the page');
    await shot(page, 'outbox-resent');
    const got = await until(() => mails(customer.address)[0],
      'the resent acknowledgement at Beatriz\'s mail server', 20000, 250);
    log(`Beatriz received: "${got.subject}"`);
    await page.getByTestId('outbox-tab-pending').click();
    await until(async () => (await page.getByTestId('outbox-tab-pending').getByTestId('outbox-count').innerText()).trim() === '0'
      && !(await page.locator(`[data-testid="outbox-row"][data-id="${deadId}"]`).isVisible()),
    'the resent acknowledgement to be gone from "Pendentes" (delivered)', 10000, 500);
  });

  await step('invite: Rui adds the agent Diego on the People page', async () => {
    const { page } = ruiW;
    await page.getByTestId('desk-nav-people').click();
    await page.waitForURL(/\/painel\/pessoas$/);
    await page.getByTestId('person-email').fill(diego.email);
    await page.getByTestId('person-name').fill(diego.name);
    await page.getByTestId('person-tier').selectOption('N1');
    await page.getByTestId('person-submit').click();
    await seeText(page.getByTestId('notice'), `Agente ${diego.name} cadastrado. Enviamos o convite por e-mail.`);
    const row = page.locator(`[data-testid="person-row"][data-id="${diego.id}"]`);
    const text = await seeText(row, diego.name);
    check(text.includes('N1') && text.includes('Convite pendente'), 'his row: N1, invitation pending', text);
    await shot(page, 'people-invited');
  });

  await step('invite: the mailed link sets Diego\'s password and signs him in to the N1 queue', async () => {
    const { page } = diegoW;
    const { url, mail } = await mailedLink(diego.email, '/painel/definir-senha');
    log(`the invitation: "${mail.subject}"`);
    await page.goto(url);
    await seeText(page.locator('h1'), 'Defina sua senha');
    check(!page.url().includes('#t='), 'the token leaves the address bar', page.url());
    await page.getByLabel('Nova senha', { exact: true }).fill(diego.password);
    await page.getByLabel('Repita a nova senha', { exact: true }).fill(diego.password);
    await shot(page, 'set-password');
    await noSeriousAxe(page, 'the set-password page');
    await page.getByRole('button', { name: 'Salvar senha e entrar' }).click();
    await page.waitForURL((u) => u.pathname === '/painel');
    await seeText(page.getByTestId('notice'), 'Senha definida. Bem-vindo ao painel!');
    await seeText(page.getByTestId('desk-person'), diego.name);
    check(await page.getByTestId('queue-tab-N1').getAttribute('aria-selected') === 'true', 'Diego lands on the N1 queue');
    await seeText(queueRow(diegoW, number), subject);
    await shot(page, 'diego-queue');
  });

  await step('Diego signs out and in again with his new password', async () => {
    const { page } = diegoW;
    await page.getByTestId('nav-signout').click();
    await page.getByTestId('desk-login-email').waitFor({ state: 'visible' });
    await deskSignIn(diegoW, { ...diego });
    await seeText(queueRow(diegoW, number), subject);
    // His first ticket: he takes Beatriz's, answers and resolves it.
    await queueRow(diegoW, number).getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await page.getByTestId('action-take').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), diego.name);
    await page.getByTestId('compose-body').fill('Beatriz, o pedido 7731 ficou preso na integração; já o liberamos.');
    await page.getByTestId('compose-send').click();
    await seeText(page.locator('[data-testid="desk-message"][data-direction="outbound"]'), 'pedido 7731 ficou preso');
    await page.getByTestId('action-resolve').click();
    await page.getByTestId('resolve-text').fill('O pedido 7731 já aparece na sua lista de pedidos.');
    await page.getByTestId('resolve-submit').click();
    await seeText(page.getByTestId('desk-ticket-status'), 'Resolvido');
    await shot(page, 'diego-resolved');
    await ruiW.page.reload();
    const row = ruiW.page.locator(`[data-testid="person-row"][data-id="${diego.id}"]`);
    await seeText(row, 'Senha definida');
    await shot(ruiW.page, 'people-password-set');
  });

  await step('reports: the CSV export holds the figures the page shows', async () => {
    const { page } = saraW;
    const session = (await api(saraW, 'GET', '/session')).body;
    const day = today(session.time_zone || 'America/Sao_Paulo');
    await page.getByTestId('desk-nav-reports').click();
    await page.waitForURL(/\/painel\/relatorios$/);
    await page.getByTestId('report-from').fill(day);
    await page.getByTestId('report-to').fill(day);
    await page.getByTestId('report-group').selectOption('tier');
    await page.getByTestId('report-submit').click();
    const rows = page.getByTestId('report-row');
    await until(async () => (await rows.count()) >= 2 && (await rows.first().locator('th').innerText()).trim() === 'N1' ? true : null,
      'the N1 row and the total', LIVE);
    const shown = {};
    for (const r of await rows.all()) {
      const key = (await r.locator('th').innerText()).trim();
      shown[key] = (await r.locator('td').allInnerTexts()).map((x) => x.trim());
    }
    log(`the page: ${JSON.stringify(shown)}`);
    check(Number(shown.Total[0]) >= 1 && Number(shown.N1[0]) >= 1, 'the page counts today\'s ticket, at N1', shown);
    await shot(page, 'reports');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-csv').click()]);
    check(download.suggestedFilename() === `relatorio-${day}-${day}.csv`, 'the file is named for the period', download.suggestedFilename());
    const text = readFileSync(await download.path(), 'utf8');
    log(`the CSV:\n${text}`);
    const lines = text.trim().split('\n');
    check(lines[0] === CSV_HEADER, 'the CSV\'s header is the documented one', lines[0]);
    const head = cells(lines[0]);
    const csv = {};
    for (const line of lines.slice(1)) {
      const c = cells(line);
      csv[c[0] || 'Total'] = Object.fromEntries(head.map((h, i) => [h, c[i]]));
    }
    // The page's columns, in order, and the CSV's name for each.
    const columns = ['created', 'resolved', 'first_response_median_s', 'first_response_p90_s', 'resolution_median_s',
      'resolution_p90_s', 'sla_met_pct', 'escalation_n1_n2_pct', 'escalation_n2_n3_pct', 'reopen_pct', 'csat_average',
      'csat_count'];
    const same = (field, page, file) => {
      if (page === '—' || file === '') return page === '—' && file === '';
      if (field.endsWith('_s')) {
        const s = Number(file);
        return s < 60 ? page === '< 1 min' : s < 3600 ? page === `${Math.round(s / 60)} min` : /\bh\b|\bd\b/.test(page);
      }
      return Number(page.replace('%', '').replace(/\s/g, '').replace(',', '.')) === Number(file);
    };
    for (const key of ['Total', 'N1']) {
      check(csv[key], `the CSV has the ${key} row`, Object.keys(csv));
      const differ = columns.filter((c, i) => !same(c, shown[key][i], csv[key][c]))
        .map((c) => `${c}: page ${JSON.stringify(shown[key][columns.indexOf(c)])}, CSV ${JSON.stringify(csv[key][c])}`);
      check(differ.length === 0, `the CSV's ${key} row holds the page's ${columns.length} figures`, differ);
    }
    check(Number(shown.Total[1]) >= 1 && shown.Total[2] !== '—', 'the page counts Diego\'s answer and resolution', shown.Total);
    check(Object.keys(csv).length === Object.keys(shown).length, 'the CSV has as many rows as the page', [Object.keys(csv), Object.keys(shown)]);
  });

  for (const w of [ruiW, saraW, diegoW]) {
    check(w.errors.length === 0, `${w.name}: no script error`, w.errors);
    check(w.dialogs.length === 0, `${w.name}: no dialog`, w.dialogs);
  }
});
