import { describe, expect, it } from 'vitest';
import { Api, ApiError } from '../src/api';

interface Call {
  url: string;
  init: RequestInit;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A fake server: answers from a queue and records every call. */
function fake(answers: Response[]) {
  const calls: Call[] = [];
  const fetchImpl = async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request ' + url);
    return next;
  };
  return { calls, api: new Api(fetchImpl) };
}

const session = (token: string, signedIn = false) => ({
  signed_in: signedIn,
  csrf_token: token,
  language: 'pt-BR',
  time_zone: 'America/Sao_Paulo',
});

const header = (c: Call, name: string) => (c.init.headers as Record<string, string>)[name];

describe('the API client', () => {
  it('fetches the session first, then sends its CSRF token and a JSON body', async () => {
    const { calls, api } = fake([json(200, session('tok-1')), json(202, { sent: true })]);
    const answer = await api.post('/login-link', { email: 'ana@example.com' });
    expect(answer).toEqual({ sent: true });
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/v1/session',
      'POST /api/v1/login-link',
    ]);
    expect(header(calls[1], 'X-CSRF-Token')).toBe('tok-1');
    expect(header(calls[1], 'Content-Type')).toBe('application/json');
    expect(JSON.parse(calls[1].init.body as string)).toEqual({ email: 'ana@example.com' });
    expect(calls[1].init.credentials).toBe('same-origin');
  });

  it('sends no CSRF header and no body on GET', async () => {
    const { calls, api } = fake([json(200, { categories: [] })]);
    await api.get('/categories');
    expect(header(calls[0], 'X-CSRF-Token')).toBeUndefined();
    expect(calls[0].init.body).toBeUndefined();
  });

  it('on 403 csrf refetches the session once and retries with the new token', async () => {
    const { calls, api } = fake([
      json(200, session('old')),
      json(403, { error: 'csrf', message: 'Bad CSRF token', message_pt: 'Token CSRF inválido' }),
      json(200, session('new')),
      json(201, { number: 7 }),
    ]);
    const answer = await api.post('/tickets', { subject: 'x' });
    expect(answer).toEqual({ number: 7 });
    expect(header(calls[1], 'X-CSRF-Token')).toBe('old');
    expect(calls[2].url).toBe('/api/v1/session');
    expect(header(calls[3], 'X-CSRF-Token')).toBe('new');
  });

  it('retries only once: a second 403 csrf is an error', async () => {
    const csrf = () => json(403, { error: 'csrf', message: 'Bad CSRF token', message_pt: 'Token CSRF inválido' });
    const { calls, api } = fake([json(200, session('a')), csrf(), json(200, session('b')), csrf()]);
    await expect(api.post('/logout', { everywhere: false })).rejects.toMatchObject({ status: 403, code: 'csrf' });
    expect(calls).toHaveLength(4);
  });

  it('does not retry a 403 forbidden', async () => {
    const { calls, api } = fake([
      json(200, session('a')),
      json(403, { error: 'forbidden', message: 'Not allowed', message_pt: 'Não permitido' }),
    ]);
    await expect(api.post('/tickets/3/accept')).rejects.toMatchObject({ code: 'forbidden' });
    expect(calls).toHaveLength(2);
  });

  it("keeps the token a sign-in answers with, and tells who listens", async () => {
    const { calls, api } = fake([
      json(200, session('pre')),
      json(200, session('signed', true)),
      json(200, { sent: true }),
    ]);
    const seen: boolean[] = [];
    api.onSession = (s) => seen.push(s.signed_in);
    await api.post('/login', { email: 'a@b.c', password: 'x'.repeat(10) });
    await api.post('/logout', { everywhere: true });
    expect(header(calls[2], 'X-CSRF-Token')).toBe('signed');
    expect(seen).toEqual([false, true]);
  });

  it("gives the API's message in each language, and the retry delay", async () => {
    const { api } = fake([
      json(200, session('t')),
      new Response(
        JSON.stringify({ error: 'rate_limited', message: 'Too many attempts', message_pt: 'Tentativas demais', retry_after: 60 }),
        { status: 429, headers: { 'Retry-After': '60' } },
      ),
    ]);
    const err = (await api.post('/login', {}).catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(429);
    expect(err.text('pt-BR')).toBe('Tentativas demais');
    expect(err.text('en')).toBe('Too many attempts');
    expect(err.retryAfter).toBe(60);
  });

  it('has a message in both languages when the server sends no JSON or cannot be reached', async () => {
    const { api } = fake([new Response('<html>Bad gateway</html>', { status: 502 })]);
    const err = (await api.get('/tickets').catch((e) => e)) as ApiError;
    expect(err.code).toBe('unknown');
    expect(err.text('pt-BR')).toMatch(/Algo deu errado/);
    const offline = new Api(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err2 = (await offline.get('/tickets').catch((e) => e)) as ApiError;
    expect(err2.code).toBe('network');
    expect(err2.text('en')).toMatch(/could not reach/);
  });

  it('gives each write an Idempotency-Key, kept across its CSRF retry; none on GET', async () => {
    const { calls, api } = fake([
      json(200, session('old')),
      json(403, { error: 'csrf', message: 'Bad CSRF token', message_pt: 'Token CSRF inválido' }),
      json(200, session('new')),
      json(200, { ok: true }),
      json(200, { ok: true }),
      json(200, { tickets: [] }),
    ]);
    await api.post('/desk/tickets/7/reply', { body: 'Olá' });
    await api.post('/desk/tickets/7/reply', { body: 'Olá' });
    await api.get('/desk/queue');
    const first = header(calls[1], 'Idempotency-Key');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(calls[3], 'Idempotency-Key')).toBe(first);
    expect(header(calls[4], 'Idempotency-Key')).not.toBe(first);
    expect(header(calls[5], 'Idempotency-Key')).toBeUndefined();
  });

  it('sends a write whose connection dropped once more, with the same key', async () => {
    const calls: Call[] = [];
    let drop = 1;
    const api = new Api(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      if (url.endsWith('/session')) return json(200, session('t'));
      if (drop-- > 0) throw new TypeError('Failed to fetch');
      return json(200, { number: 7 });
    });
    api.retryDelayMs = 1;
    expect(await api.post('/desk/tickets/7/note', { body: 'x' })).toEqual({ number: 7 });
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/session',
      '/api/v1/desk/tickets/7/note',
      '/api/v1/desk/tickets/7/note',
    ]);
    expect(header(calls[1], 'Idempotency-Key')).toBe(header(calls[2], 'Idempotency-Key'));
  });

  it('tells of a write that fails twice, and never retries a GET', async () => {
    let n = 0;
    const api = new Api(async (url: string) => {
      if (url.endsWith('/session')) return json(200, session('t'));
      n++;
      throw new TypeError('Failed to fetch');
    });
    api.retryDelayMs = 1;
    const err = (await api.post('/desk/tickets/7/note', { body: 'x' }).catch((e) => e)) as ApiError;
    expect(err.code).toBe('network');
    expect(n).toBe(2);
    await api.get('/desk/queue').catch(() => null);
    expect(n).toBe(3);
  });

  it('sends keepalive when asked (a deflection sent on pagehide)', async () => {
    const { calls, api } = fake([json(200, session('t')), json(202, {})]);
    await api.post('/kb/deflection', { article_id: '1', outcome: 'deflected', client_ref: 'r' }, { keepalive: true });
    expect(calls[1].init.keepalive).toBe(true);
    expect(header(calls[1], 'X-CSRF-Token')).toBe('t');
  });

  it('shares one session request between concurrent callers', async () => {
    const { calls, api } = fake([json(200, session('t')), json(202, {}), json(202, {})]);
    await Promise.all([api.post('/a'), api.post('/b')]);
    expect(calls.filter((c) => c.url === '/api/v1/session')).toHaveLength(1);
  });
});
