// The HTTP API v1 client (docs/API.md). GET /api/v1/session gives the CSRF
// token; every other method sends it in X-CSRF-Token with a JSON body. A
// 403 "csrf" (the session ended or rotated) fetches the session once more and
// retries once.
import type { Session } from './types';

import { uuid } from './util';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messagePt: string;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, messagePt: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.messagePt = messagePt;
    this.retryAfter = retryAfter;
  }

  /** The message in the app's current language. */
  text(lang: string): string {
    return lang === 'en' ? this.message : this.messagePt || this.message;
  }
}

export const NETWORK_ERROR = {
  en: 'We could not reach the server. Please check your connection and try again.',
  pt: 'Não conseguimos falar com o servidor. Verifique sua conexão e tente de novo.',
};

const UNKNOWN_ERROR = {
  en: 'Something went wrong on our side. Please try again in a moment.',
  pt: 'Algo deu errado do nosso lado. Tente de novo em instantes.',
};

export interface RequestOptions {
  /** For a request sent while the page goes away (pagehide): fetch keepalive. */
  keepalive?: boolean;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class Api {
  private csrf: string | null = null;
  private sessionRequest: Promise<Session> | null = null;
  /** Told of every session the API answers (sign-in, language, …). */
  onSession: ((s: Session) => void) | null = null;

  constructor(private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init)) {}

  /** GET /session: who is signed in, the CSRF token, language and time zone. */
  session(): Promise<Session> {
    // Concurrent callers share one request.
    if (!this.sessionRequest) {
      this.sessionRequest = this.request<Session>('GET', '/session').finally(() => {
        this.sessionRequest = null;
      });
    }
    return this.sessionRequest;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options);
  }

  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const safe = method === 'GET' || method === 'HEAD';
    if (!safe && this.csrf === null) await this.session();
    // One key per action: every attempt of it carries the same one, so the
    // gateway applies it once however many times it is sent.
    const key = safe ? '' : uuid();
    let res = await this.sendRetrying(method, path, body, options, key);
    if (!safe && res.status === 403) {
      const err = await this.errorOf(res);
      if (err.code !== 'csrf') throw err;
      await this.session();
      res = await this.sendRetrying(method, path, body, options, key);
    }
    if (!res.ok) throw await this.errorOf(res);
    const data = await this.json(res);
    if (data && typeof data === 'object' && typeof (data as Session).csrf_token === 'string') {
      this.csrf = (data as Session).csrf_token;
      if (typeof (data as Session).signed_in === 'boolean') this.onSession?.(data as Session);
    }
    return data as T;
  }

  /** A write whose answer was lost (the connection dropped) is sent once
   * more with the same Idempotency-Key: if the first one arrived, the
   * gateway answers as it did then and nothing happens twice. */
  private async sendRetrying(
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
    key: string,
  ): Promise<Response> {
    try {
      return await this.send(method, path, body, options, key);
    } catch (e) {
      if (!key || options.keepalive || !(e instanceof ApiError) || e.code !== 'network') throw e;
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
      return await this.send(method, path, body, options, key);
    }
  }

  /** How long a lost write waits before it is sent again (ms). */
  retryDelayMs = 800;

  private async send(
    method: string,
    path: string,
    body: unknown,
    options: RequestOptions,
    key = '',
  ): Promise<Response> {
    const safe = method === 'GET' || method === 'HEAD';
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (!safe) {
      headers['Content-Type'] = 'application/json';
      headers['X-CSRF-Token'] = this.csrf ?? '';
      if (key) headers['Idempotency-Key'] = key;
      init.body = JSON.stringify(body ?? {});
      if (options.keepalive) init.keepalive = true;
    }
    try {
      return await this.fetchImpl(API_BASE + path, init);
    } catch {
      throw new ApiError(0, 'network', NETWORK_ERROR.en, NETWORK_ERROR.pt);
    }
  }

  private async json(res: Response): Promise<unknown> {
    const text = await res.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  private async errorOf(res: Response): Promise<ApiError> {
    const data = (await this.json(res)) as Record<string, unknown> | null;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const code = str(data?.error) || 'unknown';
    const en = str(data?.message) || UNKNOWN_ERROR.en;
    const pt = str(data?.message_pt) || (data?.message ? en : UNKNOWN_ERROR.pt);
    let retry: number | null = null;
    if (typeof data?.retry_after === 'number') retry = data.retry_after as number;
    else if (res.headers.get('Retry-After')) retry = Number(res.headers.get('Retry-After')) || null;
    return new ApiError(res.status, code, en, pt, retry);
  }
}

export const api = new Api();
