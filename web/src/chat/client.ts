// The web chat's API client (docs/API.md "Web chat"): its own CSRF token
// (from POST /chat/start; the visitor has no session), JSON writes that are
// retried once with the same message id when the connection drops (the
// gateway and intake take a retry as the same message), and the live
// stream (EventSource on /chat/events, resuming after the last event).
import { ApiError, NETWORK_ERROR } from '../api';
import { uuid } from '../util';

const BASE = '/api/v1/chat';

export interface BotOption {
  id: string;
  title: string;
  description: string;
}

export interface BotEvent {
  seq: number;
  text: string;
  buttons: BotOption[];
  options: BotOption[];
  options_label: string;
  article_url: string;
  asks_contact: boolean;
  state: string;
}

export interface AgentEvent {
  n: number;
  text: string;
  author: string;
  time: string;
  ticket: number;
}

/** The chat's ticket, when its status changes (and when the stream opens). */
export interface TicketEvent {
  ticket: number;
  status: string;
  resolution: string;
}

export interface ChatStart {
  conversation: string;
  csrf_token: string;
  language: string;
  name: string;
  email: string;
  is_new: boolean;
  ended: boolean;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export class ChatClient {
  private csrf = '';

  constructor(private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init)) {}

  /** Resumes the visitor's chat (its cookie), or starts one. */
  async start(language: string, restart = false): Promise<ChatStart> {
    const out = await this.post<ChatStart>('/start', { language, restart });
    this.csrf = out.csrf_token;
    return out;
  }

  send(text: string, replyId = '', id = uuid()): Promise<unknown> {
    const body: Record<string, string> = { id, text };
    if (replyId) body.reply_id = replyId;
    return this.post('/messages', body);
  }

  contact(name: string, email: string, id = uuid()): Promise<unknown> {
    return this.post('/contact', { id, name, email });
  }

  end(): Promise<unknown> {
    return this.post('/end', {});
  }

  /** The live stream from after `after` ("<bot seq>.<agent n>"). */
  events(after: string): EventSource {
    return new EventSource(BASE + '/events' + (after ? '?after=' + encodeURIComponent(after) : ''));
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.once(path, body);
    } catch {
      await new Promise((r) => setTimeout(r, 800));
      try {
        res = await this.once(path, body);
      } catch {
        throw new ApiError(0, 'network', NETWORK_ERROR.en, NETWORK_ERROR.pt);
      }
    }
    let data: unknown = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const e = (data ?? {}) as { error?: string; message?: string; message_pt?: string; retry_after?: number };
      throw new ApiError(res.status, e.error ?? 'unknown', e.message ?? '', e.message_pt ?? '', e.retry_after ?? null);
    }
    return data as T;
  }

  private once(path: string, body: unknown): Promise<Response> {
    return this.fetchImpl(BASE + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': this.csrf },
      body: JSON.stringify(body),
    });
  }
}
