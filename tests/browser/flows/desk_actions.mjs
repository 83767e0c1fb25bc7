// The dashboard's ticket actions that only the API tests had exercised, in
// real browsers (Ana N1, Bruno N2 and the supervisor Sara, one context
// each; the customers write in by e-mail, through the mail gate):
//   merge: Ana merges a customer's duplicate into her first ticket from the
//     duplicate's page; she lands on the survivor, whose history holds the
//     duplicate's message (labelled "veio do chamado #N, unido a este") and
//     the merge; the duplicate is closed, "Unido ao
//     chamado #N" with a link back;
//   link: Ana links an incident to another ticket, which becomes its
//     problem: each page shows the other (the incident's "Problema
//     vinculado #N" link, the problem's count and history entry), the queue
//     flags both as a recurring problem; resolving the problem resolves the
//     incident;
//   de-escalate: a ticket Ana escalated to N2 is sent back to N1 by Bruno
//     with a note: the history shows the move with the note, and it arrives
//     in Ana's N1 queue live;
//   assign: Sara assigns a queued ticket to Ana, whose "Meus chamados"
//     shows it live; Sara puts it back in the queue ("Devolver para a
//     fila"): it leaves Ana's list live and is in the N1 queue again;
//   mail as agents read it (issue 15, items 7 and 13): a colleague's answer
//     joins as a participant (named in the facts, the message marked); a
//     stranger's answer to the same thread is a ticket of its own that
//     "mentioned" the first, without our tag in its subject; a forwarded
//     e-mail is shown and kept as an .eml file.
// axe-core on the ticket page with the merge, link, de-escalation and
// assignment forms open (the escalation form is desk_axe's).
import {
  axe, check, deskSignIn, liveStream, log, mailIn, member, person, queueRow, runFlow, seeText, shot, step, until,
} from '../lib.mjs';

const LIVE = 5000; // a live update must show within this (the machine is loaded)

let mailCount = 0;
function mail({ name, address, subject, body }) {
  mailCount += 1;
  const encoded = `=?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`;
  return [
    `From: ${name} <${address}>`,
    'To: suporte@balcao.test',
    `Subject: ${encoded}`,
    `Message-ID: <acoes-${process.pid}-${mailCount}@cliente.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

// The ticket number of the queue row showing `subject` on `who`'s page.
async function numberOf(who, subject) {
  const row = who.page.locator('[data-testid="queue-row"]', { hasText: subject });
  await seeText(row, subject, 20000);
  return Number(await row.first().getAttribute('data-number'));
}

function entries(page, type) {
  return page.locator(`[data-testid="desk-timeline-entry"][data-type="${type}"]`);
}

// The value shown next to a fact of the ticket ("Problema vinculado").
function fact(page, label) {
  return page.locator('.desk-facts dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');
}

async function noSeriousAxe(page, what) {
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

runFlow('painel: unir, vincular, devolver ao N1, atribuir e devolver à fila', async (browser) => {
  const ana = member('ana');
  const bruno = member('bruno');
  const sara = member('sara');
  const anaW = await person(browser, { name: 'Ana (N1)' });
  const brunoW = await person(browser, { name: 'Bruno (N2)' });
  const saraW = await person(browser, { name: 'Sara (supervisora)' });
  const t = {
    first: { name: 'Lúcia Andrade', address: 'lucia@mercado-andrade.example', subject: 'Impressora fiscal não imprime o cupom',
      body: 'Desde ontem a impressora fiscal do caixa 2 não imprime o cupom.' },
    dup: { name: 'Lúcia Andrade', address: 'lucia@mercado-andrade.example', subject: 'Cupom não sai no caixa 2 (de novo)',
      body: 'Escrevo de novo: o caixa 2 continua sem imprimir; agora o caixa 3 também.' },
    problem: { name: 'Otávio Reis', address: 'otavio@otica-reis.example', subject: 'Sistema fora do ar desde as 10h',
      body: 'Ninguém na ótica consegue entrar no sistema desde as 10h.' },
    incident: { name: 'Paula Mendes', address: 'paula@pet-mendes.example', subject: 'Não consigo acessar o sistema',
      body: 'A tela de entrada fica carregando e não abre.' },
    moved: { name: 'Rafael Lima', address: 'rafael@lima-moveis.example', subject: 'Boleto com valor errado',
      body: 'O boleto de março veio com o valor de fevereiro.' },
  };

  await step('Ana, Bruno and Sara sign in; five customers write in by e-mail', async () => {
    await deskSignIn(anaW, ana);
    await deskSignIn(brunoW, bruno);
    await deskSignIn(saraW, sara);
    await liveStream(anaW);
    for (const k of ['first', 'dup', 'problem', 'incident', 'moved']) mailIn(mail(t[k]));
    for (const k of Object.keys(t)) t[k].number = await numberOf(anaW, t[k].subject);
    log(`tickets: ${JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.number])))}`);
    check(new Set(Object.values(t).map((x) => x.number)).size === 5, 'five tickets in Ana\'s N1 queue, arrived live');
    await shot(anaW.page, 'ana-queue');
  });

  await step('merge: Ana merges the duplicate into the first ticket from the duplicate\'s page', async () => {
    const { page } = anaW;
    await queueRow(anaW, t.dup.number).getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${t.dup.number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), t.dup.subject);
    await page.getByTestId('action-merge').click();
    await page.getByTestId('merge-number').fill(String(t.first.number));
    await shot(page, 'merge-form');
    await noSeriousAxe(page, 'the ticket with the merge form open');
    await page.getByTestId('merge-submit').click();
    // The page goes to the ticket that continues.
    await page.waitForURL(new RegExp(`/painel/chamados/${t.first.number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), `#${t.first.number}: ${t.first.subject}`);
    await seeText(page.getByTestId('notice'), 'Pronto: chamado atualizado.');
    const inbound = page.locator('[data-testid="desk-message"][data-direction="inbound"]');
    await seeText(inbound.filter({ hasText: t.first.body }), t.first.body);
    await seeText(inbound.filter({ hasText: 'caixa 3 também' }), t.dup.body);
    check(await inbound.count() === 2, 'the survivor\'s timeline holds both customer messages', await inbound.count());
    await seeText(inbound.filter({ hasText: 'caixa 3 também' }).getByTestId('desk-message-copied'),
      `veio do chamado #${t.dup.number}, unido a este`);
    check(await inbound.filter({ hasText: t.first.body }).getByTestId('desk-message-copied').count() === 0,
      'the survivor\'s own message carries no such label');
    await seeText(entries(page, 'TicketMerged'), `${ana.name} uniu o chamado #${t.dup.number} a este`);
    // The customer's other tickets: the duplicate, closed.
    const other = page.getByTestId('customer-tickets').locator('li', { hasText: `#${t.dup.number}` });
    await seeText(other, 'Fechado');
    await shot(page, 'merge-survivor');
    await other.getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${t.dup.number}$`));
    await seeText(page.getByTestId('desk-ticket-status'), 'Fechado');
    await seeText(fact(page, 'Unido ao chamado'), `#${t.first.number}`);
    await seeText(entries(page, 'TicketMerged'), `${ana.name} uniu este chamado ao #${t.first.number}`);
    await seeText(entries(page, 'TicketStatusChanged').last(), `unido ao chamado #${t.first.number}`);
    check(!(await page.getByTestId('action-merge').isVisible()) && !(await page.getByTestId('action-resolve').isVisible()),
      'the closed duplicate offers no merge or resolve');
    await shot(page, 'merge-duplicate-closed');
    await fact(page, 'Unido ao chamado').getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${t.first.number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), t.first.subject);
  });

  await step('link: Ana links an incident to the outage ticket, which becomes its problem', async () => {
    const { page } = anaW;
    await page.goto(`/painel/chamados/${t.incident.number}`);
    await seeText(page.getByTestId('desk-ticket-subject'), t.incident.subject);
    await page.getByTestId('action-link').click();
    await page.getByTestId('link-number').fill(String(t.problem.number));
    await noSeriousAxe(page, 'the ticket with the link form open');
    await page.getByTestId('link-submit').click();
    await seeText(fact(page, 'Problema vinculado'), `#${t.problem.number}`);
    await seeText(entries(page, 'TicketLinked'), `${ana.name} vinculou este chamado ao problema #${t.problem.number}`);
    check(new URL(page.url()).pathname === `/painel/chamados/${t.incident.number}`, 'Ana stays on the incident');
    await shot(page, 'link-incident');
    await fact(page, 'Problema vinculado').getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${t.problem.number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), t.problem.subject);
    await seeText(fact(page, 'Incidentes vinculados'), `1: #${t.incident.number}`);
    check(await fact(page, 'Incidentes vinculados').getByRole('link').getAttribute('href')
      === `/painel/chamados/${t.incident.number}`, 'the problem links to its incident');
    await seeText(entries(page, 'TicketLinked'), `${ana.name} vinculou o incidente #${t.incident.number} a este problema`);
    await shot(page, 'link-problem');
  });

  await step('the queue flags the problem and its incident', async () => {
    const { page } = anaW;
    await page.getByTestId('desk-nav-queues').click();
    await page.waitForURL((u) => u.pathname === '/painel');
    const onProblem = queueRow(anaW, t.problem.number).getByTestId('queue-problem');
    const onIncident = queueRow(anaW, t.incident.number).getByTestId('queue-problem');
    await seeText(onProblem, 'Problema recorrente (1 chamado)');
    await seeText(onIncident, 'Problema recorrente');
    check(await onProblem.getAttribute('data-problem') === String(t.problem.number)
      && await onIncident.getAttribute('data-problem') === String(t.problem.number),
    'both rows point at the problem ticket');
    check(!(await queueRow(anaW, t.dup.number).isVisible()), 'the merged duplicate has left the N1 queue');
    await shot(page, 'link-queue');
  });

  await step('resolving the problem resolves its incident', async () => {
    const { page } = anaW;
    await queueRow(anaW, t.problem.number).getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/painel/chamados/${t.problem.number}$`));
    await page.getByTestId('action-take').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), ana.name);
    await page.getByTestId('action-resolve').click();
    await page.getByTestId('resolve-text').fill('O servidor de autenticação voltou; o sistema está no ar de novo.');
    await page.getByTestId('resolve-submit').click();
    await seeText(page.getByTestId('desk-ticket-status'), 'Resolvido');
    await page.goto(`/painel/chamados/${t.incident.number}`);
    await seeText(page.getByTestId('desk-ticket-status'), 'Resolvido');
    await seeText(fact(page, 'Solução'), 'o sistema está no ar de novo');
    await shot(page, 'link-incident-resolved');
  });

  await step('de-escalate: Ana escalates a ticket to N2; Bruno sends it back to N1 with a note', async () => {
    const { page } = anaW;
    const note = 'Valor do boleto vem da tabela de preços do cliente: corrija a tabela e reemita o boleto.';
    await page.goto(`/painel/chamados/${t.moved.number}`);
    await page.getByTestId('action-take').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), ana.name);
    await liveStream(brunoW);
    await page.getByTestId('action-escalate').click();
    await page.getByTestId('escalate-reason').fill('Valor do boleto diferente do contrato.');
    await page.getByTestId('escalate-tried').fill('Conferi o contrato e reemiti o boleto; o valor continua errado.');
    await page.getByTestId('escalate-submit').click();
    await seeText(page.getByTestId('desk-ticket-tier'), 'N2');
    await seeText(queueRow(brunoW, t.moved.number), t.moved.subject, LIVE);
    await page.getByTestId('desk-nav-queues').click();
    await page.waitForURL((u) => u.pathname === '/painel');
    await liveStream(anaW);
    check(!(await queueRow(anaW, t.moved.number).isVisible()), 'the escalated ticket is not in the N1 queue');

    const b = brunoW.page;
    await queueRow(brunoW, t.moved.number).getByRole('link').click();
    await b.waitForURL(new RegExp(`/painel/chamados/${t.moved.number}$`));
    await b.getByTestId('action-take').click();
    await seeText(b.getByTestId('desk-ticket-assignee'), bruno.name);
    await b.getByTestId('action-deescalate').click();
    await b.getByTestId('deescalate-note').fill(note);
    await noSeriousAxe(b, 'the ticket with the de-escalation form open');
    await b.getByTestId('deescalate-submit').click();
    await seeText(b.getByTestId('desk-ticket-tier'), 'N1');
    const down = await seeText(entries(b, 'TicketEscalated').last(), `${bruno.name} devolveu o chamado para o N1`);
    check(down.includes('corrija a tabela e reemita o boleto'), 'the history shows the de-escalation with Bruno\'s note', down);
    await seeText(b.getByTestId('desk-ticket-assignee'), 'Ninguém');
    await shot(b, 'deescalated');
    // Ana, on her queues, sees it come back without reloading.
    await seeText(queueRow(anaW, t.moved.number), t.moved.subject, LIVE);
    check(page.url().endsWith('/painel'), 'without a reload or navigation', page.url());
    await shot(page, 'deescalated-ana-queue');
  });

  await step('assign: Sara assigns the queued ticket to Ana; Ana\'s "Meus chamados" shows it live', async () => {
    const { page } = saraW;
    await anaW.page.getByTestId('queue-tab-mine').click();
    await seeText(anaW.page.getByTestId('queue-tab-mine').getByTestId('queue-count'), '0');
    await liveStream(anaW);
    await page.goto(`/painel/chamados/${t.moved.number}`);
    await seeText(page.getByTestId('desk-ticket-subject'), t.moved.subject);
    check(!(await page.getByTestId('action-take').isVisible()), 'a supervisor assigns, she does not take');
    await page.getByTestId('action-assign').click();
    const option = page.getByTestId('assign-agent').locator('option', { hasText: ana.name });
    await until(async () => (await option.count()) > 0, 'Ana among the agents to assign to', LIVE);
    await page.getByTestId('assign-agent').selectOption(ana.id);
    await noSeriousAxe(page, 'the ticket with the assignment form open');
    await shot(page, 'assign-form');
    await page.getByTestId('assign-submit').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), ana.name);
    await seeText(entries(page, 'TicketAssigned').last(), `${sara.name} atribuiu o chamado a ${ana.name}`);
    await shot(page, 'assigned');
    await seeText(queueRow(anaW, t.moved.number), t.moved.subject, LIVE);
    await seeText(anaW.page.getByTestId('queue-tab-mine').getByTestId('queue-count'), '1', LIVE);
    check(new URL(anaW.page.url()).pathname === '/painel', 'Ana did not reload or navigate');
    await shot(anaW.page, 'assigned-ana-mine');
  });

  await step('unassign: the ticket goes back to the N1 queue and leaves Ana\'s list live', async () => {
    // The ticket's own agent may put it back (docs/API.md, assign ""), but
    // her page offers no control for it (reported): look, then let the
    // supervisor do it with "Devolver para a fila".
    const probe = await anaW.context.newPage();
    await probe.goto(`/painel/chamados/${t.moved.number}`);
    await seeText(probe.getByTestId('desk-ticket-assignee'), ana.name);
    const buttons = (await probe.locator('.desk-actions button').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
    log(`Ana's actions on her own ticket: ${JSON.stringify(buttons)} (none puts it back in the queue)`);
    await shot(probe, 'ana-own-ticket-actions');
    await probe.close();

    const { page } = saraW;
    await page.getByTestId('action-assign').click();
    await page.getByTestId('assign-agent').selectOption({ label: 'Devolver para a fila' });
    await page.getByTestId('assign-submit').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), 'Ninguém');
    await seeText(entries(page, 'TicketAssigned').last(), `${sara.name} devolveu o chamado à fila do N1`);
    await shot(page, 'unassigned');
    await until(async () => !(await queueRow(anaW, t.moved.number).isVisible()), 'the ticket to leave Ana\'s "Meus chamados"', LIVE);
    await seeText(anaW.page.getByTestId('queue-tab-mine').getByTestId('queue-count'), '0', LIVE);
    await anaW.page.getByTestId('queue-tab-N1').click();
    await seeText(queueRow(anaW, t.moved.number), t.moved.subject);
    await seeText(queueRow(anaW, t.moved.number).locator('td').nth(6), 'Ninguém');
    await shot(anaW.page, 'unassigned-ana-queue');
  });

  await step('mail as agents read it: a colleague joins as a participant, a stranger\'s answer is its own ticket, a forward is kept as .eml', async () => {
    // Rafael's colleague at the same company answers on his ticket; a
    // stranger answers the same thread; Rafael forwards the bank's e-mail.
    const tag = `RE: [Chamado #${t.moved.number}] Recebemos seu chamado: ${t.moved.subject}`;
    const answer = (from, id, body) => [
      `From: ${from}`, 'To: suporte@balcao.test', `Subject: =?UTF-8?B?${Buffer.from(tag, 'utf8').toString('base64')}?=`,
      `Message-ID: <${id}-${process.pid}@x.example>`, 'Content-Type: text/plain; charset=utf-8', '', body, '',
    ].join('\r\n');
    mailIn(answer('Júlia Lima <julia@lima-moveis.example>', 'julia', 'Aqui no financeiro o boleto também veio errado.'));
    mailIn(answer('Eva <eva@outra.example>', 'eva', 'Recebi isto por engano? Também uso o sistema.'));
    const inner = ['From: Banco <cobranca@banco.example>', 'Subject: Boleto de março', 'Message-ID: <b-1@banco.example>',
      'Content-Type: text/plain; charset=utf-8', '', 'Valor: R$ 1.234,00', ''].join('\r\n');
    mailIn(['From: Rafael Lima <rafael@lima-moveis.example>', 'To: suporte@balcao.test', 'Subject: Fwd: boleto do banco',
      `Message-ID: <fwd-${process.pid}@lima-moveis.example>`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="f"', '',
      '--f', 'Content-Type: text/plain; charset=utf-8', '', 'Segue o e-mail do banco.', '--f', 'Content-Type: message/rfc822', '',
      inner, '--f--', ''].join('\r\n'));
    const { page } = anaW;
    await page.goto('/painel');
    const fwd = await numberOf(anaW, 'Fwd: boleto do banco');
    const rows = page.locator('[data-testid="queue-row"]', { hasText: t.moved.subject });
    await until(async () => (await rows.count()) === 2, 'the stranger\'s ticket in the N1 queue, beside Rafael\'s', 20000);
    const numbers = await Promise.all([0, 1].map(async (i) => Number(await rows.nth(i).getAttribute('data-number'))));
    const eva = numbers.find((n) => n !== t.moved.number);
    log(`the stranger's ticket: #${eva}; the forward: #${fwd}`);

    await page.goto(`/painel/chamados/${t.moved.number}`);
    await seeText(page.getByTestId('desk-ticket-participants'), 'julia@lima-moveis.example');
    const joined = page.locator('[data-testid="desk-message"]', { hasText: 'Aqui no financeiro' });
    await seeText(joined.getByTestId('desk-message-participant'), 'participante');
    await shot(page, 'participant');

    await page.goto(`/painel/chamados/${eva}`);
    await seeText(page.getByTestId('desk-ticket-mentions'), `#${t.moved.number}`);
    const title = await page.locator('h1').first().innerText();
    check(title.includes(t.moved.subject) && !title.includes('[Chamado') && !title.includes('Recebemos'),
      'the stranger\'s ticket has the customer\'s subject, without our tag or notice', title);
    await shot(page, 'mentions');

    await page.goto(`/painel/chamados/${fwd}`);
    const message = page.locator('[data-testid="desk-message"]').first();
    await seeText(message, 'Valor: R$ 1.234,00');
    await seeText(message.locator('.attachments'), 'Boleto de março.eml');
    await shot(page, 'forwarded-eml');
  });

  for (const w of [anaW, brunoW, saraW]) {
    check(w.errors.length === 0, `${w.name}: no script error`, w.errors);
    check(w.dialogs.length === 0, `${w.name}: no dialog`, w.dialogs);
  }
});
