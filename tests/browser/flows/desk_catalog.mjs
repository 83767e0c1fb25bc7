// The catalog page (/painel/catalogo, "Categorias e mensagens padrão"):
// the admin adds the category "Nota fiscal" (alta, N2, in English
// "Invoices") and a macro in pt-BR and English, watching its preview; a
// refused save shows the router's sentence; removing `reset-senha` (the
// procedure of "Acesso e senha") shows the conflict; in English the page
// and the queue's filter say "Invoices". Ana (an agent) sees the page
// read-only, then applies the new macro on a customer's ticket: the text
// she sees has the ticket's values. axe-core runs on the page (admin, with
// the editors open; agent) and finds nothing serious or critical.
import {
  axe, check, deskSignIn, env, log, member, openTicket, person, queueRow, runFlow, seeText, shot,
  signInWithPassword, step, until,
} from '../lib.mjs';

const NF_TEXT = 'Olá, {{cliente.nome}}!\n\nA segunda via da nota do chamado #{{chamado.numero}} já está no portal, '
  + 'em Financeiro > Notas.\n\nAtenciosamente,\n{{agente.nome}}';
const NF_TEXT_EN = 'Hello, {{cliente.nome}}!\n\nThe copy of the invoice for ticket #{{chamado.numero}} is in the portal, '
  + 'under Billing > Invoices.\n\nKind regards,\n{{agente.nome}}';

runFlow('painel: categorias e mensagens padrão', async (browser) => {
  const root = await person(browser, { name: 'admin' });
  const ana = await person(browser, { name: 'Ana (N1)' });
  const customer = await person(browser, { name: 'cliente' });
  const bad = [];

  async function audit(who, name) {
    await who.page.evaluate(() => document.fonts.ready);
    const violations = await axe(who.page);
    for (const v of violations) {
      log(`axe ${name}: [${v.impact}] ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
      if (v.impact === 'serious' || v.impact === 'critical') bad.push(`${name}: ${v.id} (${v.impact})`);
    }
    log(`axe ${name}: ${violations.length} violation(s)`);
  }

  const { page } = root;
  const category = (id) => page.locator(`[data-testid="catalog-category"][data-id="${id}"]`);
  const macro = (id) => page.locator(`[data-testid="catalog-macro"][data-id="${id}"]`);

  await step('the admin opens "Categorias e mensagens padrão" from the navigation', async () => {
    await deskSignIn(root, member('root'));
    await page.getByTestId('desk-nav-catalog').click();
    await page.waitForURL((u) => u.pathname === '/painel/catalogo');
    await seeText(page.locator('h1'), 'Categorias e mensagens padrão');
    await seeText(category('acesso'), 'Acesso e senha');
    await seeText(category('acesso'), 'Login and password');
    check(!(await page.getByTestId('catalog-readonly').isVisible()), 'the admin is not told the page is read-only');
    await shot(page, 'admin-catalog');
  });

  await step('she adds the category "Nota fiscal" (alta, N2, "Invoices")', async () => {
    await page.getByTestId('catalog-category-new').click();
    await page.getByTestId('catalog-category-name').fill('Nota fiscal');
    const id = await page.getByTestId('catalog-category-id').inputValue();
    check(id === 'nota-fiscal', 'the id is suggested from the name', id);
    await page.getByTestId('catalog-category-name-en-input').fill('Invoices');
    await page.getByTestId('catalog-category-priority').selectOption('alta');
    await page.getByTestId('catalog-category-tier').selectOption('N2');
    await audit(root, 'catalog-category-form');
    await shot(page, 'admin-category-form');
    await page.getByTestId('catalog-category-save').click();
    await seeText(page.getByTestId('catalog-category-status'), 'Categoria “Nota fiscal” adicionada.');
    const row = await seeText(category('nota-fiscal'), 'Invoices');
    check(row.includes('Nota fiscal') && row.includes('Alta') && row.includes('N2'), 'the new row: name, English name, Alta, N2', row);
  });

  await step('she creates a macro in pt-BR and English, with its preview', async () => {
    await page.getByTestId('catalog-macro-new').click();
    await page.getByTestId('catalog-macro-name').fill('Segunda via da nota');
    const id = await page.getByTestId('catalog-macro-id').inputValue();
    check(id === 'segunda-via-da-nota', 'the id is suggested from the name', id);
    await page.getByTestId('catalog-macro-text').fill(NF_TEXT);
    await page.getByTestId('catalog-macro-name-en').fill('Invoice copy');
    await seeText(page.getByTestId('catalog-macro-preview-en'), 'Sem texto em inglês');
    await page.getByTestId('catalog-macro-text-en').fill(NF_TEXT_EN);
    await page.getByTestId('catalog-macro-category').selectOption('nota-fiscal');
    const pt = await seeText(page.getByTestId('catalog-macro-preview-pt'), 'Olá, Maria Oliveira!');
    check(pt.includes('chamado #1234') && pt.endsWith('Carlos Lima') && !pt.includes('{{'), 'the pt-BR preview has example values', pt);
    const en = await seeText(page.getByTestId('catalog-macro-preview-en'), 'Hello, Mary Johnson!');
    check(en.includes('ticket #1234') && en.endsWith('Carl Lee'), 'the English preview has example values', en);
    await seeText(page.getByTestId('catalog-placeholders'), '{{chamado.assunto}}');
    await audit(root, 'catalog-macro-editor');
    await shot(page, 'admin-macro-editor');
    await page.getByTestId('catalog-macro-save').click();
    await seeText(page.getByTestId('catalog-macro-status'), 'Mensagem padrão “Segunda via da nota” salva.');
    const item = await seeText(macro('segunda-via-da-nota'), 'Segunda via da nota');
    check(item.includes('Nota fiscal') && !item.includes('só em português'), 'listed with its category, not as Portuguese only', item);
  });

  await step('a refused value: the router\'s sentence beside the form', async () => {
    await page.getByTestId('catalog-macro-name').fill('');
    await page.getByTestId('catalog-macro-save').click();
    const err = await seeText(page.getByTestId('catalog-macro-error'), 'nome vai de 1 a 80 caracteres');
    check(err === 'O nome vai de 1 a 80 caracteres.', 'the router\'s sentence, in Portuguese', err);
    await shot(page, 'admin-macro-refused');
    await page.getByTestId('catalog-macro-close').click();
    await page.reload();
    await seeText(macro('segunda-via-da-nota'), 'Segunda via da nota');
    await seeText(category('nota-fiscal'), 'Invoices');
  });

  await step('removing "reset-senha", the procedure of "Acesso e senha", is refused', async () => {
    await macro('reset-senha').getByRole('button').click();
    await page.getByTestId('catalog-macro-remove').click();
    const dialog = page.getByTestId('catalog-remove-dialog');
    await seeText(dialog, 'Remover esta mensagem padrão?');
    await audit(root, 'catalog-remove-dialog');
    await shot(page, 'admin-remove-dialog');
    await dialog.getByTestId('catalog-remove-confirm').click();
    const err = await seeText(page.getByTestId('catalog-macro-error'), 'procedimento da categoria');
    check(err.includes('Acesso e senha'), 'the conflict names the category', err);
    check(!(await dialog.isVisible()), 'the dialog closed');
    await seeText(macro('reset-senha'), /\S/);
    await shot(page, 'admin-remove-conflict');
  });

  await step('in English: the page, the macro and the queue\'s filter say "Invoices"', async () => {
    await page.getByTestId('lang-switch').click();
    await seeText(page.locator('h1'), 'Categories and macros');
    const item = await seeText(macro('segunda-via-da-nota'), 'Invoice copy');
    check(item.includes('Invoices'), 'the macro\'s category in English', item);
    await seeText(page.getByTestId('catalog-macro-error'), 'is the procedure of category');
    await macro('segunda-via-da-nota').getByRole('button').click();
    await seeText(page.locator('#macro-form-title'), 'Edit “Invoice copy”');
    await shot(page, 'admin-catalog-en');
    await audit(root, 'catalog-en');
    await page.getByTestId('desk-nav-queues').click();
    await page.waitForURL((u) => u.pathname === '/painel');
    const options = await until(async () => {
      const texts = await page.locator('[data-testid="filter-category"] option').allInnerTexts();
      return texts.length > 1 ? texts : null;
    }, 'the queue\'s category filter');
    check(options.includes('Invoices') && options.includes('Login and password'), 'the queue\'s category filter in English', options);
  });

  let number;
  await step('a customer\'s ticket', async () => {
    await signInWithPassword(customer, env.seed.customer.email, env.seed.customer.password);
    number = await openTicket(customer, { subject: 'Segunda via da nota de novembro', body: 'Preciso da segunda via da nota de novembro.' });
  });

  await step('Ana (agent) sees the page read-only', async () => {
    const p = ana.page;
    await deskSignIn(ana, member('ana'));
    await p.getByTestId('desk-nav-catalog').click();
    await seeText(p.locator('h1'), 'Categorias e mensagens padrão');
    await seeText(p.getByTestId('catalog-readonly'), 'só administradores podem alterá-las');
    await seeText(p.locator('[data-testid="catalog-category"][data-id="nota-fiscal"]'), 'Nota fiscal');
    await p.locator('[data-testid="catalog-macro"][data-id="segunda-via-da-nota"]').getByRole('button').click();
    await seeText(p.getByTestId('catalog-macro-preview-pt'), 'Olá, Maria Oliveira!');
    for (const id of ['catalog-category-edit', 'catalog-category-new', 'catalog-macro-new', 'catalog-macro-save', 'catalog-macro-remove']) {
      check(await p.getByTestId(id).count() === 0, `no ${id} for an agent`);
    }
    check(await p.getByTestId('catalog-macro-text').isDisabled(), 'the macro\'s text cannot be edited');
    await shot(p, 'agent-catalog-readonly');
    await audit(ana, 'catalog-agent');
  });

  await step('Ana applies the new macro on the ticket: the preview has the ticket\'s values', async () => {
    const p = ana.page;
    await p.getByTestId('desk-nav-queues').click();
    await seeText(queueRow(ana, number), 'Segunda via da nota de novembro');
    await queueRow(ana, number).getByRole('link').click();
    await p.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await p.getByTestId('action-take').click();
    await seeText(p.getByTestId('desk-ticket-assignee'), 'Ana Souza');
    const label = await p.locator('[data-testid="macro-select"] option[value="segunda-via-da-nota"]').innerText();
    check(label === 'Segunda via da nota', 'the macro picker shows the Portuguese name', label);
    await p.getByTestId('macro-select').selectOption('segunda-via-da-nota');
    await p.getByTestId('macro-preview').click();
    const text = await until(async () => {
      const v = await p.getByTestId('compose-body').inputValue();
      return v.trim() ? v : null;
    }, 'the macro\'s text in the reply box');
    const expected = NF_TEXT.replace('{{cliente.nome}}', env.seed.customer.name).replace('{{chamado.numero}}', String(number))
      .replace('{{agente.nome}}', member('ana').name);
    check(text.trim() === expected, 'the reply box holds the macro with the customer\'s name, the ticket\'s number and Ana\'s name', text);
    await shot(p, 'agent-macro-preview');
    await p.getByTestId('lang-switch').click();
    await seeText(p.getByTestId('desk-ticket-subject'), `Ticket #${number}`);
    const en = await p.locator('[data-testid="macro-select"] option[value="segunda-via-da-nota"]').innerText();
    check(en === 'Invoice copy', 'in English the macro picker shows the English name', en);
  });

  check(bad.length === 0, 'no serious or critical axe violation on the catalog page', bad);
  for (const who of [root, ana, customer]) {
    check(who.errors.length === 0 && who.dialogs.length === 0, `no script error or browser dialog for ${who.name}`, [...who.errors, ...who.dialogs]);
  }
});
