// Markup a customer types reaches the agents as text: a ticket opened in the
// portal with <img src=x onerror=window.__xss=1> and <script> in its
// subject, body and a file's name shows literally in Ana's queue (arriving
// live) and in her ticket view (message, attachment, timeline). On each page
// no such element exists, window.__xss is undefined, no dialog fired and the
// CSP reported nothing.
import {
  check, deskSignIn, liveStream, member, openTicket, pageState, person, queueRow, runFlow, seeText, shot,
  signInByLink, step, uniqueAddress,
} from '../lib.mjs';

const IMG = '<img src=x onerror=window.__xss=1>';
const SCRIPT = '<script>window.__xss=1</script>';

async function inert(who, where) {
  const { page } = who;
  const dom = await page.evaluate(() => ({
    imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts: [...document.scripts].filter((s) => s.textContent.includes('__xss')).length,
    handlers: document.querySelectorAll('[onerror]').length,
  }));
  const state = await pageState(page);
  check(dom.imgs === 0 && dom.scripts === 0 && dom.handlers === 0, `${where}: the markup made no element`, dom);
  check(state.xss === 'undefined', `${where}: window.__xss is undefined`, state.xss);
  check(state.csp.length === 0, `${where}: no Content-Security-Policy violation`, state.csp);
  check(who.dialogs.length === 0, `${where}: no dialog fired`, who.dialogs);
}

runFlow('painel: marcação do cliente vira texto na fila e no chamado', async (browser) => {
  const customer = await person(browser, { name: 'cliente' });
  const ana = await person(browser, { name: 'Ana (N1)' });
  const subject = `Assunto ${IMG} ${SCRIPT}`;
  const body = `Corpo ${IMG} e ${SCRIPT} no meio do texto.`;
  const fileName = `${IMG}.txt`;
  let number;

  await step('Ana waits on her N1 queue', async () => {
    await deskSignIn(ana, member('ana'));
    await liveStream(ana);
  });

  await step('a customer opens a ticket with markup everywhere', async () => {
    await signInByLink(customer, uniqueAddress('xss'));
    number = await openTicket(customer, {
      subject, body,
      files: [{ name: fileName, mimeType: 'text/plain', buffer: Buffer.from('conteúdo do anexo\n') }],
    });
  });

  await step('the queue shows the subject as text (arriving live)', async () => {
    const row = await seeText(queueRow(ana, number), subject, 5000);
    check(row.includes(IMG) && row.includes(SCRIPT), 'the row holds the literal markup', row);
    await shot(ana.page, 'queue');
    await inert(ana, 'the queue');
  });

  await step('the ticket view shows subject, body and file name as text', async () => {
    const { page } = ana;
    await queueRow(ana, number).getByRole('link').click();
    await page.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), subject);
    await seeText(page.locator('[data-testid="desk-message"][data-direction="inbound"]'), body);
    const file = await seeText(page.getByTestId('desk-attachment').first(), 'onerror=window.__xss=1');
    check(file.includes('<img'), 'the file name shows its markup as text', file);
    await page.getByTestId('action-take').click();
    await seeText(page.getByTestId('desk-ticket-assignee'), 'Ana');
    await shot(page, 'ticket');
    await inert(ana, 'the ticket view');
    const title = await page.title();
    check(title.length > 0, 'the page has a title', title);
  });

  check(ana.errors.length === 0 && customer.errors.length === 0, 'no script error', [...ana.errors, ...customer.errors]);
});
