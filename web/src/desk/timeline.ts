// One timeline for the ticket view: the messages and the router's history
// entries, oldest first. At the same instant the history entry comes
// first ("Chamado aberto por Maria", then her message), and entries keep
// the router's order (seq).
import type { DeskMessage, HistoryEntry } from './types';

export type TimelineItem =
  | { kind: 'message'; key: string; time: number; message: DeskMessage }
  | { kind: 'event'; key: string; time: number; entry: HistoryEntry };

/** The details an agent reads, in this order: what the person who acted
 * wrote (an escalation's hand-over, a resolution, a de-escalation's note).
 * The rest of an event's fields (ids, tiers, statuses, the whole ticket)
 * is already in its summary sentence or in the ticket's facts. */
const DETAIL_ORDER = [
  'reason',
  'tried',
  'steps_to_reproduce',
  'environment',
  'affected_customers',
  'attachments',
  'text',
  'fix_reference',
  'note',
  'comment',
];
/** Events whose `reason` is a code (auto, queue, unassign), not words. */
const CODED_REASON = new Set(['TicketAssigned']);

/** History entries the timeline shows as the message itself instead. */
const SHOWN_AS_MESSAGE = new Set(['MessageAppended']);

export function mergeTimeline(messages: DeskMessage[], history: HistoryEntry[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...messages.map((m, i): TimelineItem => ({ kind: 'message', key: `m${m.id}-${i}`, time: Date.parse(m.time) || 0, message: m })),
    ...history
      .filter((e) => !SHOWN_AS_MESSAGE.has(e.type))
      .map((e): TimelineItem => ({ kind: 'event', key: `e${e.seq}`, time: Date.parse(e.time) || 0, entry: e })),
  ];
  const rank = (x: TimelineItem) => (x.kind === 'event' ? 0 : 1);
  const order = (x: TimelineItem) => (x.kind === 'event' ? x.entry.seq : 0);
  // Array.prototype.sort is stable: messages keep their own order.
  return items.sort((a, b) => a.time - b.time || rank(a) - rank(b) || order(a) - order(b));
}

/** [field, value as text] pairs of an entry's details worth showing;
 * `fileName` turns an attachment's SHA-256 into its file name. */
export function detailPairs(
  details: Record<string, unknown> | null | undefined,
  type = '',
  fileName: (sha256: string) => string = (x) => x,
): [string, string][] {
  if (!details) return [];
  const text = (k: string, v: unknown): string => {
    if (v === null || v === undefined || typeof v === 'object' && !Array.isArray(v)) return '';
    if (Array.isArray(v)) return v.map((x) => (k === 'attachments' ? fileName(String(x)) : text(k, x))).filter(Boolean).join(', ');
    return String(v);
  };
  return DETAIL_ORDER.filter((k) => k in details && !(k === 'reason' && CODED_REASON.has(type)))
    .map((k): [string, string] => [k, text(k, details[k])])
    .filter(([, v]) => v.trim() !== '');
}

/** How an attachment is shown: an image inline, text in a <pre>, else a link. */
export function attachmentKind(contentType: string, filename: string): 'image' | 'text' | 'file' {
  const ct = contentType.toLowerCase().split(';')[0].trim();
  if (/^image\/(png|jpeg|gif|webp)$/.test(ct)) return 'image';
  if (ct.startsWith('text/') || /\.(log|txt|csv|json|ya?ml|ini|conf)$/i.test(filename)) return 'text';
  return 'file';
}

/** A problem's incidents, from its history (each TicketLinked naming
 * another ticket as the incident), in the order they were linked. */
export function linkedIncidents(number: number, history: HistoryEntry[]): number[] {
  const out: number[] = [];
  for (const e of history) {
    if (e.type !== 'TicketLinked') continue;
    const incident = Number(e.details.incident);
    if (Number.isInteger(incident) && incident > 0 && incident !== number && !out.includes(incident)) out.push(incident);
  }
  return out;
}
