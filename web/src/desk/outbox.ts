// The outbox page's logic (docs/API.md /desk/outbox): its three states,
// their words, who may send a dead notification again.
import type { Role } from './types';

export const OUTBOX_STATES = ['pending', 'retrying', 'dead'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxItem {
  id: string;
  ticket: number;
  kind: string;
  recipient: string;
  subject: string;
  state: OutboxState | string;
  attempts: number;
  queued_at: string;
  next_attempt_at: string;
  last_attempt_at: string;
  last_error: string;
  last_code: string | number;
}

export interface OutboxPage {
  items: OutboxItem[];
  pending: number;
  retrying: number;
  dead: number;
  skipped_robot: number;
  skipped_ack_rate: number;
}

export function isOutboxState(v: unknown): v is OutboxState {
  return typeof v === 'string' && (OUTBOX_STATES as readonly string[]).includes(v);
}

/** The i18n key of a state's tab ("Pendentes", "Tentando", "Mortas"). */
export function outboxStateLabel(s: string): string {
  return isOutboxState(s) ? `desk.outbox.state.${s}` : 'desk.outbox.state.unknown';
}

export function outboxPath(s: OutboxState, limit = 100): string {
  return `/desk/outbox?state=${s}&limit=${limit}`;
}

export function outboxCount(page: OutboxPage | null, s: OutboxState): number | null {
  return page ? (page[s] ?? 0) : null;
}

/** Admins send dead notifications again (notify refuses others). */
export function canResend(role: Role | string | undefined, item: Pick<OutboxItem, 'state'>): boolean {
  return role === 'admin' && item.state === 'dead';
}

/** The last error with its code: "550: mailbox unavailable"; the server's
 * reply as it is when it starts with the code ("550 5.1.1 <a@b>: ..."). */
export function lastError(item: Pick<OutboxItem, 'last_error' | 'last_code'>): string {
  const code = item.last_code === 0 || item.last_code === '0' ? '' : String(item.last_code ?? '').trim();
  const err = (item.last_error ?? '').trim();
  if (code && err && (err === code || err.startsWith(`${code} `) || err.startsWith(`${code}-`))) return err;
  if (code && err) return `${code}: ${err}`;
  return code || err;
}
