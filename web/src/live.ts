// Live updates: one EventSource on /api/v1/events while signed in. The
// browser reconnects by itself and sends Last-Event-ID, so no event is lost
// or repeated (docs/API.md "Live updates").
import { API_BASE } from './api';

export interface TicketEvent {
  number: number;
  kind: string;
}

type Listener = (e: TicketEvent) => void;

let source: EventSource | null = null;
const listeners = new Set<Listener>();

export function startLive(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource(API_BASE + '/events');
  source.addEventListener('ticket', (ev) => {
    let data: TicketEvent;
    try {
      data = JSON.parse((ev as MessageEvent<string>).data) as TicketEvent;
    } catch {
      return;
    }
    if (typeof data?.number !== 'number') return;
    for (const l of listeners) l(data);
  });
}

export function stopLive(): void {
  source?.close();
  source = null;
}

/** Listens to ticket events; returns the function that stops listening. */
export function onTicketEvent(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
