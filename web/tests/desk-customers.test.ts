// @vitest-environment happy-dom
// /painel/clientes mounted in the whole app on a mocked fetch (the
// gateway's /desk/people?kind=customer&query=, docs/API.md): an agent
// searches customers by CPF or CNPJ as typed, and sees them formatted.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const fx = vi.hoisted(() => {
  const calls: { method: string; url: string }[] = [];
  const routes: Record<string, (url: string) => { status: number; json: unknown }> = {};
  const fetchMock = async (input: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push({ method, url: input });
    const path = input.replace(/^\/api\/v1/, '').split('?')[0];
    const handler = routes[`${method} ${path}`];
    const answer = handler ? handler(input) : { status: 404, json: { error: 'not_found', message: 'Not found', message_pt: 'Não encontrado' } };
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  };
  (globalThis as { fetch: unknown }).fetch = fetchMock;
  return { calls, routes };
});

vi.setConfig({ testTimeout: 30_000 });

const session = {
  signed_in: true,
  csrf_token: 'tok',
  language: 'pt-BR',
  time_zone: 'America/Sao_Paulo',
  person: { address: 'lia@example.com', name: 'Lia', language: 'pt-BR', has_password: true, principal: 'agent:lia@example.com', role: 'agent', tier: 'N1', status: 'online', totp: false },
};
const person = (id: string, name: string, extra: Record<string, unknown>) => ({
  id, name, email: id.split(':')[1], phone: '', organization: '', tier: '', skills: [], capacity: 10, status: 'offline',
  open_tickets: 0, language: 'pt-BR', created_at: '2026-12-01T10:00:00Z', has_key: false, organizations: [], ...extra,
});
const ana = person('customer:ana@cliente.test', 'Ana Souza', { tax_id: '52998224725', tax_id_kind: 'cpf', tax_id_formatted: '529.982.247-25' });
const nova = person('customer:fiscal@nova.test', 'Nova Empresa', { organization: 'Nova', tax_id: '12ABC34501DE35', tax_id_kind: 'cnpj', tax_id_formatted: '12.ABC.345/01DE-35' });
const bruno = person('customer:bruno@outro.test', 'Bruno', {});

let App: unknown;
let router: typeof import('../src/router').router;
let i18n: typeof import('../src/i18n').i18n;
let store: typeof import('../src/store');
let wrapper: VueWrapper | null = null;

beforeAll(async () => {
  fx.routes['GET /session'] = () => ({ status: 200, json: session });
  // What the router does with the query: here, by the digits of the CPF.
  fx.routes['GET /desk/people'] = (url) => {
    const q = new URL(url, 'http://x').searchParams.get('query') ?? '';
    const norm = q.replace(/[./\- ]/g, '').toUpperCase();
    const all = [ana, nova, bruno];
    return { status: 200, json: { people: q ? all.filter((p) => (p.tax_id ?? '').includes(norm)) : all } };
  };
  ({ router } = await import('../src/router'));
  ({ i18n } = await import('../src/i18n'));
  store = await import('../src/store');
  App = (await import('../src/App.vue')).default;
});
beforeEach(() => {
  fx.calls.length = 0;
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
});

const settle = async () => {
  for (let i = 0; i < 6; i++) await flushPromises();
};
async function open(): Promise<VueWrapper> {
  await store.ready;
  store.applySession(session as never);
  await router.push('/painel/clientes');
  await router.isReady();
  wrapper = mount(App as never, { global: { plugins: [i18n, router] }, attachTo: document.body });
  await settle();
  return wrapper;
}

describe('the customers page', () => {
  it('is in an agent\'s menu and lists the customers with their CPF or CNPJ formatted', async () => {
    const w = await open();
    expect(w.findAll('[data-testid="desk-nav-customers"]')).toHaveLength(1);
    expect(w.find('h1').text()).toBe('Clientes');
    const rows = w.findAll('[data-testid="customer-row"]');
    expect(rows.map((r) => r.attributes('data-id'))).toEqual([ana.id, nova.id, bruno.id]);
    expect(rows[0].get('[data-testid="customer-tax-id"]').text()).toBe('CPF 529.982.247-25');
    expect(rows[1].get('[data-testid="customer-tax-id"]').text()).toBe('CNPJ 12.ABC.345/01DE-35');
    expect(rows[2].get('[data-testid="customer-tax-id"]').text()).toBe('');
    expect(w.get('label[for="customers-query"]').text()).toContain('CPF ou CNPJ');
  });

  it('searches by the CPF as typed, with its punctuation, and says when nobody matches', async () => {
    const w = await open();
    await w.get('[data-testid="customers-query"]').setValue('529.982.247-25');
    await w.get('form[role="search"]').trigger('submit');
    await settle();
    const last = fx.calls.filter((c) => c.url.startsWith('/api/v1/desk/people')).pop();
    expect(last?.url).toBe('/api/v1/desk/people?kind=customer&query=529.982.247-25');
    expect(w.findAll('[data-testid="customer-row"]').map((r) => r.attributes('data-id'))).toEqual([ana.id]);
    await w.get('[data-testid="customers-query"]').setValue('123.456.789-09');
    await w.get('form[role="search"]').trigger('submit');
    await settle();
    expect(w.get('[data-testid="customers-none"]').text()).toBe('Nenhum cliente encontrado.');
  });
});
