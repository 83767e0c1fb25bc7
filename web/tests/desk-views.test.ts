// @vitest-environment happy-dom
// The dashboard as an agent sees it: the whole app mounted on a mocked
// fetch (the gateway's JSON of docs/API.md), at /painel and a ticket.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

interface Call {
  method: string;
  url: string;
  body: unknown;
}

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
  // The live stream: one fake EventSource the tests push events into.
  const sources: { url: string; listeners: Map<string, (e: { data: string }) => void>; closed: boolean }[] = [];
  class FakeEventSource {
    listeners = new Map<string, (e: { data: string }) => void>();
    closed = false;
    constructor(public url: string) {
      sources.push(this);
    }
    addEventListener(kind: string, fn: (e: { data: string }) => void) {
      this.listeners.set(kind, fn);
    }
    close() {
      this.closed = true;
    }
  }
  (globalThis as { EventSource: unknown }).EventSource = FakeEventSource;
  return { calls, routes, sources };
});

// The first page loads (and transforms) the whole dashboard; on a busy
// machine that alone can pass vitest's 5 s default.
vi.setConfig({ testTimeout: 30_000 });

const NOW = Date.parse('2026-12-04T13:00:00Z');
const iso = (minutes: number) => new Date(NOW + minutes * 60000).toISOString();

const session = {
  signed_in: true,
  csrf_token: 'tok',
  language: 'pt-BR',
  time_zone: 'America/Sao_Paulo',
  person: {
    address: 'ana@example.com',
    name: 'Ana Lima',
    language: 'pt-BR',
    has_password: true,
    principal: 'agent:ana@example.com',
    role: 'agent',
    tier: 'N1',
    status: 'online',
    totp: false,
  },
};

const summary = (number: number, subject: string, sla: Record<string, unknown>) => ({
  number,
  subject,
  status: 'novo',
  tier: 'N1',
  category: 'boleto',
  priority: 'alta',
  channel: 'email',
  customer: { name: 'Maria Souza', address: 'maria@example.com', organization: 'Padaria Sol' },
  assignee: '',
  assignee_name: '',
  created_at: iso(-120),
  updated_at: iso(-5),
  message_count: 1,
  problem: null,
  incident_count: 0,
  sla: { target: 'first_response', state: 'ok', warn_at: iso(60), due_at: iso(90), ...sla },
});

const ticket = (over: Record<string, unknown> = {}) => ({
  ...summary(7, 'Boleto não chegou', {}),
  messages: [
    {
      id: 1,
      direction: 'inbound',
      internal: false,
      author: 'maria@example.com',
      author_name: 'Maria Souza',
      body: 'O boleto de dezembro não chegou.\n> citação antiga',
      reply: 'O boleto de dezembro não chegou.',
      time: iso(-120),
      channel: 'email',
      mail_class: '',
      attachments: [
        { sha256: 'aa11', filename: 'print.png', content_type: 'image/png', size: 2048, url: '/api/v1/desk/tickets/7/attachments/aa11' },
        { sha256: 'bb22', filename: 'nota.pdf', content_type: 'application/pdf', size: 4096, url: '/api/v1/desk/tickets/7/attachments/bb22' },
      ],
    },
    {
      id: 2,
      direction: 'internal',
      internal: true,
      author: 'agent:ana@example.com',
      author_name: 'Ana Lima',
      body: 'Cliente ligou também.',
      reply: '',
      time: iso(-60),
      channel: 'agent',
      mail_class: '',
      attachments: [],
    },
  ],
  timeline: [
    {
      seq: 10,
      time: iso(-90),
      by: 'agent:bruno@example.com',
      type: 'TicketEscalated',
      summary: 'Escalado de N1 para N2',
      summary_en: 'Escalated from N1 to N2',
      details: { reason: 'Erro no gerador de boletos', tried: 'Reenvio manual' },
    },
  ],
  resolution: null,
  fix_reference: null,
  resolved_by: null,
  merged_into: null,
  previous: null,
  csat: null,
  customer_tickets: [summary(3, 'Troca de plano', { state: 'met' })],
  ...over,
});

function setRoutes() {
  for (const k of Object.keys(fx.routes)) delete fx.routes[k];
  const ok = (json: unknown) => () => ({ status: 200, json });
  fx.routes['GET /session'] = ok(session);
  fx.routes['GET /categories'] = ok({ categories: [{ id: 'boleto', name: 'Boleto e pagamento', description: '' }] });
  fx.routes['GET /desk/counts'] = ok({ N1: 4, N2: 2, N3: 0, mine: 1, waiting: 3, open: { N1: 9, N2: 3, N3: 1 } });
  fx.routes['GET /desk/queue'] = ok({
    tickets: [
      summary(7, 'Boleto não chegou', {}),
      summary(8, 'Sistema fora do ar', { state: 'warning', warn_at: iso(-30), due_at: iso(-1) }),
      summary(9, 'Nota fiscal', { state: 'paused' }),
    ],
    total: 3,
    truncated: false,
  });
  fx.routes['GET /desk/tickets/7'] = ok(ticket());
  fx.routes['GET /desk/macros'] = ok({
    macros: [{ id: 'boleto-2via', name: 'Segunda via do boleto', text: 'Olá, {{customer.name}}', category: '', priority: '', action: '' }],
  });
  fx.routes['GET /desk/tickets/7/macros/boleto-2via/preview'] = ok({
    macro: 'boleto-2via',
    name: 'Segunda via do boleto',
    text: 'Olá, Maria Souza! Segue a segunda via.',
    category: '',
    priority: '',
    action: '',
  });
  fx.routes['POST /desk/tickets/7/take'] = ok(ticket({ assignee: 'agent:ana@example.com', assignee_name: 'Ana Lima', status: 'aberto' }));
  fx.routes['POST /desk/tickets/7/reply'] = ok(ticket());
  fx.routes['POST /desk/tickets/7/escalate'] = () => ({
    status: 409,
    json: { error: 'conflict', message: 'Take the ticket before escalating it.', message_pt: 'Assuma o chamado antes de escalá-lo.' },
  });
}

let App: unknown;
let router: typeof import('../src/router').router;
let i18n: typeof import('../src/i18n').i18n;
let wrapper: VueWrapper | null = null;

beforeAll(async () => {
  setRoutes();
  ({ router } = await import('../src/router'));
  ({ i18n } = await import('../src/i18n'));
  App = (await import('../src/App.vue')).default;
});

beforeEach(() => {
  setRoutes();
  fx.calls.length = 0;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  vi.useRealTimers();
});

async function open(path: string): Promise<VueWrapper> {
  await router.push(path);
  await router.isReady();
  wrapper = mount(App as never, { global: { plugins: [i18n, router] }, attachTo: document.body });
  for (let i = 0; i < 5; i++) await flushPromises();
  return wrapper;
}
const byTest = (w: VueWrapper, id: string) => w.findAll(`[data-testid="${id}"]`);
const posted = (path: string): Call | undefined => fx.calls.find((c) => c.method === 'POST' && c.url === `/api/v1${path}`);

describe('the queues', () => {
  it('show each tab with its count and the rows with their SLA state', async () => {
    const w = await open('/painel');
    expect(w.find('h1').text()).toBe('Filas de atendimento');
    const count = (tab: string) => w.get(`[data-testid="queue-tab-${tab}"] [data-testid="queue-count"]`).text();
    expect([count('N1'), count('N2'), count('N3'), count('mine'), count('waiting')]).toEqual(['4', '2', '0', '1', '3']);
    expect(w.get('[data-testid="queue-tab-N1"]').attributes('aria-selected')).toBe('true');
    const rows = byTest(w, 'queue-row');
    expect(rows.map((r) => [r.attributes('data-number'), r.attributes('data-sla')])).toEqual([
      ['7', 'ok'],
      ['8', 'breached'],
      ['9', 'paused'],
    ]);
    expect(rows[0].text()).toContain('Boleto não chegou');
    expect(rows[0].text()).toContain('Maria Souza');
    expect(rows[0].text()).toContain('Boleto e pagamento');
    expect(rows[0].text()).toContain('faltam 1 h 30 min');
    expect(rows[1].text()).toContain('atrasado há 1 min 00 s');
    expect(rows[2].text()).toContain('Pausado');
    expect(w.get('[data-testid="desk-status"]').element).toHaveProperty('value', 'online');
  });

  it('reloads counts and the queue on live events, once for a burst, never by polling', async () => {
    vi.useRealTimers();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const w = await open('/painel');
    const source = fx.sources.filter((x) => !x.closed).at(-1)!;
    expect(source.url).toBe('/api/v1/events');
    const counted = () => fx.calls.filter((c) => c.url === '/api/v1/desk/counts').length;
    const before = counted();
    await sleep(1200);
    expect(counted()).toBe(before);
    fx.routes['GET /desk/counts'] = () => ({ status: 200, json: { N1: 5, N2: 2, N3: 0, mine: 1, waiting: 3, open: { N1: 9, N2: 3, N3: 1 } } });
    const push = (kind: string) => source.listeners.get('ticket')!({ data: JSON.stringify({ number: 12, kind }) });
    push('created');
    push('assigned');
    push('sla');
    await flushPromises();
    expect(counted()).toBe(before + 1);
    // The burst's trailing reload comes 300 ms later (give a loaded machine
    // time), and then nothing more without events.
    for (let i = 0; i < 60 && counted() < before + 2; i++) await sleep(50);
    await flushPromises();
    expect(counted()).toBe(before + 2);
    await sleep(800);
    expect(counted()).toBe(before + 2);
    expect(w.get('[data-testid="queue-tab-N1"] [data-testid="queue-count"]').text()).toBe('5');
  });

  it('asks for the tab and the filters the agent picks', async () => {
    const w = await open('/painel');
    fx.calls.length = 0;
    await w.get('[data-testid="queue-tab-waiting"]').trigger('click');
    await w.get('[data-testid="filter-priority"]').setValue('alta');
    await flushPromises();
    const urls = fx.calls.filter((c) => c.url.startsWith('/api/v1/desk/queue')).map((c) => c.url);
    expect(urls).toContain('/api/v1/desk/queue?view=waiting&limit=50');
    expect(urls).toContain('/api/v1/desk/queue?view=waiting&priority=alta&limit=50');
  });

  it('pages through a long queue and starts again on the first page for another filter', async () => {
    const many = (from: number) => ({
      tickets: Array.from({ length: 50 }, (_, i) => summary(from + i, `Chamado ${from + i}`, {})),
      total: 120,
      truncated: false,
    });
    // The handler sees the request just recorded.
    fx.routes['GET /desk/queue'] = () => ({
      status: 200,
      json: many(fx.calls.at(-1)!.url.includes('offset=50') ? 51 : 1),
    });
    const w = await open('/painel');
    expect(w.get('[data-testid="queue-page"]').text()).toBe('Página 1 de 3');
    expect(w.get('[data-testid="queue-prev"]').attributes('disabled')).toBeDefined();
    fx.calls.length = 0;
    await w.get('[data-testid="queue-next"]').trigger('click');
    await flushPromises();
    expect(fx.calls.map((c) => c.url)).toContain('/api/v1/desk/queue?view=tier&tier=N1&limit=50&offset=50');
    expect(w.get('[data-testid="queue-page"]').text()).toBe('Página 2 de 3');
    expect(byTest(w, 'queue-row')[0].attributes('data-number')).toBe('51');
    fx.calls.length = 0;
    await w.get('[data-testid="filter-priority"]').setValue('alta');
    await flushPromises();
    expect(fx.calls.map((c) => c.url)).toContain('/api/v1/desk/queue?view=tier&tier=N1&priority=alta&limit=50');
    expect(w.get('[data-testid="queue-page"]').text()).toBe('Página 1 de 3');
  });
});

describe('a ticket', () => {
  it('shows one timeline: the customer, the internal note apart, the history with its details', async () => {
    const w = await open('/painel/chamados/7');
    expect(w.get('h1').text()).toBe('Chamado #7: Boleto não chegou');
    const msgs = byTest(w, 'desk-message');
    expect(msgs.map((m) => m.attributes('data-direction'))).toEqual(['inbound', 'internal']);
    expect(msgs[0].text()).toContain('O boleto de dezembro não chegou.');
    expect(msgs[0].text()).not.toContain('citação antiga');
    expect(msgs[1].text()).toContain('Nota interna');
    expect(msgs[1].classes()).toContain('msg-internal');
    const entries = byTest(w, 'desk-timeline-entry');
    expect(entries.map((e) => e.attributes('data-type'))).toEqual(['TicketEscalated']);
    expect(entries[0].text()).toContain('Escalado de N1 para N2');
    expect(entries[0].find('dl').text()).toContain('Motivo');
    expect(entries[0].find('dl').text()).toContain('Erro no gerador de boletos');
    // The entry sits between the two messages (by time).
    const order = w.findAll('.timeline > li').map((li) => li.attributes('data-testid'));
    expect(order).toEqual(['desk-message', 'desk-timeline-entry', 'desk-message']);
    expect(msgs[0].get('img').attributes('src')).toBe('/api/v1/desk/tickets/7/attachments/aa11');
    expect(msgs[0].findAll('a').map((a) => a.text())).toEqual(['print.png', 'nota.pdf']);
    expect(w.get('[data-testid="customer-tickets"]').text()).toContain('#3 Troca de plano');
    // A new ticket can be marked open; it is at N1, so nothing to send back.
    expect(byTest(w, 'action-open')).toHaveLength(1);
    expect(byTest(w, 'action-deescalate')).toHaveLength(0);
  });

  it('takes the ticket with t, not while typing', async () => {
    const w = await open('/painel/chamados/7');
    const box = w.get('[data-testid="compose-body"]');
    box.element.dispatchEvent(new KeyboardEvent('keydown', { key: 't', bubbles: true }));
    await flushPromises();
    expect(posted('/desk/tickets/7/take')).toBeUndefined();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 't', bubbles: true }));
    await flushPromises();
    expect(posted('/desk/tickets/7/take')?.body).toEqual({});
    expect(w.get('[data-testid="desk-ticket-assignee"]').text()).toBe('Ana Lima');
    expect(byTest(w, 'action-take')).toHaveLength(0);
    // Her own ticket: she may give it back to the queue.
    fx.routes['POST /desk/tickets/7/assign'] = () => ({ status: 200, json: ticket({ assignee: '', status: 'aberto' }) });
    await w.get('[data-testid="action-unassign"]').trigger('click');
    await flushPromises();
    expect(posted('/desk/tickets/7/assign')?.body).toEqual({ agent: '' });
    expect(w.get('[data-testid="desk-ticket-assignee"]').text()).toBe('Ninguém');
    expect(byTest(w, 'action-unassign')).toHaveLength(0);
    expect(byTest(w, 'action-take')).toHaveLength(1);
  });

  it('puts the macro preview in the compose box to edit, then sends the reply', async () => {
    const w = await open('/painel/chamados/7');
    await w.get('[data-testid="macro-select"]').setValue('boleto-2via');
    await w.get('[data-testid="macro-preview"]').trigger('click');
    await flushPromises();
    const box = w.get('[data-testid="compose-body"]');
    expect((box.element as HTMLTextAreaElement).value).toBe('Olá, Maria Souza! Segue a segunda via.');
    await box.setValue('Olá, Maria Souza! Segue a segunda via. Abraço, Ana');
    await w.get('[data-testid="compose-send"]').trigger('submit');
    await flushPromises();
    expect(posted('/desk/tickets/7/reply')?.body).toEqual({ body: 'Olá, Maria Souza! Segue a segunda via. Abraço, Ana' });
  });

  it('says what an escalation lacks, and shows the router refusal in desk-error', async () => {
    const w = await open('/painel/chamados/7');
    await w.get('[data-testid="action-escalate"]').trigger('click');
    await w.get('[data-testid="escalate-submit"]').trigger('submit');
    await flushPromises();
    const alert = w.get('[data-testid="desk-error"]');
    expect(alert.attributes('role')).toBe('alert');
    expect(alert.text()).toBe('Diga por que o chamado precisa ser escalado.');
    expect(posted('/desk/tickets/7/escalate')).toBeUndefined();
    await w.get('[data-testid="escalate-reason"]').setValue('Erro 500 no gerador');
    await w.get('[data-testid="escalate-tried"]').setValue('Reenvio manual');
    await w.get('[data-testid="escalate-submit"]').trigger('submit');
    await flushPromises();
    expect(posted('/desk/tickets/7/escalate')?.body).toEqual({ reason: 'Erro 500 no gerador', tried: 'Reenvio manual' });
    expect(w.get('[data-testid="desk-error"]').text()).toBe('Assuma o chamado antes de escalá-lo.');
  });
});

describe('the desk without a staff session', () => {
  it('sends the visitor to /painel/entrar', async () => {
    fx.routes['GET /session'] = () => ({ status: 200, json: { signed_in: false, csrf_token: 'x', language: 'pt-BR', time_zone: 'America/Sao_Paulo' } });
    const { api } = await import('../src/api');
    await api.session();
    const w = await open('/painel/chamados/7');
    expect(router.currentRoute.value.path).toBe('/painel/entrar');
    expect(byTest(w, 'desk-login-email')).toHaveLength(1);
    expect(byTest(w, 'desk-login-code')).toHaveLength(0);

    // The password is right and TOTP is on: the code field appears.
    fx.routes['POST /staff/login'] = (body) =>
      (body as { code?: string }).code === '123456'
        ? { status: 200, json: session }
        : { status: 401, json: { error: 'code_required', message: 'Type the code.', message_pt: 'Digite o código.' } };
    await w.get('[data-testid="desk-login-email"]').setValue('ana@example.com');
    await w.get('[data-testid="desk-login-password"]').setValue('senha-muito-boa');
    await w.get('[data-testid="desk-login-submit"]').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="desk-error"]').text()).toBe('');
    await w.get('[data-testid="desk-login-code"]').setValue('123 456');
    await w.get('[data-testid="desk-login-submit"]').trigger('submit');
    for (let i = 0; i < 5; i++) await flushPromises();
    expect(posted('/staff/login')?.body).toEqual({ email: 'ana@example.com', password: 'senha-muito-boa' });
    expect(fx.calls.filter((c) => c.url === '/api/v1/staff/login').map((c) => c.body)).toContainEqual({
      email: 'ana@example.com',
      password: 'senha-muito-boa',
      code: '123456',
    });
    expect(router.currentRoute.value.fullPath).toBe('/painel/chamados/7');
  });
});

describe('a supervisor', () => {
  const figures = (key: string, over: Record<string, unknown> = {}) => ({
    key,
    created: 10,
    resolved: 8,
    closed: 6,
    reopened: 1,
    first_responses: 9,
    first_response_median_s: 45 * 60,
    first_response_p90_s: 3 * 3600 + 20 * 60,
    resolution_median_s: 2 * 86400 + 4 * 3600,
    resolution_p90_s: null,
    sla_met_pct: 500 / 6,
    sla: { first_response_met: 5, first_response_breached: 1, resolution_met: 0, resolution_breached: 0 },
    escalation_n1_n2_pct: 25,
    escalation_n2_n3_pct: null,
    reopen_pct: 12.5,
    csat_count: 4,
    csat_average: 4.25,
    csat: [0, 0, 1, 1, 2],
    ...over,
  });

  it('reads the reports: figures in words, charts with titles, the CSV link', async () => {
    const sup = { ...session, person: { ...session.person, role: 'supervisor', tier: '', principal: 'supervisor:sofia@example.com' } };
    fx.routes['GET /session'] = () => ({ status: 200, json: sup });
    fx.routes['GET /desk/reports'] = () => ({
      status: 200,
      json: {
        from: '2026-11-05',
        to: '2026-12-04',
        group_by: '',
        time_zone: 'America/Sao_Paulo',
        total: figures(''),
        groups: [],
        backlog: [
          { day: '2026-12-02', open: 3 },
          { day: '2026-12-03', open: 7 },
        ],
        deflection: { opened: 10, deflected: 3, sent_after_opening: 1, rate: 75 },
      },
    });
    const { api } = await import('../src/api');
    await api.session();
    const w = await open('/painel/relatorios');
    expect(w.get('h1').text()).toBe('Relatórios');
    const req = fx.calls.find((c) => c.url.startsWith('/api/v1/desk/reports'))!;
    expect(req.url).toBe('/api/v1/desk/reports?from=2026-11-05&to=2026-12-04');
    const row = byTest(w, 'report-row')[0].text();
    for (const s of ['Total', '45 min', '3 h 20 min', '2 d 4 h', '83,3%', '25%', '12,5%', '4,25']) expect(row).toContain(s);
    expect(w.get('[data-testid="report-deflection"]').text()).toContain('75%');
    expect(w.get('[data-testid="report-csv"]').attributes('href')).toBe(
      '/api/v1/desk/reports?from=2026-11-05&to=2026-12-04&format=csv',
    );
    expect(w.get('[data-testid="chart-backlog"] title').text()).toBe('Chamados em aberto por dia');
    expect(w.get('[data-testid="chart-csat"]').findAll('rect')).toHaveLength(5);
    expect(w.get('[data-testid="desk-nav-reports"]').exists()).toBe(true);
    expect(byTest(w, 'desk-nav-people')).toHaveLength(0);
    // Availability is an agent's: the router refuses it to supervisors.
    expect(byTest(w, 'desk-status')).toHaveLength(0);
    fx.routes['GET /session'] = () => ({ status: 200, json: session });
    await api.session();
  });
});

describe('people', () => {
  it("asks before resetting someone's access, and sends nothing when cancelled", async () => {
    const admin = { ...session, person: { ...session.person, role: 'admin', tier: '', principal: 'admin:rita@example.com' } };
    fx.routes['GET /session'] = () => ({ status: 200, json: admin });
    fx.routes['GET /desk/people'] = () => ({
      status: 200,
      json: {
        people: [
          {
            id: 'agent:bia@example.com', name: 'Bia Rocha', email: 'bia@example.com', phone: '', organization: '',
            tier: 'N1', skills: [], capacity: 10, status: 'offline', open_tickets: 0, language: 'pt-BR',
            created_at: iso(-60), has_key: false, organizations: ['Banco Seguro S.A.'], has_password: true, totp: true,
          },
        ],
      },
    });
    fx.routes['POST /desk/people/reset-access'] = () => ({ status: 200, json: { ok: true } });
    const { api } = await import('../src/api');
    await api.session();
    const w = await open('/painel/pessoas');
    expect(w.get('[data-testid="person-serves"]').text()).toBe('Organizações restritas que atende: Banco Seguro S.A.');
    const dialog = w.get('[data-testid="reset-dialog"]');
    await w.get('[data-testid="person-reset"]').trigger('click');
    expect((dialog.element as HTMLDialogElement).open).toBe(true);
    expect(dialog.text()).toContain('A senha e a verificação em duas etapas de Bia Rocha deixam de valer');
    await w.get('[data-testid="reset-cancel"]').trigger('click');
    expect((dialog.element as HTMLDialogElement).open).toBe(false);
    expect(posted('/desk/people/reset-access')).toBeUndefined();
    await w.get('[data-testid="person-reset"]').trigger('click');
    await w.get('[data-testid="reset-confirm"]').trigger('click');
    await flushPromises();
    expect(posted('/desk/people/reset-access')?.body).toEqual({ id: 'agent:bia@example.com' });
    expect(document.body.textContent).toContain('Acesso refeito: enviamos um novo link para Bia Rocha.');
    fx.routes['GET /session'] = () => ({ status: 200, json: session });
    await api.session();
  });
});

describe('my account', () => {
  it('turns TOTP on: the QR code as an image, never as markup, then the code', async () => {
    fx.routes['POST /staff/totp/begin'] = () => ({
      status: 200,
      json: {
        secret: 'JBSWY3DPEHPK3PXP',
        uri: 'otpauth://totp/Balc%C3%A3o:ana@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Balc%C3%A3o',
        qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
      },
    });
    fx.routes['POST /staff/totp/confirm'] = (body) =>
      (body as { code: string }).code === '654321'
        ? { status: 200, json: { totp: true } }
        : { status: 400, json: { error: 'invalid', message: 'Wrong code.', message_pt: 'Código errado.' } };
    const w = await open('/painel/conta');
    expect(w.get('[data-testid="totp-state"]').text()).toContain('Desativada');
    await w.get('[data-testid="totp-begin"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="totp-qr"]').attributes('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(w.find('#main svg').exists()).toBe(false);
    expect(w.get('[data-testid="totp-secret"]').text()).toBe('JBSWY3DPEHPK3PXP');
    await w.get('[data-testid="totp-code"]').setValue('111111');
    await w.get('[data-testid="totp-confirm"]').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="desk-error"]').text()).toBe('Código errado.');
    await w.get('[data-testid="totp-code"]').setValue('654 321');
    await w.get('[data-testid="totp-confirm"]').trigger('submit');
    await flushPromises();
    expect(posted('/staff/totp/confirm')?.body).toEqual({ code: '111111' });
    expect(fx.calls.filter((c) => c.url === '/api/v1/staff/totp/confirm').map((c) => c.body)).toContainEqual({ code: '654321' });
    expect(w.get('[data-testid="totp-state"]').text()).toContain('Ativada');
    expect(w.get('[data-testid="desk-error"]').text()).toBe('');
  });
});
