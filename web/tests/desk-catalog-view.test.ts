// @vitest-environment happy-dom
// /painel/catalogo mounted in the whole app on a mocked fetch (the
// gateway's /desk/categories and /desk/macros): what an admin can change,
// what the others only read, and the router's refusals beside the forms.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

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

vi.setConfig({ testTimeout: 30_000 });

let role = 'admin';
const session = () => ({
  signed_in: true,
  csrf_token: 'tok',
  language: 'pt-BR',
  time_zone: 'America/Sao_Paulo',
  person: { address: 'rui@example.com', name: 'Rui', language: 'pt-BR', has_password: true, principal: `${role}:rui@example.com`, role, tier: role === 'agent' ? 'N1' : '', status: 'online', totp: false },
});

const acesso = { id: 'acesso', name: 'Acesso e senha', name_en: 'Login and password', priority: 'normal', tier: 'N1', procedure: 'reset-senha' };
const reset = {
  id: 'reset-senha',
  name: 'Redefinição de senha',
  name_en: 'Password reset',
  text: 'Olá, {{cliente.nome}}!',
  text_en: 'Hello, {{cliente.nome}}!',
  category: 'acesso',
  priority: '',
  action: '',
};
const boleto = { id: 'boleto-2via', name: 'Segunda via do boleto', name_en: '', text: 'Segue a segunda via, {{cliente.nome}}.', text_en: '', category: '', priority: '', action: 'resolve' };

function setRoutes() {
  for (const k of Object.keys(fx.routes)) delete fx.routes[k];
  const ok = (json: unknown) => () => ({ status: 200, json });
  fx.routes['GET /session'] = () => ({ status: 200, json: session() });
  fx.routes['GET /categories'] = ok({ categories: [{ id: 'acesso', name: 'Acesso e senha', name_en: 'Login and password', description: '' }] });
  fx.routes['GET /desk/categories'] = ok({ categories: [acesso] });
  fx.routes['GET /desk/macros'] = ok({ macros: [reset, boleto] });
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
  setRoutes();
  fx.calls.length = 0;
});
afterEach(async () => {
  wrapper?.unmount();
  wrapper = null;
  (await import('../src/i18n')).setLanguage('pt-BR');
});

const settle = async () => {
  for (let i = 0; i < 6; i++) await flushPromises();
};
async function open(as: string): Promise<VueWrapper> {
  role = as;
  await store.ready;
  store.applySession(session() as never);
  await router.push('/painel/catalogo');
  await router.isReady();
  wrapper = mount(App as never, { global: { plugins: [i18n, router] }, attachTo: document.body });
  await settle();
  return wrapper;
}
const byTest = (w: VueWrapper, id: string) => w.findAll(`[data-testid="${id}"]`);
const posted = (path: string) => fx.calls.filter((c) => c.method === 'POST' && c.url === `/api/v1${path}`);

describe('the catalog page as an admin', () => {
  it('lists the categories and macros, marking the macros only in Portuguese', async () => {
    const w = await open('admin');
    expect(w.find('h1').text()).toBe('Categorias e mensagens padrão');
    expect(byTest(w, 'desk-nav-catalog')).toHaveLength(1);
    const row = w.get('[data-testid="catalog-category"][data-id="acesso"]');
    expect(row.text()).toContain('Acesso e senha');
    expect(row.text()).toContain('Login and password');
    expect(row.text()).toContain('Normal');
    expect(row.text()).toContain('Redefinição de senha');
    const pt = byTest(w, 'catalog-macro-pt-only');
    expect(pt).toHaveLength(1);
    expect(pt[0].text()).toBe('só em português');
    expect(w.get('[data-testid="catalog-macro"][data-id="boleto-2via"]').text()).toContain('só em português');
    expect(byTest(w, 'catalog-readonly')).toHaveLength(0);
  });

  it('adds a category: the id from the name, the body as the router takes it, the success announced', async () => {
    const nf = { id: 'nota-fiscal', name: 'Nota fiscal', name_en: 'Invoices', priority: 'alta', tier: 'N2', procedure: '' };
    fx.routes['POST /desk/categories/nota-fiscal'] = () => ({ status: 200, json: { categories: [acesso, nf] } });
    const w = await open('admin');
    await w.get('[data-testid="catalog-category-new"]').trigger('click');
    await w.get('[data-testid="catalog-category-name"]').setValue('Nota fiscal');
    expect((w.get('[data-testid="catalog-category-id"]').element as HTMLInputElement).value).toBe('nota-fiscal');
    await w.get('[data-testid="catalog-category-name-en-input"]').setValue('Invoices');
    await w.get('[data-testid="catalog-category-priority"]').setValue('alta');
    await w.get('[data-testid="catalog-category-tier"]').setValue('N2');
    await w.get('form#category-form').trigger('submit');
    await settle();
    expect(posted('/desk/categories/nota-fiscal').map((c) => c.body)).toEqual([
      { name: 'Nota fiscal', name_en: 'Invoices', priority: 'alta', tier: 'N2', procedure: '' },
    ]);
    const status = w.get('[data-testid="catalog-category-status"]');
    expect(status.attributes('role')).toBe('status');
    expect(status.text()).toBe('Categoria “Nota fiscal” adicionada.');
    expect(w.get('[data-testid="catalog-category"][data-id="nota-fiscal"]').text()).toContain('Invoices');
    expect(byTest(w, 'catalog-category-save')).toHaveLength(0);
  });

  it('refuses a bad id itself and shows the router’s sentence in the page’s language', async () => {
    fx.routes['POST /desk/categories/acesso'] = () => ({
      status: 400,
      json: { error: 'invalid', message: 'the name is 1 to 80 characters', message_pt: 'o nome vai de 1 a 80 caracteres' },
    });
    const w = await open('admin');
    await w.get('[data-testid="catalog-category-new"]').trigger('click');
    await w.get('[data-testid="catalog-category-id"]').setValue('Nota Fiscal');
    await w.get('form#category-form').trigger('submit');
    await settle();
    expect(posted('/desk/categories/Nota Fiscal')).toHaveLength(0);
    expect(w.get('[data-testid="catalog-category-error"]').text()).toContain('1 a 32 letras minúsculas');

    await w.get('[data-testid="catalog-category-cancel"]').trigger('click');
    await w.get('[data-testid="catalog-category-edit"][data-id="acesso"]').trigger('click');
    await w.get('[data-testid="catalog-category-name"]').setValue('');
    await w.get('form#category-form').trigger('submit');
    await settle();
    const err = w.get('[data-testid="catalog-category-error"]');
    expect(err.attributes('role')).toBe('alert');
    expect(err.text()).toBe('O nome vai de 1 a 80 caracteres.');
    (await import('../src/i18n')).setLanguage('en');
    await settle();
    expect(w.get('[data-testid="catalog-category-error"]').text()).toBe('The name is 1 to 80 characters.');
  });

  it('edits a macro in both languages with a live preview, and removes one after confirming', async () => {
    fx.routes['POST /desk/macros/boleto-2via'] = (body) => {
      const b = body as Record<string, unknown>;
      if (b.remove) return { status: 200, json: { macros: [reset] } };
      return { status: 200, json: { macros: [reset, { ...boleto, ...b }] } };
    };
    fx.routes['POST /desk/macros/reset-senha'] = () => ({
      status: 409,
      json: {
        error: 'conflict',
        message: "macro 'reset-senha' is the procedure of category 'Acesso e senha'; change that first",
        message_pt: "a mensagem padrão 'reset-senha' é o procedimento da categoria 'Acesso e senha'; troque o procedimento antes de removê-la",
      },
    });
    const w = await open('admin');
    await w.get('[data-testid="catalog-macro"][data-id="boleto-2via"] button').trigger('click');
    expect(w.get('[data-testid="catalog-macro-preview-pt"]').text()).toBe('Segue a segunda via, Maria Oliveira.');
    expect(w.get('[data-testid="catalog-macro-preview-en"]').text()).toContain('Sem texto em inglês');
    expect(w.get('[data-testid="catalog-placeholders"]').text()).toContain('{{chamado.numero}}');
    await w.get('[data-testid="catalog-macro-name-en"]').setValue('Bank slip copy');
    await w.get('[data-testid="catalog-macro-text-en"]').setValue('Here is the copy, {{cliente.nome}} (ticket #{{chamado.numero}}).');
    expect(w.get('[data-testid="catalog-macro-preview-en"]').text()).toBe('Here is the copy, Mary Johnson (ticket #1234).');
    await w.get('[data-testid="catalog-macro-form"]').trigger('submit');
    await settle();
    expect(posted('/desk/macros/boleto-2via').map((c) => c.body)).toEqual([
      {
        name: 'Segunda via do boleto',
        name_en: 'Bank slip copy',
        text: 'Segue a segunda via, {{cliente.nome}}.',
        text_en: 'Here is the copy, {{cliente.nome}} (ticket #{{chamado.numero}}).',
        category: '',
        priority: '',
        action: 'resolve',
      },
    ]);
    expect(w.get('[data-testid="catalog-macro-status"]').text()).toBe('Mensagem padrão “Segunda via do boleto” salva.');
    expect(byTest(w, 'catalog-macro-pt-only')).toHaveLength(0);

    // The procedure of a category: the router's 409 shows beside the form.
    await w.get('[data-testid="catalog-macro"][data-id="reset-senha"] button').trigger('click');
    await w.get('[data-testid="catalog-macro-remove"]').trigger('click');
    expect(posted('/desk/macros/reset-senha')).toHaveLength(0);
    await w.get('[data-testid="catalog-remove-confirm"]').trigger('click');
    await settle();
    expect(posted('/desk/macros/reset-senha').map((c) => c.body)).toEqual([{ remove: true }]);
    expect(w.get('[data-testid="catalog-macro-error"]').text()).toBe(
      "A mensagem padrão 'reset-senha' é o procedimento da categoria 'Acesso e senha'; troque o procedimento antes de removê-la.",
    );

    // Cancelled: nothing sent; confirmed: removed from the list.
    await w.get('[data-testid="catalog-macro"][data-id="boleto-2via"] button').trigger('click');
    await w.get('[data-testid="catalog-macro-remove"]').trigger('click');
    await w.get('[data-testid="catalog-remove-cancel"]').trigger('click');
    expect(posted('/desk/macros/boleto-2via')).toHaveLength(1);
    await w.get('[data-testid="catalog-macro-remove"]').trigger('click');
    await w.get('[data-testid="catalog-remove-confirm"]').trigger('click');
    await settle();
    expect(posted('/desk/macros/boleto-2via').map((c) => c.body)[1]).toEqual({ remove: true });
    expect(byTest(w, 'catalog-macro').map((m) => m.attributes('data-id'))).toEqual(['reset-senha']);
    expect(w.get('[data-testid="catalog-macro-status"]').text()).toBe('Mensagem padrão “Segunda via do boleto” removida.');
  });

  it('shows English names when the UI is in English', async () => {
    const w = await open('admin');
    (await import('../src/i18n')).setLanguage('en');
    await settle();
    expect(w.find('h1').text()).toBe('Categories and macros');
    expect(w.get('[data-testid="catalog-macro"][data-id="reset-senha"]').text()).toContain('Password reset');
    expect(w.get('[data-testid="catalog-macro-pt-only"]').text()).toBe('Portuguese only');
    expect(w.get('[data-testid="catalog-category"][data-id="acesso"]').text()).toContain('Password reset');
  });
});

describe('the catalog page as an agent or a supervisor', () => {
  for (const who of ['agent', 'supervisor']) {
    it(`is read-only for a ${who}: no button the router would refuse`, async () => {
      const w = await open(who);
      expect(byTest(w, 'catalog-readonly')).toHaveLength(1);
      expect(byTest(w, 'catalog-category')).toHaveLength(1);
      expect(byTest(w, 'catalog-category-edit')).toHaveLength(0);
      expect(byTest(w, 'catalog-category-new')).toHaveLength(0);
      expect(byTest(w, 'catalog-macro-new')).toHaveLength(0);
      await w.get('[data-testid="catalog-macro"][data-id="reset-senha"] button').trigger('click');
      expect(w.get('[data-testid="catalog-macro-preview-en"]').text()).toBe('Hello, Mary Johnson!');
      expect(w.get('[data-testid="catalog-macro-form"] fieldset').attributes()).toHaveProperty('disabled');
      expect((w.get('[data-testid="catalog-macro-text"]').element as HTMLTextAreaElement).value).toBe('Olá, {{cliente.nome}}!');
      expect(byTest(w, 'catalog-macro-save')).toHaveLength(0);
      expect(byTest(w, 'catalog-macro-remove')).toHaveLength(0);
    });
  }
});
