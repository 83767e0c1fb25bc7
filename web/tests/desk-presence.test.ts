// @vitest-environment happy-dom
// Agents who never collide: who else has a ticket open (the queue's rows,
// the ticket view), the typing claim, and a reply that raced a change.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  changesSince,
  initials,
  joinNames,
  others,
  parsePresence,
  presenceHeartbeat,
  presenceLines,
  seenOf,
  TYPING_HEARTBEAT_MS,
  type PresenceState,
} from '../src/desk/presence';
import type { DeskTicket } from '../src/desk/types';

const fx = vi.hoisted(() => {
  const calls: { method: string; url: string; body: unknown }[] = [];
  const routes: Record<string, (body: unknown) => { status: number; json: unknown }> = {};
  (globalThis as { fetch: unknown }).fetch = async (input: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url: input, body });
    const handler = routes[`${method} ${input.replace(/^\/api\/v1/, '').split('?')[0]}`];
    const answer = handler ? handler(body) : { status: 404, json: { error: 'not_found', message: 'Not found', message_pt: 'Não encontrado' } };
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  };
  const sources: { listeners: Map<string, (e: { data: string }) => void>; closed: boolean }[] = [];
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

vi.setConfig({ testTimeout: 30_000 });

const ana = { principal: 'agent:ana@example.com', name: 'Ana Lima', typing: false };
const bruno = { principal: 'agent:bruno@example.com', name: 'Bruno Costa', typing: true };

const message = (id: string, author: string, body: string, direction = 'inbound') => ({
  id,
  direction,
  internal: false,
  author,
  author_name: author === 'maria@example.com' ? 'Maria Souza' : 'Ana Lima',
  body,
  reply: '',
  time: '2026-12-04T12:00:00.000Z',
  channel: 'email',
  mail_class: '',
  attachments: [],
});

const ticket = (over: Partial<DeskTicket> = {}) =>
  ({
    number: 7,
    subject: 'Boleto não chegou',
    status: 'aberto',
    tier: 'N1',
    category: 'boleto',
    priority: 'alta',
    channel: 'email',
    customer: { name: 'Maria Souza', address: 'maria@example.com', organization: '' },
    assignee: '',
    assignee_name: '',
    created_at: '2026-12-04T11:00:00Z',
    updated_at: '2026-12-04T12:00:00Z',
    updated_us: 1_796_000_000_000_000,
    message_count: 1,
    problem: null,
    incident_count: 0,
    sla: { target: 'first_response', state: 'ok', warn_at: null, due_at: null },
    messages: [message('m1', 'maria@example.com', 'O boleto não chegou.')],
    timeline: [],
    resolution: null,
    fix_reference: null,
    resolved_by: null,
    merged_into: null,
    previous: null,
    mentions: null,
    participants: [],
    csat: null,
    customer_tickets: [],
    ...over,
  }) as DeskTicket;

describe('presence, the pure parts', () => {
  it('reads what the gateway sends and leaves out anything else', () => {
    expect(parsePresence({ number: 7, viewers: [ana, { name: 3 }, null] })).toEqual({ number: 7, viewers: [ana] });
    expect(parsePresence({ number: '7', viewers: [] })).toBeNull();
    expect(parsePresence(null)).toBeNull();
  });

  it('shows the others, typing first, with their names joined in the language', () => {
    expect(others([ana, bruno], 'agent:ana@example.com')).toEqual([bruno]);
    expect(initials('Ana Lima')).toBe('AL');
    expect(initials('  bruno ')).toBe('B');
    expect(initials('')).toBe('?');
    expect(joinNames(['Ana', 'Bruno', 'Carla'], 'pt-BR')).toBe('Ana, Bruno e Carla');
    expect(joinNames(['Ana', 'Bruno'], 'en')).toBe('Ana and Bruno');
    const carla = { principal: 'agent:carla@example.com', name: 'Carla', typing: false };
    expect(presenceLines([ana, bruno, carla], 'pt-BR')).toEqual([
      { key: 'desk.presence.typing', names: 'Bruno Costa', count: 1, typing: true },
      { key: 'desk.presence.viewing', names: 'Ana Lima e Carla', count: 2, typing: false },
    ]);
    expect(presenceLines([], 'en')).toEqual([]);
  });

  it('says typing at most every few seconds, and viewing when the box empties', () => {
    let t = 0;
    const sent: PresenceState[] = [];
    const hb = presenceHeartbeat((s) => sent.push(s), () => t);
    hb.input('O');
    t = 500;
    hb.input('Ol');
    t = TYPING_HEARTBEAT_MS + 1;
    hb.input('Olá');
    expect(sent).toEqual(['typing', 'typing']);
    // The viewing timer does not take a fresh claim away...
    t += 1000;
    hb.beat();
    expect(sent.at(-1)).toBe('typing');
    // ...but an old one goes.
    t += 60_000;
    hb.beat();
    expect(sent.at(-1)).toBe('viewing');
    hb.input('Olá, Maria');
    hb.input('');
    expect(sent.slice(-2)).toEqual(['typing', 'viewing']);
    hb.input('');
    expect(sent.slice(-1)).toEqual(['viewing']);
    expect(sent).toHaveLength(6);
  });

  it('says what changed since the agent opened the ticket, or nothing', () => {
    const before = ticket();
    const seen = seenOf(before);
    expect(changesSince(seen, before)).toBeNull();
    const newer = ticket({
      updated_us: before.updated_us! + 1,
      status: 'aguardando_cliente',
      messages: [...before.messages, message('m2', 'maria@example.com', 'Chegou outro erro.')],
    });
    const c = changesSince(seen, newer)!;
    expect(c.messages.map((m) => m.body)).toEqual(['Chegou outro erro.']);
    expect(c.status).toEqual({ from: 'aberto', to: 'aguardando_cliente' });
    expect(c.updatedUs).toBe(before.updated_us! + 1);
  });
});

let App: unknown;
let router: typeof import('../src/router').router;
let i18n: typeof import('../src/i18n').i18n;
let wrapper: VueWrapper | null = null;

function setRoutes() {
  for (const k of Object.keys(fx.routes)) delete fx.routes[k];
  const ok = (json: unknown) => () => ({ status: 200, json });
  fx.routes['GET /session'] = ok({
    signed_in: true,
    csrf_token: 'tok',
    language: 'pt-BR',
    time_zone: 'America/Sao_Paulo',
    person: { address: 'ana@example.com', name: 'Ana Lima', principal: 'agent:ana@example.com', role: 'agent', tier: 'N1', status: 'online' },
  });
  fx.routes['GET /categories'] = ok({ categories: [] });
  fx.routes['GET /desk/counts'] = ok({ N1: 1, N2: 0, N3: 0, mine: 0, waiting: 0, open: { N1: 1, N2: 0, N3: 0 } });
  fx.routes['GET /desk/queue'] = ok({ tickets: [ticket(), { ...ticket(), number: 8, subject: 'Outro' }], total: 2, truncated: false });
  fx.routes['GET /desk/presence'] = ok({ tickets: [{ number: 7, viewers: [ana, bruno] }] });
  fx.routes['GET /desk/tickets/7'] = ok(ticket());
  fx.routes['GET /desk/macros'] = ok({ macros: [] });
  fx.routes['POST /desk/tickets/7/presence'] = ok({ number: 7, viewers: [ana] });
}

beforeAll(async () => {
  setRoutes();
  ({ router } = await import('../src/router'));
  ({ i18n } = await import('../src/i18n'));
  App = (await import('../src/App.vue')).default;
});
beforeEach(() => {
  setRoutes();
  fx.calls.length = 0;
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
});

async function open(path: string): Promise<VueWrapper> {
  await router.push(path);
  await router.isReady();
  wrapper = mount(App as never, { global: { plugins: [i18n, router] }, attachTo: document.body });
  for (let i = 0; i < 5; i++) await flushPromises();
  return wrapper;
}
const presencePosts = () => fx.calls.filter((c) => c.method === 'POST' && c.url.endsWith('/presence')).map((c) => (c.body as { state: string }).state);
const push = (kind: string, data: unknown) => {
  for (const s of fx.sources.filter((x) => !x.closed)) s.listeners.get(kind)?.({ data: JSON.stringify(data) });
};

describe('the dashboard', () => {
  it('shows in the queue who else has a ticket open, and follows the live events', async () => {
    const w = await open('/painel');
    const rows = w.findAll('[data-testid="queue-row"]');
    const cell = rows[0].get('[data-testid="queue-presence"]');
    // Only the colleague: her own presence is no news to Ana.
    expect(cell.findAll('.presence-avatar').map((a) => a.text())).toEqual(['BC']);
    expect(cell.text()).toContain('Bruno Costa (respondendo) com o chamado aberto');
    expect(rows[1].find('[data-testid="queue-presence"]').exists()).toBe(false);
    push('presence', { number: 8, viewers: [{ ...bruno, typing: false }] });
    await flushPromises();
    expect(w.findAll('[data-testid="queue-row"]')[1].get('[data-testid="queue-presence"]').text()).toContain('Bruno Costa com o chamado aberto');
    push('presence', { number: 7, viewers: [] });
    await flushPromises();
    expect(w.findAll('[data-testid="queue-row"]')[0].find('[data-testid="queue-presence"]').exists()).toBe(false);
  });

  it('says it views the ticket, shows a colleague replying, claims typing, and leaves', async () => {
    const w = await open('/painel/chamados/7');
    expect(presencePosts()).toEqual(['viewing']);
    expect(w.get('[data-testid="ticket-presence"]').text()).toBe('');
    push('presence', { number: 7, viewers: [ana, bruno] });
    await flushPromises();
    const line = w.get('[data-testid="ticket-presence"]');
    expect(line.text()).toBe('Bruno Costa está respondendo…');
    expect(line.attributes('role')).toBe('status');
    // Another ticket's event is not this one's.
    push('presence', { number: 8, viewers: [] });
    await flushPromises();
    expect(w.get('[data-testid="ticket-presence"]').text()).toBe('Bruno Costa está respondendo…');
    await w.get('[data-testid="compose-body"]').setValue('Olá');
    await w.get('[data-testid="compose-body"]').setValue('Olá, Maria');
    await flushPromises();
    expect(presencePosts()).toEqual(['viewing', 'typing']);
    // A note is not a reply to the customer: no claim.
    await w.get('[data-testid="action-note"]').trigger('click');
    await flushPromises();
    expect(presencePosts().at(-1)).toBe('viewing');
    await router.push('/painel');
    for (let i = 0; i < 3; i++) await flushPromises();
    expect(presencePosts().at(-1)).toBe('left');
  });

  it('asks before a reply that raced a customer message, shows it, and sends anyway with the new value', async () => {
    const first = ticket();
    const newer = ticket({
      updated_us: first.updated_us! + 5,
      messages: [...first.messages, message('m2', 'maria@example.com', 'Esqueci: o CPF mudou.')],
    });
    const replies: unknown[] = [];
    fx.routes['POST /desk/tickets/7/reply'] = (body) => {
      replies.push(body);
      const b = body as { seen_updated_us: number };
      if (b.seen_updated_us < newer.updated_us!)
        return { status: 409, json: { error: 'conflict', message: 'ticket #7 changed', message_pt: 'o chamado #7 mudou', ticket: newer } };
      return { status: 200, json: ticket({ ...newer, updated_us: newer.updated_us! + 9 }) };
    };
    const w = await open('/painel/chamados/7');
    fx.routes['GET /desk/tickets/7'] = () => ({ status: 200, json: newer });
    await w.get('[data-testid="compose-body"]').setValue('Segue a segunda via.');
    await w.get('[data-testid="compose-send"]').trigger('submit');
    for (let i = 0; i < 4; i++) await flushPromises();
    expect(replies).toEqual([{ body: 'Segue a segunda via.', seen_updated_us: first.updated_us }]);
    const box = w.get('[data-testid="reply-conflict"]');
    expect(box.attributes('role')).toBe('alertdialog');
    expect(box.text()).toContain('O chamado mudou desde que você o abriu');
    expect(box.text()).toContain('Enviar mesmo assim?');
    expect(w.findAll('[data-testid="conflict-message"]').map((m) => m.text())).toEqual([expect.stringContaining('Esqueci: o CPF mudou.')]);
    expect(document.activeElement).toBe(box.element);
    // The draft is kept, nothing is in the error region.
    expect((w.get('[data-testid="compose-body"]').element as HTMLTextAreaElement).value).toBe('Segue a segunda via.');
    await w.get('[data-testid="conflict-send"]').trigger('click');
    for (let i = 0; i < 4; i++) await flushPromises();
    expect(replies).toHaveLength(2);
    expect(replies[1]).toEqual({ body: 'Segue a segunda via.', seen_updated_us: newer.updated_us });
    expect(w.find('[data-testid="reply-conflict"]').exists()).toBe(false);
    expect((w.get('[data-testid="compose-body"]').element as HTMLTextAreaElement).value).toBe('');
  });

  it('a refusal for another reason (a closed ticket) is only an error', async () => {
    fx.routes['POST /desk/tickets/7/reply'] = () => ({
      status: 409,
      json: { error: 'conflict', message: 'ticket #7 is closed', message_pt: 'o chamado #7 está fechado' },
    });
    const w = await open('/painel/chamados/7');
    await w.get('[data-testid="compose-body"]').setValue('Oi');
    await w.get('[data-testid="compose-send"]').trigger('submit');
    for (let i = 0; i < 4; i++) await flushPromises();
    expect(w.find('[data-testid="reply-conflict"]').exists()).toBe(false);
    expect(w.get('[data-testid="desk-error"]').text()).toContain('o chamado #7 está fechado');
  });
});
