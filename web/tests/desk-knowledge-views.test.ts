// @vitest-environment happy-dom
// The knowledge, settings and outbox pages mounted in the whole app on a
// mocked fetch (the gateway's JSON of docs/API.md).
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

type Answer = { status: number; json: unknown };
const fx = vi.hoisted(() => {
  const calls: { method: string; url: string; body: unknown }[] = [];
  const routes: Record<string, (body: unknown) => { status: number; json: unknown }> = {};
  const fetchMock = async (input: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url: input, body });
    const path = input.replace(/^\/api\/v1/, '').split('?')[0];
    const handler = routes[`${method} ${path}`];
    const answer = handler ? handler(body) : { status: 404, json: { error: 'not_found', message: 'Not found', message_pt: 'Não encontrado' } };
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  };
  (globalThis as { fetch: unknown }).fetch = fetchMock;
  return { calls, routes };
});

const NOW = Date.parse('2026-12-04T13:00:00Z');
const iso = (minutes: number) => new Date(NOW + minutes * 60000).toISOString();

const person = (role: string) => ({
  address: 'renato@example.com',
  name: 'Renato Alves',
  language: 'pt-BR',
  has_password: true,
  principal: `${role}:renato@example.com`,
  role,
  tier: role === 'agent' ? 'N1' : '',
  status: 'online',
  totp: false,
});
let role = 'agent';
const session = () => ({ signed_in: true, csrf_token: 'tok', language: 'pt-BR', time_zone: 'America/Sao_Paulo', person: person(role) });

const summary = (number: number, subject: string, over: Record<string, unknown> = {}) => ({
  number,
  subject,
  status: 'aberto',
  tier: 'N1',
  category: 'boleto',
  priority: 'alta',
  channel: 'email',
  customer: { name: 'Maria Souza', address: 'maria@example.com', organization: '' },
  assignee: '',
  assignee_name: '',
  created_at: iso(-120),
  updated_at: iso(-5),
  message_count: 1,
  problem: null,
  incident_count: 0,
  sla: { target: 'first_response', state: 'ok', warn_at: iso(60), due_at: iso(90) },
  ...over,
});
const ticket = () => ({
  ...summary(7, 'Boleto não chegou'),
  messages: [],
  timeline: [],
  resolution: null,
  fix_reference: null,
  resolved_by: null,
  merged_into: null,
  previous: null,
  csat: null,
  customer_tickets: [],
});
const article = (over: Record<string, unknown> = {}) => ({
  id: 'segunda-via',
  title: 'Como emitir a segunda via do boleto',
  type: 'howto',
  category: 'boleto',
  tags: ['boleto'],
  visibility: 'publico',
  status: 'rascunho',
  language: 'pt-BR',
  version: 3,
  author: 'agent:ana@example.com',
  updated_at: iso(-60),
  from_ticket: null,
  url: null,
  body: '# Segunda via\n\nAcesse **Financeiro** e clique em Boletos.',
  html: '<h1>Segunda via</h1>',
  change: 'edit',
  created_at: iso(-600),
  views: 0,
  helpful: 0,
  not_helpful: 0,
  versions: [
    { version: 1, title: 'Segunda via', status: 'rascunho', visibility: 'interno', change: 'create', author: 'agent:ana@example.com', updated_at: iso(-600) },
    { version: 2, title: 'Segunda via', status: 'rascunho', visibility: 'publico', change: 'edit', author: 'agent:ana@example.com', updated_at: iso(-300) },
    { version: 3, title: 'Como emitir a segunda via do boleto', status: 'rascunho', visibility: 'publico', change: 'edit', author: 'agent:ana@example.com', updated_at: iso(-60) },
  ],
  ...over,
});
const settingRows = [
  { key: 'sla/baixa/first_response', value: '8h', changed: false },
  { key: 'sla/baixa/resolution', value: '50h', changed: false },
  { key: 'sla/normal/first_response', value: '4h', changed: false },
  { key: 'sla/normal/resolution', value: '30h', changed: false },
  { key: 'sla/alta/first_response', value: '2h', changed: true },
  { key: 'sla/alta/resolution', value: '16h', changed: false },
  { key: 'sla/urgente/first_response', value: '30m', changed: false },
  { key: 'sla/urgente/resolution', value: '4h', changed: false },
  { key: 'sla/warning', value: '0.8', changed: false },
  { key: 'calendar/mon', value: '08:00-18:00', changed: false },
  { key: 'calendar/tue', value: '08:00-18:00', changed: false },
  { key: 'calendar/wed', value: '08:00-18:00', changed: false },
  { key: 'calendar/thu', value: '08:00-18:00', changed: false },
  { key: 'calendar/fri', value: '08:00-18:00', changed: false },
  { key: 'calendar/sat', value: '', changed: false },
  { key: 'calendar/sun', value: '', changed: false },
  { key: 'calendar/holidays', value: '', changed: false },
  { key: 'calendar/national_holidays', value: 'yes', changed: false },
];
const outboxItem = (id: string, state: string, over: Record<string, unknown> = {}) => ({
  id,
  ticket: 7,
  kind: 'reply',
  recipient: 'maria@example.com',
  subject: 'Re: Boleto não chegou',
  state,
  attempts: state === 'pending' ? 0 : 5,
  queued_at: iso(-300),
  next_attempt_at: state === 'dead' ? '' : iso(10),
  last_attempt_at: iso(-20),
  last_error: state === 'pending' ? '' : 'mailbox unavailable',
  last_code: state === 'pending' ? 0 : 550,
  ...over,
});

const ok = (json: unknown) => (): Answer => ({ status: 200, json });
function setRoutes() {
  for (const k of Object.keys(fx.routes)) delete fx.routes[k];
  fx.routes['GET /session'] = () => ({ status: 200, json: session() });
  fx.routes['GET /categories'] = ok({ categories: [{ id: 'boleto', name: 'Boleto e pagamento', description: '' }] });
  fx.routes['GET /desk/counts'] = ok({ N1: 2, N2: 0, N3: 0, mine: 0, waiting: 0, open: { N1: 2, N2: 0, N3: 0 } });
  fx.routes['GET /desk/queue'] = ok({
    tickets: [summary(5, 'Boletos não geram', { incident_count: 3 }), summary(7, 'Boleto não chegou', { problem: 5 }), summary(9, 'Troca de plano')],
    total: 3,
    truncated: false,
  });
  fx.routes['GET /desk/macros'] = ok({ macros: [] });
  fx.routes['GET /desk/tickets/7'] = ok(ticket());
  fx.routes['GET /desk/tickets/7/similar'] = ok({
    articles: [
      { id: 'segunda-via', title: 'Segunda via do boleto', type: 'howto', category: 'boleto', visibility: 'publico', status: 'publicado', snippet: 'a <b>segunda</b> via', url: 'https://balcao.test/ajuda/segunda-via' },
      { id: 'baixa-manual', title: 'Baixa manual', type: 'howto', category: 'boleto', visibility: 'interno', status: 'publicado', snippet: '', url: null },
    ],
    tickets: [{ number: 3, subject: 'Boleto sumiu', status: 'fechado', resolution: 'Reenviamos pelo portal.', score: 0.8 }],
  });
  fx.routes['GET /desk/kb/articles/segunda-via'] = ok(article());
  fx.routes['GET /desk/kb/articles/baixa-manual'] = ok(article({ id: 'baixa-manual', body: 'Use o **menu** Baixas.' }));
  fx.routes['POST /desk/tickets/7/article'] = () => ({
    status: 409,
    json: { error: 'conflict', message: 'Ticket 7 has no resolution yet.', message_pt: 'O chamado 7 ainda não tem solução.' },
  });
  fx.routes['POST /desk/kb/preview'] = ok({ html: '<h1>Segunda via</h1>\n<p>Acesse <strong>Financeiro</strong>.</p>' });
  fx.routes['POST /desk/kb/articles/segunda-via'] = () => ({
    status: 409,
    json: { error: 'conflict', message: 'The article changed.', message_pt: 'O artigo mudou.' },
  });
  fx.routes['GET /desk/settings'] = ok({
    settings: settingRows,
    time_zone: 'America/Sao_Paulo',
    updated_by: 'Renato Alves',
    updated_at: '2026-12-03T17:00:00Z',
    categories: [{ id: 'boleto', name: 'Boleto e pagamento', priority: 'alta', tier: 'N1', procedure: 'boleto-2via' }],
  });
  fx.routes['POST /desk/settings'] = () => ({
    status: 400,
    json: {
      error: 'invalid',
      message: 'calendar/mon: give working hours like 08:00-12:00,13:00-18:00',
      message_pt: 'calendar/mon: informe o horário como 08:00-12:00,13:00-18:00',
    },
  });
  fx.routes['GET /desk/outbox'] = ok({
    items: [outboxItem('n1', 'dead'), outboxItem('n2', 'retrying')],
    pending: 4,
    retrying: 1,
    dead: 1,
    skipped_robot: 0,
    skipped_ack_rate: 0,
  });
  fx.routes['POST /desk/outbox/n1/resend'] = () => ({
    status: 409,
    json: { error: 'conflict', message: 'This notification is not dead.', message_pt: 'Esta notificação não está morta.' },
  });
}

let App: unknown;
let router: typeof import('../src/router').router;
let i18n: typeof import('../src/i18n').i18n;
let store: typeof import('../src/store');
let wrapper: VueWrapper | null = null;

beforeAll(async () => {
  setRoutes();
  ({ router } = await import('../src/router'));
  ({ i18n } = await import('../src/i18n'));
  store = await import('../src/store');
  App = (await import('../src/App.vue')).default;
});
beforeEach(() => {
  role = 'agent';
  setRoutes();
  fx.calls.length = 0;
  vi.spyOn(window, 'confirm').mockReturnValue(true);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function open(path: string, as = 'agent'): Promise<VueWrapper> {
  role = as;
  await store.ready;
  store.applySession(session() as never);
  await router.push(path);
  await router.isReady();
  wrapper = mount(App as never, { global: { plugins: [i18n, router] }, attachTo: document.body });
  for (let i = 0; i < 6; i++) await flushPromises();
  return wrapper;
}
const byTest = (w: VueWrapper, id: string) => w.findAll(`[data-testid="${id}"]`);
const posted = (path: string) => fx.calls.filter((c) => c.method === 'POST' && c.url === `/api/v1${path}`);
const settle = async () => {
  for (let i = 0; i < 6; i++) await flushPromises();
};

describe('knowledge beside a ticket', () => {
  it('lists similar articles and solved tickets; inserts a link and a text into the reply', async () => {
    const w = await open('/painel/chamados/7');
    const arts = byTest(w, 'kb-similar-article');
    expect(arts.map((a) => a.attributes('data-id'))).toEqual(['segunda-via', 'baixa-manual']);
    expect(arts[0].text()).toContain('Público');
    expect(arts[1].text()).toContain('Interno');
    expect(arts[0].find('b').text()).toBe('segunda');
    const solved = byTest(w, 'kb-similar-ticket');
    expect(solved[0].text()).toContain('#3 Boleto sumiu');
    expect(solved[0].text()).toContain('Reenviamos pelo portal.');
    expect(solved[0].get('a').attributes('href')).toBe('/painel/chamados/3');

    const box = w.get('[data-testid="compose-body"]');
    await box.setValue('Olá, Maria!');
    await arts[0].get('[data-testid="kb-insert-link"]').trigger('click');
    await settle();
    expect((box.element as HTMLTextAreaElement).value).toBe('Olá, Maria!\n\nSegunda via do boleto: https://balcao.test/ajuda/segunda-via');
    // An internal article has no public link.
    expect(arts[1].get('[data-testid="kb-insert-link"]').attributes('disabled')).toBeDefined();

    await arts[1].get('[data-testid="kb-insert-text"]').trigger('click');
    await settle();
    expect(fx.calls.some((c) => c.url === '/api/v1/desk/kb/articles/baixa-manual')).toBe(true);
    expect((box.element as HTMLTextAreaElement).value).toBe(
      'Olá, Maria!\n\nSegunda via do boleto: https://balcao.test/ajuda/segunda-via\n\nUse o menu Baixas.',
    );
  });

  it('says why no article can come from a ticket without resolution, and opens the new draft otherwise', async () => {
    const w = await open('/painel/chamados/7');
    await w.get('[data-testid="kb-from-ticket"]').trigger('click');
    await settle();
    expect(posted('/desk/tickets/7/article')).toHaveLength(1);
    const err = w.get('[data-testid="kb-panel-error"]');
    expect(err.attributes('role')).toBe('alert');
    expect(err.text()).toBe('O chamado 7 ainda não tem solução.');

    fx.routes['POST /desk/tickets/7/article'] = () => ({ status: 201, json: article({ id: 'boleto-nao-chegou', from_ticket: 7 }) });
    fx.routes['GET /desk/kb/articles/boleto-nao-chegou'] = ok(article({ id: 'boleto-nao-chegou', from_ticket: 7, status: 'rascunho' }));
    await w.get('[data-testid="kb-from-ticket"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/painel/artigos/boleto-nao-chegou');
    expect(w.get('[data-testid="kb-editor-status"]').text()).toContain('#7');
  });
});

describe('the article editor', () => {
  it('shows kb’s preview HTML and says plainly when someone else saved first', async () => {
    const w = await open('/painel/artigos/segunda-via');
    expect((w.get('[data-testid="kb-editor-title"]').element as HTMLInputElement).value).toBe('Como emitir a segunda via do boleto');
    await w.get('[data-testid="kb-editor-body"]').setValue('# Segunda via\n\nAcesse **Financeiro**.');
    await w.get('[data-testid="kb-preview"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/preview')[0].body).toEqual({ markdown: '# Segunda via\n\nAcesse **Financeiro**.' });
    const html = w.get('[data-testid="kb-preview-html"]');
    expect(html.find('h1').text()).toBe('Segunda via');
    expect(html.find('strong').text()).toBe('Financeiro');

    fx.routes['GET /desk/kb/articles/segunda-via'] = ok(article({ version: 4 }));
    await w.get('[data-testid="kb-save"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/articles/segunda-via')[0].body).toMatchObject({ base_version: 3, body: '# Segunda via\n\nAcesse **Financeiro**.', tags: ['boleto'] });
    const err = w.get('[data-testid="kb-editor-error"]');
    expect(err.attributes('role')).toBe('alert');
    expect(err.text()).toContain('Outra pessoa salvou este artigo enquanto você editava (agora ele está na versão 4)');
    // What was typed stays.
    expect((w.get('[data-testid="kb-editor-body"]').element as HTMLTextAreaElement).value).toBe('# Segunda via\n\nAcesse **Financeiro**.');
    expect(byTest(w, 'kb-revert').length).toBe(2);
  });

  it('keeps changes to a published article as a pending draft, publishes and discards it', async () => {
    const published = article({ status: 'publicado', url: 'https://balcao.test/ajuda/segunda-via' });
    const pending = article({ status: 'publicado', version: 3, revision: 1, change: 'draft', body: 'Acesse **Boletos**.', html: '<p>Acesse <strong>Boletos</strong>.</p>', author: 'agent:rui@example.com', updated_at: iso(-10) });
    fx.routes['GET /desk/kb/articles/segunda-via'] = ok(published);
    fx.routes['POST /desk/kb/articles/segunda-via'] = ok(pending);
    const w = await open('/painel/artigos/segunda-via');
    expect(byTest(w, 'kb-draft-notice')).toHaveLength(0);
    expect(w.get('[data-testid="kb-save"]').text()).toBe('Salvar rascunho');
    expect(w.text()).toContain('os clientes, a busca e o robô continuam vendo a versão publicada');
    await w.get('[data-testid="kb-editor-body"]').setValue('Acesse **Boletos**.');
    fx.routes['GET /desk/kb/articles/segunda-via'] = ok({ ...published, draft: pending });
    await w.get('[data-testid="kb-save"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/articles/segunda-via')[0].body).toMatchObject({ body: 'Acesse **Boletos**.', base_version: 3, as_draft: true, base_draft: 0 });
    const notice = w.get('[data-testid="kb-draft-notice"]');
    expect(notice.attributes('role')).toBe('status');
    expect(notice.text()).toContain('Este artigo publicado tem alterações não publicadas.');
    expect(notice.text()).toContain('rui@example.com');
    expect(notice.text()).toContain('09:50'); // the business time zone (São Paulo)
    expect(w.get('[data-testid="kb-preview-html"]').find('strong').text()).toBe('Boletos');
    expect((w.get('[data-testid="kb-editor-body"]').element as HTMLTextAreaElement).value).toBe('Acesse **Boletos**.');

    fx.routes['POST /desk/kb/articles/segunda-via/draft/publish'] = ok({ ...published, version: 4, change: 'publish' });
    fx.routes['GET /desk/kb/articles/segunda-via'] = ok({ ...published, version: 4, body: 'Acesse **Boletos**.', draft: null });
    await w.get('[data-testid="kb-publish-draft"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/articles/segunda-via/draft/publish').map((c) => c.body)).toEqual([{ revision: 1 }]);
    expect(byTest(w, 'kb-draft-notice')).toHaveLength(0);
    expect(byTest(w, 'kb-discard-draft')).toHaveLength(0);
    expect(w.get('[data-testid="kb-editor-status"]').text()).toContain('Versão 4');
  });

  it('discards a pending draft after asking, and shows kb’s sentence on a draft conflict', async () => {
    const pending = article({ status: 'publicado', revision: 2, body: 'Outro texto', author: 'agent:rui@example.com' });
    fx.routes['GET /desk/kb/articles/segunda-via'] = ok(article({ status: 'publicado', draft: pending }));
    fx.routes['POST /desk/kb/articles/segunda-via'] = () => ({
      status: 409,
      json: { error: 'conflict', message: 'the draft was saved by agent:rui@example.com', message_pt: "o rascunho de 'segunda-via' foi salvo por agent:rui@example.com enquanto você o lia (revisão 3)" },
    });
    const w = await open('/painel/artigos/segunda-via');
    expect((w.get('[data-testid="kb-editor-body"]').element as HTMLTextAreaElement).value).toBe('Outro texto');
    await w.get('[data-testid="kb-editor-body"]').setValue('Texto meu');
    await w.get('[data-testid="kb-save"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/articles/segunda-via')[0].body).toMatchObject({ as_draft: true, base_draft: 2, base_version: 3 });
    expect(w.get('[data-testid="kb-editor-error"]').text()).toContain('foi salvo por agent:rui@example.com');

    await w.get('[data-testid="kb-editor-body"]').setValue('Outro texto');
    (window.confirm as unknown as ReturnType<typeof vi.fn>).mockReturnValue(true);
    fx.routes['POST /desk/kb/articles/segunda-via/draft/discard'] = ok(article({ status: 'publicado' }));
    fx.routes['GET /desk/kb/articles/segunda-via'] = ok(article({ status: 'publicado', draft: null }));
    await w.get('[data-testid="kb-discard-draft"]').trigger('click');
    await settle();
    expect(posted('/desk/kb/articles/segunda-via/draft/discard').map((c) => c.body)).toEqual([{ revision: 2 }]);
    expect(byTest(w, 'kb-draft-notice')).toHaveLength(0);
    expect((w.get('[data-testid="kb-editor-body"]').element as HTMLTextAreaElement).value).toBe('# Segunda via\n\nAcesse **Financeiro** e clique em Boletos.');
  });

  it('marks the published articles that have unpublished changes in the list', async () => {
    const { body: _b, html: _h, versions: _v, ...summary } = article({ status: 'publicado' });
    fx.routes['GET /desk/kb/articles'] = ok({ articles: [{ ...summary, has_draft: true }, { ...summary, id: 'outro', has_draft: false }], total: 2 });
    const w = await open('/painel/artigos');
    const rows = byTest(w, 'kb-list-row');
    expect(rows).toHaveLength(2);
    expect(rows[0].get('[data-testid="kb-list-draft"]').text()).toBe('alterações não publicadas');
    expect(rows[1].findAll('[data-testid="kb-list-draft"]')).toHaveLength(0);
  });

  it('asks before leaving with unsaved changes', async () => {
    const w = await open('/painel/artigos/segunda-via');
    await w.get('[data-testid="kb-editor-title"]').setValue('Outro título');
    (window.confirm as unknown as ReturnType<typeof vi.fn>).mockReturnValue(false);
    await router.push('/painel/artigos');
    await settle();
    expect(window.confirm).toHaveBeenCalled();
    expect(router.currentRoute.value.path).toBe('/painel/artigos/segunda-via');
  });
});

describe('settings', () => {
  it('sends only the changed keys and shows the router’s sentence beside the form', async () => {
    const w = await open('/painel/configuracoes', 'admin');
    expect(w.find('h1').text()).toBe('Configurações do atendimento');
    expect(w.text()).toContain('16 h');
    expect(byTest(w, 'settings-changed')).toHaveLength(1);
    expect(w.get('[data-testid="settings-updated"]').text()).toContain('Renato Alves');
    expect(w.get('[data-testid="settings-updated"]').text()).toContain('14:00');
    expect((w.get('[data-testid="settings-warning"]').element as HTMLInputElement).value).toBe('80');
    await w.get('[data-testid="settings-sla-alta-resolution"]').setValue('12h');
    await w.get('[data-testid="settings-hours-mon"]').setValue('8h às 18h');
    await w.get('[data-testid="settings-save"]').trigger('click');
    await settle();
    expect(posted('/desk/settings').map((c) => c.body)).toEqual([{ changes: { 'sla/alta/resolution': '12h', 'calendar/mon': '8hàs18h' } }]);
    const err = w.get('[data-testid="settings-error"]');
    expect(err.attributes('role')).toBe('alert');
    expect(err.text()).toBe('calendar/mon: informe o horário como 08:00-12:00,13:00-18:00');
  });

  it('is read-only for supervisors', async () => {
    const w = await open('/painel/configuracoes', 'supervisor');
    expect(byTest(w, 'settings-readonly')).toHaveLength(1);
    expect(byTest(w, 'settings-save')).toHaveLength(0);
    expect(byTest(w, 'settings-category')[0].text()).toContain('Boleto e pagamento');
  });
});

describe('the outbox', () => {
  it('offers "Reenviar" to admins on dead notifications only, and shows the refusal', async () => {
    const w = await open('/painel/saida', 'admin');
    const count = (s: string) => w.get(`[data-testid="outbox-tab-${s}"] [data-testid="outbox-count"]`).text();
    expect([count('pending'), count('retrying'), count('dead')]).toEqual(['4', '1', '1']);
    const rows = byTest(w, 'outbox-row');
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['dead', 'retrying']);
    expect(rows[0].text()).toContain('550: mailbox unavailable');
    expect(rows[0].findAll('[data-testid="outbox-resend"]')).toHaveLength(1);
    expect(rows[1].findAll('[data-testid="outbox-resend"]')).toHaveLength(0);
    await rows[0].get('[data-testid="outbox-resend"]').trigger('click');
    await settle();
    expect(posted('/desk/outbox/n1/resend')).toHaveLength(1);
    expect(w.get('[data-testid="outbox-error"]').text()).toBe('Esta notificação não está morta.');
  });

  it('offers no resend to supervisors', async () => {
    const w = await open('/painel/saida', 'supervisor');
    expect(byTest(w, 'outbox-row')).toHaveLength(2);
    expect(byTest(w, 'outbox-resend')).toHaveLength(0);
  });

  it('keeps agents out (supervisors and admins only)', async () => {
    await open('/painel/saida', 'agent');
    expect(router.currentRoute.value.path).toBe('/painel');
  });
});

describe('gaps and the queue', () => {
  it('lists the gaps with a prefilled "Criar artigo"', async () => {
    fx.routes['GET /desk/kb/gaps'] = ok({
      from: '2026-11-05',
      to: '2026-12-04',
      gaps: [{ query: 'boleto vencido', count: 7, searches: 5, bot: 2, last_at: '2026-12-04T12:05:00Z' }],
    });
    const w = await open('/painel/lacunas');
    const rows = byTest(w, 'gaps-row');
    expect(rows).toHaveLength(1);
    expect(rows[0].text()).toContain('09:05');
    expect(rows[0].get('[data-testid="gaps-create"]').attributes('href')).toBe('/painel/artigos/novo?title=boleto+vencido');
    expect(fx.calls.find((c) => c.url.startsWith('/api/v1/desk/kb/gaps'))?.url).toBe('/api/v1/desk/kb/gaps?from=2026-11-05&to=2026-12-04&limit=200');
  });

  it('asks for the period that ends today in the business time zone, not in UTC', async () => {
    // 22:30 in São Paulo on 4 December is already 5 December in UTC.
    vi.setSystemTime(Date.parse('2026-12-05T01:30:00Z'));
    fx.routes['GET /desk/kb/gaps'] = ok({ from: '2026-11-05', to: '2026-12-04', gaps: [] });
    await open('/painel/lacunas');
    expect(fx.calls.find((c) => c.url.startsWith('/api/v1/desk/kb/gaps'))?.url).toBe('/api/v1/desk/kb/gaps?from=2026-11-05&to=2026-12-04&limit=200');
    vi.setSystemTime(NOW);
  });

  it('flags recurring problems in the queue', async () => {
    const w = await open('/painel');
    const badges = byTest(w, 'queue-problem');
    expect(badges.map((b) => b.text())).toEqual(['Problema recorrente (3 chamados)', 'Problema recorrente (3 chamados)']);
    expect(w.findAll('[data-testid="desk-nav-settings"]')).toHaveLength(0);
    expect(w.findAll('[data-testid="desk-nav-articles"]')).toHaveLength(1);
  });
});

describe('people: customers and their organizations', () => {
  it('lists customers with organization and phone, and the organizations with how many people', async () => {
    fx.routes['GET /desk/people'] = () => ({
      status: 200,
      json: {
        people: [
          { id: 'customer:rita@loja.com.br', name: 'Rita Gomes', email: 'rita@loja.com.br', phone: '+55 11 98888-0000', organization: 'Loja da Rita', tier: '', skills: [], capacity: 0, status: '', open_tickets: 0, language: 'pt-BR', created_at: iso(-600), has_key: false },
          { id: 'customer:joao@loja.com.br', name: 'João Lima', email: 'joao@loja.com.br', phone: '', organization: 'Loja da Rita', tier: '', skills: [], capacity: 0, status: '', open_tickets: 0, language: 'pt-BR', created_at: iso(-500), has_key: false },
          { id: 'customer:ana@clinica.com.br', name: 'Ana Prado', email: 'ana@clinica.com.br', phone: '', organization: 'Clínica Vida', tier: '', skills: [], capacity: 0, status: '', open_tickets: 0, language: 'pt-BR', created_at: iso(-400), has_key: false },
        ],
      },
    });
    const w = await open('/painel/pessoas', 'admin');
    await byTest(w, 'people-kind')[0].setValue('customer');
    await settle();
    const orgs = byTest(w, 'person-organization').map((c) => c.text());
    expect(orgs).toEqual(['Loja da Rita', 'Loja da Rita', 'Clínica Vida']);
    expect(w.text()).toContain('+55 11 98888-0000');
    expect(w.text()).not.toContain('Refazer acesso');
    const list = byTest(w, 'people-organizations')[0].findAll('li').map((li) => li.text());
    expect(list).toEqual(['Clínica Vida: 1 pessoa', 'Loja da Rita: 2 pessoas']);
    expect(fx.calls.some((c) => c.url === '/api/v1/desk/people?kind=customer')).toBe(true);
  });
});
