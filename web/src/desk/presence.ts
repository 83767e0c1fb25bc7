// Who else has a ticket open, and who is writing its customer a reply
// (docs/API.md "Presence"): the pure parts. The gateway keeps presence in
// memory; the ticket view says it is there (a heartbeat), says when its
// agent types (at most every few seconds), and the live stream's
// `presence` events tell every agent who is where. A reply carries the
// ticket's updated_us the agent saw: a ticket changed since comes back 409
// and the agent sees what changed before sending anyway.
import type { DeskMessage, DeskTicket } from './types';

export type PresenceState = 'viewing' | 'typing' | 'left';

export interface Viewer {
  principal: string;
  name: string;
  typing: boolean;
}

export interface TicketPresence {
  number: number;
  viewers: Viewer[];
}

/** A viewing entry lasts 30 s on the gateway: said again well before. */
export const VIEWING_HEARTBEAT_MS = 12000;
/** A typing claim lasts 8 s: said again while the agent types, at most this often. */
export const TYPING_HEARTBEAT_MS = 3000;
/** Typing stops counting this long after the last key. */
export const TYPING_IDLE_MS = 6000;

/** A presence answer or event as the gateway sends it, or null. */
export function parsePresence(data: unknown): TicketPresence | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { number?: unknown; viewers?: unknown };
  if (typeof d.number !== 'number' || !Array.isArray(d.viewers)) return null;
  const viewers: Viewer[] = [];
  for (const v of d.viewers as unknown[]) {
    const x = v as Partial<Viewer> | null;
    if (x && typeof x.principal === 'string' && typeof x.name === 'string')
      viewers.push({ principal: x.principal, name: x.name, typing: x.typing === true });
  }
  return { number: d.number, viewers };
}

/** The viewers other than the signed-in person. */
export function others(viewers: Viewer[], me: string | undefined): Viewer[] {
  return viewers.filter((v) => v.principal !== me);
}

/** One or two letters for an avatar ("Ana Souza" → "AS"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '?';
  const first = [...words[0]][0] ?? '';
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** Names joined as the language says ("Ana e Bruno", "Ana and Bruno"). */
export function joinNames(names: string[], lang: string): string {
  try {
    return new Intl.ListFormat(lang === 'en' ? 'en' : 'pt-BR', { type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/** The sentences the ticket view shows: who types (they come first, being
 * the ones to mind), who only looks. Each a vue-i18n key, its names and
 * the plural count. */
export function presenceLines(
  viewers: Viewer[],
  lang: string,
): { key: string; names: string; count: number; typing: boolean }[] {
  const typing = viewers.filter((v) => v.typing).map((v) => v.name);
  const viewing = viewers.filter((v) => !v.typing).map((v) => v.name);
  const out: { key: string; names: string; count: number; typing: boolean }[] = [];
  if (typing.length) out.push({ key: 'desk.presence.typing', names: joinNames(typing, lang), count: typing.length, typing: true });
  if (viewing.length)
    out.push({ key: 'desk.presence.viewing', names: joinNames(viewing, lang), count: viewing.length, typing: false });
  return out;
}

/**
 * The heartbeats of one open ticket: `input` on every change of the reply
 * box (says "typing" at most every TYPING_HEARTBEAT_MS, and "viewing" once
 * the box is emptied), `beat` on the viewing timer (says "typing" while the
 * agent typed within TYPING_IDLE_MS, so the timer does not take the claim
 * away, else "viewing").
 */
export function presenceHeartbeat(
  send: (state: PresenceState) => void,
  now: () => number = Date.now,
): { input(text: string): void; beat(): void; reset(): void } {
  let lastSent = -Infinity;
  let lastKey = -Infinity;
  let typing = false;
  return {
    input(text: string) {
      const t = now();
      if (!text.trim()) {
        lastKey = -Infinity;
        if (typing) {
          typing = false;
          send('viewing');
        }
        return;
      }
      lastKey = t;
      if (!typing || t - lastSent >= TYPING_HEARTBEAT_MS) {
        typing = true;
        lastSent = t;
        send('typing');
      }
    },
    beat() {
      const t = now();
      typing = t - lastKey < TYPING_IDLE_MS;
      lastSent = t;
      send(typing ? 'typing' : 'viewing');
    },
    reset() {
      lastSent = -Infinity;
      lastKey = -Infinity;
      typing = false;
    },
  };
}

/** What a reply's agent had in front of them when they opened the ticket. */
export interface SeenTicket {
  updatedUs: number;
  messageIds: string[];
  status: string;
}

export function seenOf(t: DeskTicket): SeenTicket {
  return { updatedUs: t.updated_us ?? 0, messageIds: t.messages.map((m) => String(m.id)), status: t.status };
}

export interface TicketChanges {
  /** Messages written since (the customer's, a colleague's, notes). */
  messages: DeskMessage[];
  /** The status then and now, when it moved. */
  status: { from: string; to: string } | null;
  /** The value to send again with. */
  updatedUs: number;
}

/** What changed between what the agent saw and the ticket now; null when
 * nothing did (the refusal was for another reason). */
export function changesSince(seen: SeenTicket, now: DeskTicket): TicketChanges | null {
  if (!now.updated_us || now.updated_us <= seen.updatedUs) return null;
  const known = new Set(seen.messageIds);
  return {
    messages: now.messages.filter((m) => !known.has(String(m.id))),
    status: now.status !== seen.status ? { from: seen.status, to: now.status } : null,
    updatedUs: now.updated_us,
  };
}
