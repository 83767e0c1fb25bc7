// Live updates: an EventSource on /api/v1/events while signed in and while a
// page that shows tickets listens (the list, a ticket): no stream is held
// for pages that show none. The browser reconnects by itself and sends
// Last-Event-ID, so no event is lost or repeated (docs/API.md "Live
// updates"); a page that (re)subscribes reloads its data anyway.
import { API_BASE } from './api';

export interface TicketEvent {
  number: number;
  kind: string;
}

type Listener = (e: TicketEvent) => void;
/** The dashboard's `presence` events (src/desk/presence.ts reads them). */
type PresenceListener = (data: unknown) => void;

/** Going from the list to a ticket keeps the stream instead of reopening it. */
const CLOSE_DELAY_MS = 3000;

let source: EventSource | null = null;
let allowed = false;
let closeTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();
const presenceListeners = new Set<PresenceListener>();
const openListeners = new Set<() => void>();

function open(): void {
  clearTimeout(closeTimer);
  if (source || !allowed || !listeners.size || typeof EventSource === 'undefined') return;
  source = new EventSource(API_BASE + '/events');
  // Presence events carry no id (nothing replays them): whoever shows
  // presence reads it again each time the stream (re)connects, so a change
  // made while it was away, or before it came up, is not missed.
  source.addEventListener('open', () => {
    for (const l of openListeners) l();
  });
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
  // Staff streams only: who views which ticket (memory of the gateway).
  source.addEventListener('presence', (ev) => {
    let data: unknown;
    try {
      data = JSON.parse((ev as MessageEvent<string>).data);
    } catch {
      return;
    }
    for (const l of presenceListeners) l(data);
  });
}

function close(): void {
  clearTimeout(closeTimer);
  source?.close();
  source = null;
}

/** Signed in: streams may open. */
export function startLive(): void {
  allowed = true;
  open();
}

/** Signed out: no stream. */
export function stopLive(): void {
  allowed = false;
  close();
}

/** Listens to ticket events; returns the function that stops listening. */
export function onTicketEvent(l: Listener): () => void {
  listeners.add(l);
  open();
  return () => {
    listeners.delete(l);
    if (!listeners.size) {
      clearTimeout(closeTimer);
      closeTimer = setTimeout(close, CLOSE_DELAY_MS);
    }
  };
}

/** Listens to presence events while a ticket page listens to tickets (the
 * stream is theirs); returns the function that stops listening. */
export function onPresenceEvent(l: PresenceListener): () => void {
  presenceListeners.add(l);
  return () => {
    presenceListeners.delete(l);
  };
}

/** Calls l each time the stream (re)connects; returns the function that
 * stops it. */
export function onLiveOpen(l: () => void): () => void {
  openListeners.add(l);
  return () => {
    openListeners.delete(l);
  };
}
