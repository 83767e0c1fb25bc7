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
  organization: string;
}

export const QUEUE_PAGE = 50;
/** The router pages a view up to this offset; past it, the filters. */
export const QUEUE_MAX_OFFSET = 10000;

/** `everyOpen`: a tier tab lists every unresolved ticket at the tier
 * (view `open`), not only those waiting for an agent (view `tier`).
 * `offset`: the tickets to skip (a page after the first). */
export function queuePath(
  tab: QueueTab,
  f: QueueFilters,
  limit = QUEUE_PAGE,
  everyOpen = false,
  offset = 0,
): string {
  const q = new URLSearchParams();
  if (tab === 'mine' || tab === 'waiting') q.set('view', tab);
  else {
    q.set('view', everyOpen ? 'open' : 'tier');
    q.set('tier', tab);
  }
  for (const k of ['category', 'priority', 'channel', 'customer', 'organization'] as const) {
    const v = f[k].trim();
    if (v) q.set(k, v);
  }
  q.set('limit', String(limit));
  if (offset > 0) q.set('offset', String(offset));
  return `/desk/queue?${q.toString()}`;
}

/** How many pages of `size` a view of `total` tickets has, counting only
 * those the router pages to (offset at most QUEUE_MAX_OFFSET). */
export function queuePages(total: number, size = QUEUE_PAGE): number {
  const reachable = Math.min(total, QUEUE_MAX_OFFSET + size);
  return Math.max(1, Math.ceil(reachable / size));
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
