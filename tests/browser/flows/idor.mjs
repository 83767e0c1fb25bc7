// One customer cannot read another's ticket or file (issue 13, flow e):
// Bruno, signed in, goes to Alice's /chamados/N and to her attachment's URL
// and gets the "not found" page and 404s, answered exactly as for a number
// never used; nothing of her ticket shows.
import {
  api, check, log, openTicket, person, runFlow, seeText, shot, signInByLink, step, uniqueAddress,
} from '../lib.mjs';

const SECRET = 'Contrato 7781: valor mensal R$ 12.400,00, cláusula de sigilo.';

runFlow('IDOR: o chamado e o anexo de outra pessoa não aparecem', async (browser) => {
  const alice = await person(browser, { name: 'alice' });
  const bruno = await person(browser, { name: 'bruno' });
  let number;
  let href;

  await step('Alice opens a ticket with a file', async () => {
    await signInByLink(alice, uniqueAddress('alice'));
    number = await openTicket(alice, {
      subject: 'Renovação do contrato confidencial',
      body: SECRET,
      files: [{ name: 'contrato-7781.txt', mimeType: 'text/plain', buffer: Buffer.from(SECRET) }],
    });
    await seeText(alice.page.getByTestId('attachment-link'), 'contrato-7781.txt');
    href = await alice.page.getByTestId('attachment-link').first().getAttribute('href');
    const own = await alice.context.request.get(href);
    check(own.status() === 200 && (await own.text()) === SECRET, 'Alice downloads her own file');
  });

  await step('Bruno opens her ticket\'s page', async () => {
    await signInByLink(bruno, uniqueAddress('bruno'));
    const { page } = bruno;
    await page.goto(`/chamados/${number}`);
    await seeText(page.getByTestId('error'), /não encontrad|não existe/i);
    const text = await page.locator('body').innerText();
    check(!text.includes('Renovação do contrato') && !text.includes('Contrato 7781'),
      'nothing of Alice\'s ticket shows', text.slice(0, 400));
    check(!(await page.getByTestId('ticket-status').isVisible()), 'no ticket status either');
    // The page is finished: no "Carregando…" left under the error.
    check(!/Carregando/.test(await page.locator('main').innerText()),
      'the page no longer says "Carregando…"');
    await shot(page, 'not-found');
  });

  await step('the API answers 404, as for a number never used', async () => {
    const hers = await api(bruno, 'GET', `/tickets/${number}`);
    const never = await api(bruno, 'GET', '/tickets/999999');
    check(hers.status === 404 && hers.body.error === 'not_found', 'GET /tickets/N is 404 not_found', hers);
    check(JSON.stringify(hers.body) === JSON.stringify(never.body), 'the same answer as a number never used',
      { hers: hers.body, never: never.body });
    const list = await api(bruno, 'GET', '/tickets');
    check(list.status === 200 && !list.body.tickets.some((t) => t.number === number),
      'her ticket is not in Bruno\'s list', list.body);
  });

  await step('her file\'s URL', async () => {
    const res = await bruno.context.request.get(href);
    const text = await res.text();
    check(res.status() === 404 && !text.includes('Contrato 7781'), 'the attachment is 404 for Bruno', res.status());
    const shown = await bruno.page.goto(href).catch((e) => e);
    if (shown && typeof shown.status === 'function') {
      check(shown.status() === 404, 'opened in the browser too: 404', shown.status());
    }
    check(!(await bruno.page.content()).includes('Contrato 7781'), 'the browser shows none of it');
    await shot(bruno.page, 'attachment-404');
  });

  await step('Bruno\'s "my tickets" has none of hers', async () => {
    await bruno.page.goto('/chamados');
    // (Not 'networkidle': the live stream keeps a request open.)
    await seeText(bruno.page.locator('main'), 'Você ainda não tem chamados');
    check(await bruno.page.locator(`[data-testid="ticket-row"][data-number="${number}"]`).count() === 0,
      'no row for her ticket');
    check(!(await bruno.page.locator('body').innerText()).includes('Renovação do contrato'), 'no subject of hers');
    await shot(bruno.page, 'my-tickets');
  });
});
