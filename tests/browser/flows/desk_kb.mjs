// The dashboard's knowledge pages, as an agent (Ana, N1) and a customer
// (Marina, on the portal) see them; the starter knowledge base imported and
// published (run_flow.py's seed_kb: nine articles, one of them internal):
//   articles: /painel/artigos lists every seeded article, published, the
//     internal one marked so;
//   editor: Ana edits a published public article with Markdown; the preview
//     renders it (bold, a list); saving keeps it as a pending draft
//     ("alterações não publicadas"), and the customer's portal page still
//     shows the old text; "Publicar alterações" makes a new version, and the
//     customer's page, reloaded, shows the new words, rendered;
//   gaps: a portal search that finds nothing is listed on /painel/lacunas;
//   knowledge at hand: on a customer's ticket about her password, the
//     "Conhecimento" panel lists "Como redefinir a sua senha"; "Inserir
//     link" puts its title and portal address into the reply, and that
//     address opens the article on the portal.
// axe-core on the list, the editor (preview and draft notice shown), the
// gaps page and the ticket with the panel: none serious or critical.
import {
  api, axe, check, deskSignIn, env, log, member, openTicket, person, queueRow, runFlow, seeText, shot, signInWithPassword,
  step, today, until,
} from '../lib.mjs';

const ARTICLE = 'exportar-relatorio';
const ARTICLE_TITLE = 'Exportar um relatório para Excel ou PDF';
const OLD_WORDS = 'Abra Relatórios no menu e escolha o relatório';
const NEW_WORDS = 'chegam por e-mail toda segunda-feira';
const ADDED = [
  '',
  '## Relatórios agendados',
  '',
  'Os relatórios **agendados** chegam por e-mail toda segunda-feira às 7h:',
  '',
  '- em Excel, para conferir na planilha;',
  '- em PDF, para arquivar.',
  '',
].join('\n');
const GAP_QUERY = 'impressora térmica zebra não imprime etiqueta';
const GAP_FOLDED = 'impressora termica zebra nao imprime etiqueta';
const TICKET = {
  subject: 'Não recebo o e-mail para redefinir a senha',
  body: 'Cliquei em "Esqueci minha senha" duas vezes, mas o e-mail de redefinição de senha não chegou, nem no spam.',
};

async function noSeriousAxe(page, what) {
  await page.evaluate(() => document.fonts.ready);
  const violations = await axe(page);
  for (const v of violations) log(`axe (${what}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core: nothing serious or critical on ${what}`, bad);
}

// The version the editor says the article is at ("Publicado Versão N").
async function editorVersion(page) {
  const text = await seeText(page.getByTestId('kb-editor-status'), /Versão \d+/);
  return Number(/Versão (\d+)/.exec(text)[1]);
}

runFlow('painel: artigos, rascunho publicado, lacunas e conhecimento no chamado', async (browser) => {
  const ana = member('ana');
  const anaW = await person(browser, { name: 'Ana (N1)' });
  const customer = await person(browser, { name: 'cliente' });
  let version;

  await step('Ana opens the articles page: the seeded articles, published', async () => {
    const { page } = anaW;
    await deskSignIn(anaW, ana);
    await page.getByTestId('desk-nav-articles').click();
    await page.waitForURL((u) => u.pathname === '/painel/artigos');
    const rows = page.getByTestId('kb-list-row');
    await seeText(rows.filter({ hasText: ARTICLE_TITLE }), ARTICLE_TITLE);
    await seeText(page.locator('p.muted.small', { hasText: 'artigos' }), '9 artigos');
    check(await rows.count() === 9, 'the list shows the nine seeded articles', await rows.count());
    const statuses = (await rows.locator('td:nth-child(2)').allInnerTexts()).map((s) => s.trim());
    check(statuses.every((s) => s === 'Publicado'), 'every one "Publicado", none with pending changes', statuses);
    await seeText(page.locator('[data-testid="kb-list-row"][data-id="desbloqueio-manual-interno"] td').nth(2), 'Interno');
    await seeText(page.locator(`[data-testid="kb-list-row"][data-id="${ARTICLE}"] td`).nth(2), 'Público');
    await shot(page, 'articles');
    await noSeriousAxe(page, 'the articles page');
  });

  await step('Ana edits the published article: the preview renders the Markdown; saving keeps a pending draft', async () => {
    const { page } = anaW;
    await page.locator(`[data-testid="kb-list-row"][data-id="${ARTICLE}"]`).getByRole('link', { name: ARTICLE_TITLE }).click();
    await page.waitForURL((u) => u.pathname === `/painel/artigos/${ARTICLE}`);
    const title = page.getByTestId('kb-editor-title');
    await until(async () => (await title.inputValue()) === ARTICLE_TITLE, 'the editor to hold the article\'s title');
    version = await editorVersion(page);
    await seeText(page.getByTestId('kb-editor-status'), 'Publicado');
    check(!(await page.getByTestId('kb-draft-notice').isVisible()), 'no pending draft yet');
    const body = page.getByTestId('kb-editor-body');
    const old = await body.inputValue();
    check(old.includes('Abra **Relatórios** no menu') && !old.includes(NEW_WORDS), 'the editor holds the article\'s Markdown', old.slice(0, 80));
    await body.fill(`${old.trimEnd()}\n${ADDED}`);
    await page.getByTestId('kb-preview').click();
    const preview = page.getByTestId('kb-preview-html');
    await seeText(preview, NEW_WORDS);
    await seeText(preview.locator('strong', { hasText: 'agendados' }), 'agendados');
    await seeText(preview.locator('li', { hasText: 'para arquivar' }), 'em PDF, para arquivar.');
    await seeText(preview.locator('h2', { hasText: 'Relatórios agendados' }), 'Relatórios agendados');
    check(!(await preview.innerText()).includes('**'), 'the preview shows no Markdown marks');
    await shot(page, 'editor-preview');

    await page.getByTestId('kb-save').click();
    await seeText(page.getByTestId('notice'), 'Rascunho salvo. Os clientes continuam vendo a versão publicada.');
    await seeText(page.getByTestId('kb-draft-notice'),
      `Este artigo publicado tem alterações não publicadas. Rascunho salvo por ${ana.email} em `);
    check(await editorVersion(page) === version, `the published version stays ${version}`);
    check((await body.inputValue()).includes(NEW_WORDS), 'the editor shows the draft\'s text after saving');
    await seeText(preview, NEW_WORDS);
    await shot(page, 'editor-draft-saved');
    await noSeriousAxe(page, 'the editor with the preview and the draft notice');
  });

  await step('the customer still sees the published text on the portal', async () => {
    const { page } = customer;
    await signInWithPassword(customer, env.seed.customer.email, env.seed.customer.password);
    await page.goto(`/ajuda/${ARTICLE}`);
    await seeText(page.getByTestId('article-title'), ARTICLE_TITLE);
    const text = await seeText(page.getByTestId('article-body'), OLD_WORDS);
    check(!text.includes(NEW_WORDS) && !text.includes('agendados'), 'the portal does not show the draft\'s words', text);
    await shot(page, 'portal-article-before');
  });

  await step('Ana publishes the draft: a new version; the customer reloads and sees it', async () => {
    const { page } = anaW;
    await page.getByTestId('kb-publish-draft').click();
    await seeText(page.getByTestId('notice'), 'Alterações publicadas.');
    await until(async () => !(await page.getByTestId('kb-draft-notice').isVisible()), 'the draft notice to go');
    check(await editorVersion(page) === version + 1, `the article is at version ${version + 1}`, await page.getByTestId('kb-editor-status').innerText());
    await seeText(page.locator(`[data-testid="kb-version"][data-version="${version + 1}"]`), 'publicação');
    const byline = await page.locator(`[data-testid="kb-version"][data-version="${version + 1}"]`).innerText();
    check(byline.includes(ana.email) && !byline.includes('agent:'),
      'the version says who published it by address, not as a bus principal', byline);
    check(!(await page.getByTestId('kb-discard-draft').isVisible()), 'nothing left to discard');
    await seeText(page.locator(`[data-testid="kb-version"][data-version="${version}"]`).getByTestId('kb-revert'), 'Restaurar esta versão');
    await shot(page, 'editor-published');
    await noSeriousAxe(page, 'the editor with two versions (a restore button)');

    const c = customer.page;
    await c.reload();
    await seeText(c.getByTestId('article-title'), ARTICLE_TITLE);
    const body = c.getByTestId('article-body');
    await seeText(body, NEW_WORDS);
    await seeText(body, OLD_WORDS);
    await seeText(body.locator('strong', { hasText: 'agendados' }), 'agendados');
    await seeText(body.locator('li', { hasText: 'para arquivar' }), 'em PDF, para arquivar.');
    await shot(c, 'portal-article-after');
  });

  await step('gaps: a portal search that finds nothing shows on /painel/lacunas', async () => {
    const c = customer.page;
    await c.goto('/ajuda');
    await c.getByTestId('kb-search').fill(GAP_QUERY);
    await c.getByTestId('kb-search').press('Enter');
    await seeText(c.locator('h1'), `Resultados para “${GAP_QUERY}”`);
    await seeText(c.locator('.results'), 'Não encontramos nada para essa busca');
    check(await c.getByTestId('kb-hit').count() === 0, 'the search found no article');
    await shot(c, 'portal-search-nothing');

    const { page } = anaW;
    await page.getByTestId('desk-nav-gaps').click();
    await page.waitForURL((u) => u.pathname === '/painel/lacunas');
    // The period ends today as the support team's calendar says (kb counts
    // gaps per day in the business time zone), whatever the UTC date.
    const zone = (await api(anaW, 'GET', '/session')).body.time_zone || 'America/Sao_Paulo';
    check(await page.getByTestId('gaps-to').inputValue() === today(zone), `"Até" is today in ${zone}`,
      await page.getByTestId('gaps-to').inputValue());
    const row = page.getByTestId('gaps-row').filter({ hasText: GAP_FOLDED });
    await seeText(row.locator('td').first(), GAP_FOLDED);
    await seeText(row.locator('td').nth(1), /^1$/);
    const create = new URL(await row.getByTestId('gaps-create').getAttribute('href'), env.base);
    check(create.pathname === '/painel/artigos/novo' && create.searchParams.get('title') === GAP_FOLDED,
      '"Criar artigo" opens a new article titled with the search', create.href);
    await shot(page, 'gaps');
    await noSeriousAxe(page, 'the gaps page');
  });

  await step('knowledge at hand: the panel on a password ticket inserts the article\'s link into the reply', async () => {
    const number = await openTicket(customer, TICKET);
    const { page } = anaW;
    await page.getByTestId('desk-nav-queues').click();
    await page.waitForURL((u) => u.pathname === '/painel');
    await seeText(queueRow(anaW, number), TICKET.subject, 15000);
    await queueRow(anaW, number).getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/painel/chamados/${number}$`));
    await seeText(page.getByTestId('desk-ticket-subject'), TICKET.subject);
    const panel = page.getByTestId('kb-panel');
    await seeText(panel.locator('h2'), 'Conhecimento');
    const item = panel.locator('[data-testid="kb-similar-article"][data-id="redefinir-senha"]');
    await seeText(item, 'Como redefinir a sua senha', 15000);
    await seeText(item, 'Público');
    const compose = page.getByTestId('compose-body');
    check((await compose.inputValue()) === '', 'the reply box starts empty');
    await item.getByTestId('kb-insert-link').click();
    const reply = await until(async () => (await compose.inputValue()) || null, 'the reply box to hold the article\'s link');
    const link = `${new URL(env.base).origin}/ajuda/redefinir-senha`;
    check(reply === `Como redefinir a sua senha: ${link}`, 'the reply holds the article\'s title and its portal address', reply);
    await shot(page, 'ticket-knowledge-link');
    await noSeriousAxe(page, 'the ticket with the knowledge panel');

    // The address in the reply is the article's page on the portal.
    await customer.page.goto(link);
    await seeText(customer.page.getByTestId('article-title'), 'Como redefinir a sua senha');
    await seeText(customer.page.getByTestId('article-body'), 'Esqueci minha senha');
  });

  for (const w of [anaW, customer]) {
    check(w.errors.length === 0, `${w.name}: no script error`, w.errors);
    check(w.dialogs.length === 0, `${w.name}: no dialog`, w.dialogs);
  }
});
