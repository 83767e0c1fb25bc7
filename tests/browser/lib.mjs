// Shared helpers of the portal's browser flows (run by run_flow.py, which
// starts the real system and passes its addresses in the environment).
// Debian's Chromium only: playwright-core never downloads a browser.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this flow through tests/browser/run_flow.py`);
  return value;
}

export const env = {
  get base() { return need('BASE_URL'); },
  get shots() { return need('SCREENSHOTS'); },
  get seed() { return JSON.parse(process.env.SEED || '{}'); },
  get staffToken() { return need('STAFF_TOKEN'); },
};

const T0 = Date.now();
export function log(text) {
  console.log(`[${((Date.now() - T0) / 1000).toFixed(2).padStart(7)}s] ${text}`);
}

export function check(condition, what, detail) {
  if (!condition) {
    const extra = detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`;
    throw new Error(`${what}${extra}`);
  }
  log(`ok: ${what}`);
}

// A step of a flow, logged; a failure names the step.
export async function step(name, fn) {
  log(`-- ${name}`);
  try {
    return await fn();
  } catch (e) {
    e.message = `${name}: ${e.message}`;
    throw e;
  }
}

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
}

// A browser context for one person: its own cookies, language and watchers.
// Every page of it records dialogs, uncaught errors and CSP violations.
export async function person(browser, { locale = 'pt-BR', name = 'cliente' } = {}) {
  const context = await browser.newContext({
    baseURL: env.base,
    locale,
    extraHTTPHeaders: { 'Accept-Language': locale === 'en' || locale.startsWith('en-') ? 'en-US,en;q=0.9' : 'pt-BR,pt;q=0.9' },
    viewport: { width: 1280, height: 860 },
    timezoneId: 'America/Sao_Paulo',
  });
  context.setDefaultTimeout(10000);
  const who = { context, name, dialogs: [], errors: [], streams: 0 };
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  context.on('page', (page) => watch(who, page));
  who.page = await context.newPage();
  return who;
}

function watch(who, page) {
  page.on('dialog', async (dialog) => {
    who.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    log(`${who.name}: a dialog fired: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => {
    who.errors.push(String(err));
    log(`${who.name}: page error: ${err}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) log(`${who.name}: console: ${msg.text()}`);
  });
  // The live stream (GET /api/v1/events): open from its answer's headers
  // until its request ends.
  const open = new Set();
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/api/v1/events' && res.status() === 200) {
      open.add(res.request());
      who.streams += 1;
    }
  });
  const ended = (req) => { if (open.delete(req)) who.streams -= 1; };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  page.on('response', (res) => {
    if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) log(`${who.name}: ${res.request().method()} ${new URL(res.url()).pathname} -> ${res.status()}`);
  });
}

let shotNumber = 0;
// A full-page screenshot under <build>/screenshots/<flow>/.
export async function shot(page, name) {
  mkdirSync(env.shots, { recursive: true });
  shotNumber += 1;
  const file = path.join(env.shots, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
  return file;
}

// Waits until `locator` (its first match) is visible and its text matches
// `expected` (a RegExp or a substring); returns the text.
export async function seeText(locator, expected, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      const first = locator.first();
      if (await first.isVisible()) {
        last = (await first.innerText()).trim();
        const ok = expected instanceof RegExp ? expected.test(last) : last.includes(expected);
        if (ok) return last;
      }
    } catch (e) {
      last = String(e.message || e);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${locator} to show ${expected} (it shows: ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Waits until `predicate()` is truthy; returns its value.
export async function until(predicate, what, timeout = 15000, poll = 200) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await predicate();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, poll));
  }
}

// Waits until `who`'s page holds the live stream open: what an agent does
// before it would otherwise not be pushed (a stream opened later starts
// after it), and no person would be that quick.
export async function liveStream(who) {
  await until(() => who.streams > 0, `${who.name}'s live stream (GET /api/v1/events) to be open`, 10000, 50);
}

// ---- the agent's side: the CLI and the mail gate --------------------------

// Runs build/balcao as the agent; returns its output, throws when it fails.
export function agent(...args) {
  try {
    return execFileSync(need('BALCAO_CLI'), ['-c', need('BALCAO_CONFIG'), ...args], {
      env: { ...process.env, BALCAO_PRINCIPAL: need('AGENT_PRINCIPAL'), BALCAO_LANG: 'pt-BR' },
      encoding: 'utf8',
      timeout: 30000,
    });
  } catch (e) {
    throw new Error(`balcao ${args.join(' ')} failed: ${e.stdout || ''}${e.stderr || ''}${e.message}`);
  }
}

// A raw e-mail handed to the mail gate, as an MTA would.
export function mailIn(raw) {
  execFileSync(need('BALCAO_MAILGATE'), ['-c', need('BALCAO_CONFIG')], { input: raw, timeout: 30000 });
}

// ---- mail the portal sent ---------------------------------------------------

export function mails(address) {
  const out = execFileSync(need('PYTHON'), [need('MAIL_TOOL'), need('MAIL_DIR'), address], { encoding: 'utf8' });
  return JSON.parse(out);
}

const usedMail = new Set();
// The first link to `pathPrefix` (e.g. '/confirmar') in a mail to `address`
// not read before, waiting for its delivery; returns {url, mail}.
export async function mailedLink(address, pathPrefix, timeout = 20000) {
  const found = await until(() => {
    for (const m of mails(address)) {
      if (usedMail.has(m.file)) continue;
      const url = m.links.find((l) => new URL(l).pathname === pathPrefix);
      if (url) return { url, mail: m };
    }
    return null;
  }, `a mail to ${address} with a link to ${pathPrefix}`, timeout, 250);
  usedMail.add(found.mail.file);
  log(`mail to ${address}: "${found.mail.subject}" with ${new URL(found.url).pathname}#t=…`);
  const link = new URL(found.url);
  check(link.origin === new URL(env.base).origin, `the link in "${found.mail.subject}" points at the portal`, link.origin);
  check(/^#t=./.test(link.hash), 'the token travels in the fragment, never to a server', link.hash.slice(0, 3));
  return found;
}

// kb's deflection counters (of one article, or the totals), asked on the
// bus as an agent: {opened, deflected, sent_after_opening}.
export function kbDeflection(article = '') {
  const out = execFileSync(need('PYTHON'), [need('KB_DEFLECTION_TOOL'), need('KB_ENDPOINT'), article], { encoding: 'utf8' });
  return JSON.parse(out);
}

// ---- the API, with the page's own cookies ---------------------------------

// Calls /api/v1 with the cookies of `who`'s context (and its CSRF token for
// writes). Returns {status, body}.
export async function api(who, method, p, body) {
  const request = who.context.request;
  const headers = {};
  if (method !== 'GET') {
    const session = await (await request.get('/api/v1/session')).json();
    headers['X-CSRF-Token'] = session.csrf_token;
    headers['Content-Type'] = 'application/json';
    headers.Origin = env.base;
  }
  const res = await request.fetch(`/api/v1${p}`, { method, headers, data: body === undefined ? undefined : JSON.stringify(body) });
  let parsed = null;
  try { parsed = await res.json(); } catch { /* not JSON */ }
  return { status: res.status(), body: parsed };
}

// GET /api/v1<path> as staff (the Bearer token run_flow.py made).
export async function staffGet(p) {
  const res = await fetch(`${env.base}/api/v1${p}`, { headers: { Authorization: `Bearer ${env.staffToken}` } });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body };
}

// ---- the portal's own steps ---------------------------------------------------

let counter = 0;
export function uniqueAddress(name) {
  counter += 1;
  return `${name}.${process.pid}.${counter}@cliente.example`;
}

// Signs up through /cadastro, opens the confirmation link from the mail
// actually delivered and waits until the portal shows the person signed in.
export async function signUp(who, { name, email, password, sentText }) {
  const { page } = who;
  await page.goto('/cadastro');
  await page.getByTestId('signup-name').fill(name);
  await page.getByTestId('signup-email').fill(email);
  await page.getByTestId('signup-password').fill(password);
  await page.getByTestId('signup-submit').click();
  const sent = await seeText(page.getByTestId('signup-sent'), sentText);
  check(sent.includes(email), 'the page names the address the link went to', sent);
  await shot(page, 'signup-sent');
  const { url, mail } = await mailedLink(email, '/confirmar');
  await page.goto(url);
  await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
  check(!(await page.getByTestId('nav-signin').isVisible()), `${who.name} is signed in after the confirmation link`);
  return mail;
}

// Signs in by a link: /entrar, the e-mail alone, the link from the mail.
export async function signInByLink(who, email) {
  const { page } = who;
  await page.goto('/entrar');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-link-submit').click();
  await page.getByTestId('login-link-sent').waitFor({ state: 'visible' });
  const { url } = await mailedLink(email, '/entrar/link');
  await page.goto(url);
  await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
  log(`${who.name} signed in by a link as ${email}`);
}

// Opens a ticket through /chamados/novo; returns its number (from the page
// the portal goes to, /chamados/N).
export async function openTicket(who, { subject, body, files = [] }) {
  const { page } = who;
  await page.goto('/chamados/novo');
  await page.getByTestId('ticket-subject').fill(subject);
  await page.getByTestId('ticket-body').fill(body);
  if (files.length) await page.getByTestId('ticket-files').setInputFiles(files);
  await page.getByTestId('ticket-submit').click();
  await page.waitForURL(/\/chamados\/[0-9]+$/, { timeout: 15000 });
  const number = Number(new URL(page.url()).pathname.split('/').pop());
  check(number > 0, `ticket #${number} opened through the portal`);
  await page.getByTestId('ticket-status').waitFor({ state: 'visible' });
  return number;
}

// Runs axe-core on the page; returns its violations.
export async function axe(page) {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // The portal's CSP forbids inline scripts: evaluate the source instead.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
    };
  });
  // A run that checked nothing would find nothing: some rules must have passed.
  check(result.passes > 5, `axe checked the page (${result.passes} rules passed)`);
  return result.violations;
}

// What the page's JavaScript saw: the XSS marker and CSP violations.
export async function pageState(page) {
  return page.evaluate(() => ({ xss: typeof window.__xss, csp: window.__csp || [] }));
}

// Runs the flow as one node:test test; closes the browser whatever happens.
export function runFlow(name, fn) {
  test(name, { timeout: 160000 }, async () => {
    const browser = await launch();
    log(`Chromium ${browser.version()}`);
    try {
      await fn(browser);
    } catch (e) {
      log(`FAIL: ${e.stack || e}`);
      throw e;
    } finally {
      await browser.close();
    }
  });
}

// ---- the dashboard (/painel) ------------------------------------------------

// A staff member of the seeded team (SEED.team[key]).
export function member(key) {
  const m = env.seed.team && env.seed.team[key];
  if (!m) throw new Error(`no seeded staff member ${key} (run_flow.py's seed_team)`);
  return m;
}

// Signs `who` in at /painel/entrar as the seeded staff member `m`; waits
// for the queues (or for the code field when TOTP is on and no code given).
export async function deskSignIn(who, m, { code } = {}) {
  const { page } = who;
  await page.goto('/painel/entrar');
  await page.getByTestId('desk-login-email').fill(m.email);
  await page.getByTestId('desk-login-password').fill(m.password);
  await page.getByTestId('desk-login-submit').click();
  if (code !== undefined) {
    await page.getByTestId('desk-login-code').waitFor({ state: 'visible' });
    await page.getByTestId('desk-login-code').fill(typeof code === 'function' ? code() : code);
    await page.getByTestId('desk-login-submit').click();
  }
  await page.waitForURL((u) => u.pathname === '/painel', { timeout: 15000 });
  await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
  log(`${who.name} signed in to the dashboard as ${m.id}`);
}

// The customer signs in with her password at /entrar.
export async function signInWithPassword(who, email, password) {
  const { page } = who;
  await page.goto('/entrar');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav-signout').waitFor({ state: 'visible' });
  log(`${who.name} signed in to the portal as ${email}`);
}

// The queue row of ticket `number` on `who`'s queues page.
export function queueRow(who, number) {
  return who.page.locator(`[data-testid="queue-row"][data-number="${number}"]`);
}

// Today's date (YYYY-MM-DD) in a time zone.
export function today(timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
