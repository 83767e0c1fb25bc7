// axe-core on each main page in pt-BR (issue 13, flow f): home, search
// (also one corrected from a typo, which must say so), article, sign in, sign up, my tickets, new ticket, ticket. Every
// violation found is printed; none may be serious or critical.
import {
  axe, check, log, openTicket, person, runFlow, shot, signInByLink, step, uniqueAddress,
} from '../lib.mjs';

runFlow('acessibilidade (axe-core) nas páginas principais', async (browser) => {
  const who = await person(browser, { name: 'acessibilidade' });
  const { page } = who;
  const bad = [];

  async function audit(name, url, ready) {
    await step(`axe: ${name} (${url})`, async () => {
      if (url) await page.goto(url);
      await page.getByTestId(ready).first().waitFor({ state: 'visible' });
      // (Not 'networkidle': a signed-in page keeps its live stream open.)
      await page.evaluate(() => document.fonts.ready);
      await page.waitForTimeout(300);
      await shot(page, name);
      const violations = await axe(page);
      for (const v of violations) {
        log(`axe ${name}: [${v.impact}] ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
        if (v.impact === 'serious' || v.impact === 'critical') bad.push(`${name}: ${v.id} (${v.impact})`);
      }
      log(`axe ${name}: ${violations.length} violation(s)`);
    });
  }

  await audit('home', '/', 'kb-search');
  await audit('search', '/ajuda?q=senha', 'kb-hit');
  // A typo: the corrected query's results, and the page says so (issue 15).
  await audit('search-corrected', '/ajuda?q=' + encodeURIComponent('redefnir senha'), 'showing-results-for');
  await step('the corrected search names its query and offers the typed one', async () => {
    const note = (await page.getByTestId('showing-results-for').innerText()).replace(/\s+/g, ' ');
    check(note.includes('Mostrando resultados para redefinir senha') && note.includes('Pesquisar apenas “redefnir senha”'),
      'the page says which query it shows, and offers the one typed', note);
    const first = await page.getByTestId('kb-hit').first().innerText();
    check(first.includes('senha'), 'and the first result is about the password', first);
  });
  await audit('article', '/ajuda/redefinir-senha', 'article-title');
  await audit('signin', '/entrar', 'login-email');
  await audit('signup', '/cadastro', 'signup-email');
  await step('sign in by link', () => signInByLink(who, uniqueAddress('acessibilidade')));
  await audit('new-ticket', '/chamados/novo', 'ticket-subject');
  let number;
  await step('open a ticket', async () => {
    number = await openTicket(who, { subject: 'Não consigo exportar o relatório', body: 'O botão de exportar não responde.' });
  });
  await audit('ticket', null, 'ticket-status');
  await audit('my-tickets', '/chamados', 'ticket-row');
  check(number > 0 && bad.length === 0, 'no serious or critical violation on any page', bad);
});
