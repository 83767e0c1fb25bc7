// @vitest-environment happy-dom
// The web chat (src/chat): its API client (its own CSRF token, a lost write
// sent again with the same message id) and the widget mounted on a mocked
// fetch and EventSource: the bot's text, link and buttons, the contact form
// when the bot asks, the agent's reply with their name, markup shown as
// text, "Encerrar conversa".
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { ApiError } from '../src/api';
import ChatWidget from '../src/chat/ChatWidget.vue';
import { ChatClient } from '../src/chat/client';
import { chatEn, chatPtBR } from '../src/chat/messages';

interface Call {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

function answer(status: number, json: unknown): Response {
  return new Response(JSON.stringify(json), { status, headers: { 'Content-Type': 'application/json' } });
}

const START = {
  conversation: 'chat:abc',
  csrf_token: 'T'.repeat(43),
  language: 'pt-BR',
  name: '',
  email: '',
  is_new: true,
  ended: false,
};

describe('ChatClient', () => {
  it('sends the token start gave, and a lost message again with the same id', async () => {
    const calls: Call[] = [];
    let fail = 1;
    const client = new ChatClient(async (url, init = {}) => {
      calls.push({ url, init, body: JSON.parse(String(init.body)) });
      if (url.endsWith('/start')) return answer(201, START);
      if (fail-- > 0) throw new TypeError('network');
      return answer(202, { id: 'x', message_ref: 'm1', duplicate: false });
    });
    await client.start('pt-BR');
    await client.send('Olá', 'bot:no');
    const sends = calls.filter((c) => c.url.endsWith('/messages'));
    expect(sends).toHaveLength(2);
    expect(sends[0].body).toEqual(sends[1].body);
    expect(sends[0].body).toMatchObject({ text: 'Olá', reply_id: 'bot:no' });
    expect((sends[1].init.headers as Record<string, string>)['X-CSRF-Token']).toBe(START.csrf_token);
    expect(calls[0].body).toEqual({ language: 'pt-BR', restart: false });
  });

  it("turns the gateway's refusal into an ApiError in both languages", async () => {
    const client = new ChatClient(async () =>
      answer(400, { error: 'invalid', message: 'this e-mail address does not look valid', message_pt: 'este e-mail não parece válido' }),
    );
    const err = await client.contact('Ana', 'ana@').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).text('pt-BR')).toBe('este e-mail não parece válido');
    expect((err as ApiError).status).toBe(400);
  });
});

// One fake EventSource the test pushes events into.
class FakeSource {
  static last: FakeSource | null = null;
  static readonly CLOSED = 2;
  readyState = 1;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, (e: { data: string; lastEventId: string }) => void>();
  constructor(readonly url: string) {
    FakeSource.last = this;
  }
  addEventListener(type: string, fn: (e: { data: string; lastEventId: string }) => void): void {
    this.listeners.set(type, fn);
  }
  close(): void {
    this.readyState = 2;
  }
  emit(type: string, id: string, data: unknown): void {
    this.listeners.get(type)?.({ data: JSON.stringify(data), lastEventId: id });
  }
}

describe('ChatWidget', () => {
  const calls: Call[] = [];
  beforeEach(() => {
    calls.length = 0;
    sessionStorage.clear();
    (globalThis as { EventSource: unknown }).EventSource = FakeSource;
    (globalThis as { fetch: unknown }).fetch = async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init, body: JSON.parse(String(init.body ?? '{}')) });
      if (url.endsWith('/start')) return answer(201, START);
      if (url.endsWith('/end')) return answer(200, { ended: true });
      return answer(202, { id: 'x', message_ref: 'm', duplicate: false });
    };
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  function mountWidget() {
    const i18n = createI18n({
      legacy: false,
      locale: 'pt-BR',
      messages: { 'pt-BR': { chat: chatPtBR, app: { unexpected: 'Erro' } }, en: { chat: chatEn, app: { unexpected: 'Error' } } },
    });
    return mount(ChatWidget, { global: { plugins: [i18n] }, attachTo: document.body });
  }

  it('shows the bot, its link and buttons, the contact form, the agent; markup as text', async () => {
    const w = mountWidget();
    await w.get('[data-testid="chat-open"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="chat-panel"]').exists()).toBe(true);
    expect(FakeSource.last?.url).toBe('/api/v1/chat/events');

    await w.get('[data-testid="chat-input"]').setValue('Como redefinir a senha?');
    await w.get('[data-testid="chat-send"]').trigger('submit');
    await flushPromises();
    expect(calls.find((c) => c.url.endsWith('/messages'))?.body).toMatchObject({ text: 'Como redefinir a senha?' });

    FakeSource.last!.emit('bot', '1.0', {
      seq: 1,
      text: 'Veja: <img src=x onerror=alert(1)>',
      buttons: [{ id: 'bot:no', title: 'Não resolveu', description: '' }],
      options: [],
      options_label: '',
      article_url: '/ajuda/redefinir-senha',
      asks_contact: false,
      state: 'answered',
    });
    await flushPromises();
    const bot = w.get('[data-testid="chat-line-bot"]');
    expect(bot.text()).toContain('<img src=x onerror=alert(1)>');
    expect(bot.find('img').exists()).toBe(false);
    expect(bot.get('[data-testid="chat-article"]').attributes('href')).toBe('/ajuda/redefinir-senha');
    await bot.get('[data-testid="chat-choice"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.url.endsWith('/messages')).pop()?.body).toMatchObject({ text: 'Não resolveu', reply_id: 'bot:no' });

    FakeSource.last!.emit('bot', '2.0', {
      seq: 2, text: 'Seu nome e e-mail?', buttons: [], options: [], options_label: '', article_url: '', asks_contact: true, state: 'contact',
    });
    await flushPromises();
    const form = w.get('[data-testid="chat-contact"]');
    await w.get('[data-testid="chat-name"]').setValue('Ana');
    await w.get('[data-testid="chat-email"]').setValue('ana@');
    await form.trigger('submit');
    await flushPromises();
    expect(form.text()).toContain('não parece completo');
    expect(calls.some((c) => c.url.endsWith('/contact'))).toBe(false);
    await w.get('[data-testid="chat-email"]').setValue('ana@cliente.example');
    await form.trigger('submit');
    await flushPromises();
    expect(calls.find((c) => c.url.endsWith('/contact'))?.body).toMatchObject({ name: 'Ana', email: 'ana@cliente.example' });
    expect(w.find('[data-testid="chat-contact"]').exists()).toBe(false);

    FakeSource.last!.emit('agent', '2.1', { n: 1, text: 'Oi, Ana!', author: 'Bruno Reis', time: '', ticket: 7 });
    await flushPromises();
    expect(w.get('[data-testid="chat-line-agent"]').text()).toContain('Bruno Reis (atendente)');
    expect(JSON.parse(sessionStorage.getItem('balcao_chat')!).lastId).toBe('2.1');

    await w.get('[data-testid="chat-end"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="chat-ended"]').text()).toContain('Conversa encerrada');
    expect(w.find('[data-testid="chat-input"]').exists()).toBe(false);
    w.unmount();
  });

  it("asks whether the chat's ticket's resolution solved it, and follows it reopened and closed", async () => {
    const w = mountWidget();
    await w.get('[data-testid="chat-open"]').trigger('click');
    await flushPromises();
    FakeSource.last!.emit('ticket', '', { ticket: 7, status: 'resolvido', resolution: 'Feito <b>x</b>' });
    await flushPromises();
    const card = w.get('[data-testid="chat-resolved"]');
    expect(card.text()).toContain('A equipe marcou o chamado #7 como resolvido.');
    expect(card.text()).toContain('Feito <b>x</b>');
    expect(card.find('b').exists()).toBe(false);
    await card.get('[data-testid="chat-resolved-no"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.url.endsWith('/messages')).pop()?.body).toMatchObject({ text: 'Ainda não' });
    FakeSource.last!.emit('ticket', '', { ticket: 7, status: 'reaberto', resolution: '' });
    await flushPromises();
    expect(w.find('[data-testid="chat-resolved"]').exists()).toBe(false);
    expect(w.get('[data-testid="chat-reopened"]').text()).toContain('Reabrimos o chamado #7');
    FakeSource.last!.emit('ticket', '', { ticket: 7, status: 'resolvido', resolution: 'Agora sim' });
    await flushPromises();
    await w.get('[data-testid="chat-resolved-yes"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.url.endsWith('/messages')).pop()?.body).toMatchObject({ text: 'Sim, resolvido' });
    FakeSource.last!.emit('ticket', '', { ticket: 7, status: 'fechado', resolution: '' });
    await flushPromises();
    expect(w.get('[data-testid="chat-closed"]').text()).toBe('Chamado #7 encerrado. Obrigado pelo contato!');
    expect(w.find('[data-testid="chat-reopened"]').exists()).toBe(false);
    w.unmount();
  });
});
