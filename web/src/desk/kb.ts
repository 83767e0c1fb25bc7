// The knowledge pages' logic (docs/API.md "Dashboard: knowledge at
// hand"): the shapes kb answers, the list's query, the gaps' rows, the
// text an article puts into a reply.
import type { Lang } from '../promise';
import { shortTime } from './format';

export type Visibility = 'publico' | 'interno';
export type ArticleStatus = 'rascunho' | 'publicado';

export interface KbHit {
  id: string;
  title: string;
  type: string;
  category: string;
  visibility: Visibility;
  status: ArticleStatus;
  snippet: string;
  url: string | null;
}

export interface SimilarTicket {
  number: number;
  subject: string;
  status: string;
  resolution: string;
  score: number;
}

export interface Similar {
  articles: KbHit[];
  tickets: SimilarTicket[];
}

export interface KbSummary {
  id: string;
  title: string;
  type: string;
  category: string;
  tags: string[];
  visibility: Visibility;
  status: ArticleStatus;
  language: string;
  version: number;
  author: string;
  updated_at: string;
  from_ticket: number | null;
  url: string | null;
  snippet?: string;
  /** The list (no q): a pending draft waits to be published. */
  has_draft?: boolean;
}

export interface KbVersion {
  version: number;
  title: string;
  status: ArticleStatus;
  visibility: Visibility;
  change: string;
  author: string;
  updated_at: string;
  /** Made by publishing a pending draft: who wrote the draft. */
  draft_author?: string | null;
}

export interface KbArticle extends KbSummary {
  body: string;
  html: string | null;
  change: string;
  created_at: string;
  views: number;
  helpful: number;
  not_helpful: number;
  versions?: KbVersion[];
  /** A pending draft only: how many times it was saved. */
  revision?: number;
  /** GET of a published article: its pending draft (its `version` is the
   * published one it was made from; author and updated_at: the last save). */
  draft?: KbArticle | null;
}

/** Saving this article keeps a pending draft (customers go on seeing the
 * published version): a published article, or one that has a draft. */
export function editsDraft(a: KbArticle | null): boolean {
  return !!a && (a.status === 'publicado' || !!a.draft);
}

/** What the form edits: the pending draft when there is one. */
export function editable(a: KbArticle): KbArticle {
  return a.draft ?? a;
}

/** The draft was made from an older version than the published one (an
 * edit or a restore since): it must be saved again before publishing. */
export function draftIsStale(a: KbArticle): boolean {
  return !!a.draft && a.draft.version !== a.version;
}

/** The body of POST /desk/kb/articles/ID: the fields, the version they
 * start from and, for a draft, the draft's revision (0: none yet). */
export function saveBody(a: KbArticle, fields: Record<string, unknown>): Record<string, unknown> {
  if (!editsDraft(a)) return { ...fields, base_version: a.version };
  return { ...fields, base_version: a.version, as_draft: true, base_draft: a.draft?.revision ?? 0 };
}

/** A principal ("agent:ana@x") as people read it ("ana@x"). */
export function personOf(principal: string): string {
  const i = principal.indexOf(':');
  return i < 0 ? principal : principal.slice(i + 1);
}

export interface KbGap {
  query: string;
  count: number;
  searches: number;
  bot: number;
  last_at: string;
}

export interface ArticleFilters {
  q: string;
  status: '' | ArticleStatus;
  visibility: '' | Visibility;
}

export const PAGE_SIZE = 25;

/** GET /desk/kb/articles with the filters and the page. */
export function articlesPath(f: ArticleFilters, page: number, size = PAGE_SIZE): string {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.status) p.set('status', f.status);
  if (f.visibility) p.set('visibility', f.visibility);
  if (page > 0) p.set('offset', String(page * size));
  p.set('limit', String(size));
  return `/desk/kb/articles?${p.toString()}`;
}

/** How many pages `total` articles fill (at least one). */
export function pageCount(total: number, size = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / size));
}

/** The article's Markdown as plain text for a reply: headings, emphasis,
 * code marks and link targets go; the words and the URLs stay. */
export function markdownText(md: string): string {
  return md
    .replace(/\r\n/g, '\n')
    .replace(/^```[^\n]*\n?/gm, '')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^>\s?/gm, '')
    .replace(/!\[([^\]]*)\]\(([^)]*)\)/g, '$1 ($2)')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The text "Inserir link" puts into the reply: the title and the URL. */
export function articleLink(hit: Pick<KbHit, 'title' | 'url'>): string | null {
  return hit.url ? `${hit.title}: ${hit.url}` : null;
}

export interface GapRow {
  query: string;
  count: number;
  last: string;
  newArticle: { path: string; query: { title: string } };
}

/** The gaps as the table shows them, most frequent first (kb's order, kept
 * stable for equal counts), the last time in the business time zone. */
export function gapRows(gaps: KbGap[], timeZone: string, lang: Lang): GapRow[] {
  return gaps
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.count - a.g.count || a.i - b.i)
    .map(({ g }) => ({
      query: g.query,
      count: g.count,
      last: g.last_at ? shortTime(g.last_at, timeZone, lang) : '',
      newArticle: { path: '/painel/artigos/novo', query: { title: g.query } },
    }));
}

/** Tags typed as "a, b, c" → ["a", "b", "c"] (no empties, no repeats). */
export function parseTags(typed: string): string[] {
  return [
    ...new Set(
      typed
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
