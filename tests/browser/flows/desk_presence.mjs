// Agents who never collide (docs/API.md "Presence"), in real browsers: the
// customer Marina opens a ticket in the portal; Bruno opens it on the
// dashboard and starts typing; Ana, in another browser context, sees him in
// her N1 queue's row and, on the ticket, "Bruno Reis está respondendo…";
// Bruno's browser goes away (his page crashes: no goodbye, only his live
// stream ends) and his presence disappears from Ana's ticket. Then Ana writes a reply while Marina writes again in the portal:
// Ana's send asks first ("Enviar mesmo assim?"), showing Marina's new
// message; sending anyway stores the reply once. axe-core on the ticket
// with the presence line and with the question open.
import {
  api, axe, check, deskSignIn, env, liveStream, log, member, openTicket, person, queueRow, runFlow, seeText, shot,
  signInWithPassword, step, until,
} from '../lib.mjs';

const LIVE = 5000; // a live update must show within this (the machine is loaded)

async function noSeriousAxe(page, what) {
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

runFlow('painel: quem está vendo, quem está respondendo, e a resposta que chegou atrasada', async (browser) => {
  const ana = member('ana');
  const bruno = member('bruno');
  const { customer } = env.seed;
  const marina = await person(browser, { name: 'Marina (cliente)' });
  const anaW = await person(browser, { name: 'Ana (N1)' });
  const brunoW = await person(browser, { name: 'Bruno (N2)' });
  const subject = 'Maquininha de cartão recusa todas as vendas';
  let number;

  await step('Marina opens a ticket; Ana and Bruno sign in', async () => {
    await signInWithPassword(marina, customer.email, customer.password);
    await deskSignIn(anaW, ana);
    await deskSignIn(brunoW, bruno);
    await liveStream(anaW);
    number = await openTicket(marina, { subject, body: 'Desde as 9h a maquininha recusa todos os cartões.' });
    await seeText(queueRow(anaW, number), subject, LIVE);
  });

  await step('Bruno opens the ticket: Ana sees him in her queue\'s row, live', async () => {
    await brunoW.page.goto(`/painel/chamados/${number}`);
    await seeText(brunoW.page.getByTestId('desk-ticket-subject'), subject);
    const cell = queueRow(anaW, number).getByTestId('queue-presence');
    const t0 = Date.now();
    await seeText(cell, `${bruno.name} com o chamado aberto`, LIVE);
    log(`Bruno showed in Ana's queue ${Date.now() - t0} ms after his page opened`);
    check((await cell.locator('.presence-avatar').allInnerTexts()).join() === 'BR', 'his initials as the avatar',
      await cell.locator('.presence-avatar').allInnerTexts());
    await shot(anaW.page, 'ana-queue-bruno-viewing');
  });

  await step('Ana opens it too: each sees the other; Bruno types, Ana sees "está respondendo…"', async () => {
    const { page } = anaW;
    await queueRow(anaW, number).getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await seeText(page.getByTestId('ticket-presence'), `${bruno.name} está vendo este chamado`, LIVE);
    await seeText(brunoW.page.getByTestId('ticket-presence'), `${ana.name} está vendo este chamado`, LIVE);
    await brunoW.page.getByTestId('compose-body').pressSequentially('Marina, já estou verificando', { delay: 20 });
    const t0 = Date.now();
    await seeText(page.getByTestId('ticket-presence'), `${bruno.name} está respondendo…`, LIVE);
    log(`Bruno's typing showed on Ana's page ${Date.now() - t0} ms after his last key`);
    check(await page.getByTestId('ticket-presence').locator('p.typing').count() === 1, 'the typing line stands out');
    check(await page.getByTestId('ticket-presence').getAttribute('role') === 'status', 'a polite live region says it');
    await shot(page, 'ana-sees-bruno-typing');
    await noSeriousAxe(page, 'the ticket with a colleague replying');
  });

  await step('Bruno\'s browser goes away (its page crashes): his presence disappears from Ana\'s ticket', async () => {
    // A crash says nothing ("left" needs the page): only the end of his
    // live stream tells the gateway, well before his entry's 30 s.
    const cdp = await brunoW.context.newCDPSession(brunoW.page);
    const t0 = Date.now();
    cdp.send('Page.crash').catch(() => {});
    await until(async () => (await anaW.page.getByTestId('ticket-presence').innerText()).trim() === '',
      'Bruno gone from Ana\'s ticket', LIVE);
    log(`Bruno's presence went ${Date.now() - t0} ms after his page crashed`);
    await brunoW.page.close().catch(() => {});
    const { status, body } = await api(anaW, 'GET', `/desk/tickets/${number}/presence`);
    check(status === 200 && body.viewers.every((v) => v.principal !== bruno.id), 'the gateway no longer lists him', body);
  });

  const replyText = 'Marina, reinicie a maquininha segurando o botão verde por 10 segundos.';
  const newMessage = 'Atualizando: agora aparece "erro 05" na tela.';
  await step('Marina writes again while Ana writes her reply: Ana is asked first', async () => {
    const { page } = anaW;
    await page.getByTestId('compose-body').fill(replyText);
    await marina.page.getByTestId('reply-body').fill(newMessage);
    await marina.page.getByTestId('reply-submit').click();
    await seeText(marina.page.locator('[data-testid="message"][data-direction="inbound"]').last(), 'erro 05');
    // The router has it before Ana sends (her view reloads with it, live).
    await until(async () => {
      const r = await api(anaW, 'GET', `/desk/tickets/${number}`);
      return r.body.messages.some((m) => m.body.includes('erro 05'));
    }, 'Marina\'s new message on the ticket', LIVE);
    await page.getByTestId('compose-send').click();
    const box = page.getByTestId('reply-conflict');
    await seeText(box, 'O chamado mudou desde que você o abriu');
    await seeText(box, 'Enviar mesmo assim?');
    await seeText(box.getByTestId('conflict-message'), 'erro 05');
    check(await box.getAttribute('role') === 'alertdialog', 'the question is an alert dialog');
    check(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')) === 'reply-conflict',
      'focus moves to the question');
    check(await page.getByTestId('compose-body').inputValue() === replyText, 'the draft is kept');
    const r = await api(anaW, 'GET', `/desk/tickets/${number}`);
    check(!r.body.messages.some((m) => m.direction === 'outbound'), 'nothing was sent yet', r.body.messages.length);
    await shot(page, 'ana-asked-before-sending');
    await noSeriousAxe(page, 'the ticket with the "send anyway?" question');
  });

  await step('Ana sends anyway: the reply is stored once', async () => {
    const { page } = anaW;
    await page.getByTestId('conflict-send').click();
    await seeText(page.getByTestId('notice'), 'Pronto: chamado atualizado.');
    await seeText(page.locator('[data-testid="desk-message"][data-direction="outbound"]').last(), 'botão verde');
    check(await page.getByTestId('reply-conflict').count() === 0, 'the question is gone');
    const r = await api(anaW, 'GET', `/desk/tickets/${number}`);
    const sent = r.body.messages.filter((m) => m.direction === 'outbound');
    check(sent.length === 1 && sent[0].body === replyText, 'one reply, the one she wrote', sent);
    await seeText(marina.page.locator('[data-testid="message"][data-direction="outbound"]').last(), 'botão verde', LIVE);
    await shot(page, 'ana-sent-anyway');
  });
});
