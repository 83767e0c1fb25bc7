// The LGPD rights in real browsers (docs/API.md, "LGPD"):
//   portal: Marina opens a ticket with a file, follows "Meus dados" in the
//     header, reads what the download holds and clicks "Baixar meus
//     dados": a download arrives, named balcao-dados-<today>.zip, a ZIP
//     file whose manifest.json names her and lists her ticket's file and
//     her portal account (read here with node:zlib, no unzip tool);
//   dashboard: Rui (admin) follows "LGPD" in the menu: the audit lists
//     Marina's export "pelo portal"; the erase form, filled but for the
//     confirmation (and then with another address), refuses in words and
//     nothing is erased (the audit has no anonymisation, her ticket still
//     names her); his export form downloads her ZIP too and the audit
//     shows it with his reason. Ana (agent) has no "LGPD" in her menu.
// axe-core on both pages: nothing serious or critical.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import {
  api, axe, check, deskSignIn, env, log, member, openTicket, person, runFlow, seeText, shot, signInWithPassword, step,
  until,
} from '../lib.mjs';

async function noSeriousAxe(page, what) {
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

// {name: Buffer} of a ZIP file: its central directory, each entry stored
// or deflated.
function unzip(buf) {
  check(buf.readUInt32LE(0) === 0x04034b50, 'the download starts as a ZIP file does (PK\\3\\4)');
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end -= 1;
  check(end >= 0, 'the ZIP file has its end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i += 1) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory entry at ${at}`);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files[name] = method === 8 ? inflateRawSync(data) : data;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

async function auditRows(page) {
  return page.locator('[data-testid="lgpd-audit-row"]').evaluateAll((rows) =>
    rows.map((r) => ({ kind: r.getAttribute('data-kind'), text: r.innerText })));
}

runFlow('LGPD: o cliente baixa seus dados; o administrador vê a auditoria e a anonimização pede confirmação', async (browser) => {
  const customer = env.seed.customer;
  const rui = member('root');
  const ana = member('ana');
  const marina = await person(browser, { name: 'Marina (cliente)' });
  const ruiW = await person(browser, { name: 'Rui (admin)' });
  const anaW = await person(browser, { name: 'Ana (agente)' });
  const fileText = 'Comprovante de pagamento da Marina, pedido 5521\n';
  // The file is named for the UTC day (the gateway's clock; docs/API.md).
  const day = new Date().toISOString().slice(0, 10);

  await step('Marina opens a ticket with a file and goes to "Meus dados"', async () => {
    await signInWithPassword(marina, customer.email, customer.password);
    await openTicket(marina, {
      subject: 'Cobrança em dobro no cartão',
      body: 'Fui cobrada duas vezes pelo pedido 5521. Segue o comprovante.',
      files: [{ name: 'comprovante-5521.txt', mimeType: 'text/plain', buffer: Buffer.from(fileText) }],
    });
    const { page } = marina;
    await page.getByTestId('nav-my-data').click();
    await page.waitForURL((u) => u.pathname === '/meus-dados');
    await seeText(page.locator('h1'), 'Meus dados');
    await seeText(page.getByTestId('mydata-account'), customer.email);
    const holds = await page.getByTestId('mydata-holds').innerText();
    check(/chamados/.test(holds) && /anexos|arquivos/.test(holds) && /WhatsApp/.test(holds),
      'the page says in plain words what the download holds', holds);
    await shot(page, 'portal-meus-dados');
    await noSeriousAxe(page, 'the portal\'s "Meus dados"');
  });

  await step('"Baixar meus dados": a ZIP file with her manifest, her file and her account', async () => {
    const { page } = marina;
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20000 }),
      page.getByTestId('mydata-download').click(),
    ]);
    check(download.suggestedFilename() === `balcao-dados-${day}.zip`, 'the file is named for the day',
      download.suggestedFilename());
    const files = unzip(readFileSync(await download.path()));
    const manifest = JSON.parse(files['manifest.json'].toString('utf8'));
    const parts = manifest.parts.map((p) => p.file);
    check(manifest.person === `customer:${customer.email}` && parts.includes('router.json')
      && parts.includes('gateway.json') && parts.some((f) => f.startsWith('files/') && f.endsWith('comprovante-5521.txt')),
    'manifest.json names her and lists her records, her file and her portal account', manifest);
    const file = Object.keys(files).find((f) => f.endsWith('comprovante-5521.txt'));
    check(files[file].toString('utf8') === fileText, 'her file, as she sent it');
    check(JSON.parse(files['gateway.json'].toString('utf8')).portal_account.address === customer.email,
      'gateway.json holds her portal account');
    await seeText(page.getByTestId('notice'), 'download');
    await shot(page, 'portal-download-started');
  });

  await step('the page in English', async () => {
    const { page } = marina;
    await page.getByTestId('lang-switch').click();
    await seeText(page.locator('h1'), 'My data');
    await seeText(page.getByTestId('mydata-download'), 'Download my data');
    await seeText(page.getByTestId('nav-my-data'), 'My data');
    await shot(page, 'portal-my-data-en');
    await page.getByTestId('lang-switch').click();
    await seeText(page.locator('h1'), 'Meus dados');
  });

  await step('Ana (agent) has no LGPD page', async () => {
    await deskSignIn(anaW, ana);
    check(await anaW.page.getByTestId('desk-nav-lgpd').count() === 0, 'no "LGPD" in an agent\'s menu');
    const r = await api(anaW, 'GET', '/desk/lgpd/audit');
    check(r.status === 403, 'the audit is refused to an agent (403)', r);
  });

  await step('Rui (admin) opens LGPD: the audit lists Marina\'s export from the portal', async () => {
    await deskSignIn(ruiW, rui);
    const { page } = ruiW;
    await page.getByTestId('desk-nav-lgpd').click();
    await page.waitForURL((u) => u.pathname === '/painel/lgpd');
    await page.getByTestId('lgpd-audit').waitFor({ state: 'visible' });
    const rows = await auditRows(page);
    check(rows.length === 1 && rows[0].kind === 'export' && /Exportação/.test(rows[0].text)
      && /pelo portal/.test(rows[0].text) && rows[0].text.includes(`customer:${customer.email}`)
      && /pedido do titular pelo portal/.test(rows[0].text),
    'one row: the export, from the portal, by Marina, with its reason', rows);
    await shot(page, 'desk-lgpd');
    await noSeriousAxe(page, 'the dashboard\'s LGPD page');
  });

  await step('the erase form refuses without the confirmation, and with another address', async () => {
    const { page } = ruiW;
    await page.getByTestId('lgpd-erase-person').fill(customer.email);
    await page.getByTestId('lgpd-erase-reason').fill('pedido do titular por e-mail, protocolo 2026-55');
    await page.getByTestId('lgpd-erase-submit').click();
    await seeText(page.getByTestId('lgpd-erase-error'), 'digite de novo');
    await page.getByTestId('lgpd-erase-confirm').fill('marina@loja-costa.com');
    await page.getByTestId('lgpd-erase-submit').click();
    await seeText(page.getByTestId('lgpd-erase-error'), 'digite de novo');
    await shot(page, 'desk-lgpd-erase-refused');
    await noSeriousAxe(page, 'the LGPD page with the refusal');
    const r = await api(ruiW, 'GET', '/desk/lgpd/audit');
    check(r.status === 200 && !r.body.erasures.some((e) => e.kind === 'erase'), 'nothing was anonymised', r.body);
    const tickets = await api(marina, 'GET', '/tickets');
    check(tickets.status === 200 && tickets.body.tickets.length === 1, 'Marina still has her ticket', tickets);
  });

  await step('Rui\'s export form downloads her data; the audit shows it', async () => {
    const { page } = ruiW;
    await page.getByTestId('lgpd-export-person').fill(customer.email);
    await page.getByTestId('lgpd-export-reason').fill('pedido de acesso por e-mail, protocolo 2026-56');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20000 }),
      page.getByTestId('lgpd-export-submit').click(),
    ]);
    const manifest = JSON.parse(unzip(readFileSync(await download.path()))['manifest.json'].toString('utf8'));
    check(manifest.person === `customer:${customer.email}` && manifest.asked_by === rui.id
      && manifest.reason === 'pedido de acesso por e-mail, protocolo 2026-56', 'the admin\'s export, with his reason', manifest);
    await until(async () => (await auditRows(page)).length === 2, 'the audit shows the second export');
    const rows = await auditRows(page);
    check(rows[0].text.includes(rui.id) && rows[0].text.includes('protocolo 2026-56'), 'newest first: Rui\'s export', rows);
    await shot(page, 'desk-lgpd-after-export');
  });
});
