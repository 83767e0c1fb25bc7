// The queue page's tabs and its request: which view of GET /desk/queue
// each tab is, with the filters.
import type { QueueCounts } from './types';

export type QueueTab = 'N1' | 'N2' | 'N3' | 'mine' | 'waiting';
export const QUEUE_TABS: QueueTab[] = ['N1', 'N2', 'N3', 'mine', 'waiting'];

export interface QueueFilters {
  category: string;
  priority: string;
  channel: string;
  customer: string;
}

/** `everyOpen`: a tier tab lists every unresolved ticket at the tier
 * (view `open`), not only those waiting for an agent (view `tier`). */
export function queuePath(tab: QueueTab, f: QueueFilters, limit = 50, everyOpen = false): string {
  const q = new URLSearchParams();
  if (tab === 'mine' || tab === 'waiting') q.set('view', tab);
  else {
    q.set('view', everyOpen ? 'open' : 'tier');
    q.set('tier', tab);
  }
  for (const k of ['category', 'priority', 'channel', 'customer'] as const) {
    const v = f[k].trim();
    if (v) q.set(k, v);
  }
  q.set('limit', String(limit));
  return `/desk/queue?${q.toString()}`;
}

export function tabCount(counts: QueueCounts | null, tab: QueueTab, everyOpen = false): number | null {
  if (!counts) return null;
  const n = everyOpen && (tab === 'N1' || tab === 'N2' || tab === 'N3') ? counts.open?.[tab] : counts[tab];
  return typeof n === 'number' ? n : null;
}

/** The tab a person starts on: their own tier's queue, else N1. */
export function defaultTab(tier: string | undefined): QueueTab {
  return tier === 'N2' || tier === 'N3' ? tier : 'N1';
}
