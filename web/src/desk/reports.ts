// The report page's pure logic (docs/REPORTS.md defines the figures): the
// JSON of GET /api/v1/desk/reports, durations and shares in words, the
// default period, and the SVG geometry of its charts. No Vue here, so
// Vitest checks every number a supervisor reads.
import type { Lang } from '../promise';

export interface ReportFigures {
  key: string;
  created: number;
  resolved: number;
  closed: number;
  reopened: number;
  first_responses: number;
  first_response_median_s: number | null;
  first_response_p90_s: number | null;
  resolution_median_s: number | null;
  resolution_p90_s: number | null;
  sla_met_pct: number | null;
  sla: {
    first_response_met: number;
    first_response_breached: number;
    resolution_met: number;
    resolution_breached: number;
  };
  escalation_n1_n2_pct: number | null;
  escalation_n2_n3_pct: number | null;
  reopen_pct: number | null;
  csat_count: number;
  csat_average: number | null;
  csat: number[];
}

export interface Report {
  from: string;
  to: string;
  group_by: '' | 'tier' | 'category' | 'agent' | 'channel';
  time_zone: string;
  total: ReportFigures;
  groups: ReportFigures[];
  backlog: { day: string; open: number }[];
  deflection: {
    opened: number;
    deflected: number;
    sent_after_opening: number;
    rate: number | null;
    bot?: { answered: number; deflected: number; handed_off: number; rate: number | null };
  } | null;
}

/** A business duration the way people say it: "45 min", "3 h 20 min",
 * "2 d 4 h" ("2 days 4 h" in English); "—" when there is none. Percentiles
 * come from one-minute buckets, so anything under a minute is "< 1 min". */
export function durationWords(seconds: number | null, lang: Lang): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return '< 1 min';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const m = minutes % 60;
    return m ? `${hours} h ${String(m).padStart(2, '0')} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const h = hours % 24;
  const d = lang === 'en' ? (days === 1 ? '1 day' : `${days} days`) : `${days} d`;
  return h ? `${d} ${h} h` : d;
}

/** "83,3%" in pt-BR, "83.3%" in English; "—" when nothing was measured. */
export function percentWords(value: number | null, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 0 }).format(value)}%`;
}

/** The last `days` days up to today, as the business time zone sees them. */
export function defaultPeriod(now: Date, timeZone: string, days = 30): { from: string; to: string } {
  const day = (d: Date) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const to = day(now);
  const [y, m, d] = to.split('-').map(Number);
  const start = new Date(Date.UTC(y, m - 1, d - (days - 1)));
  return { from: start.toISOString().slice(0, 10), to };
}

/** A valid period: two real dates, from <= to, at most 400 days. */
export function periodProblem(from: string, to: string): 'format' | 'order' | 'length' | null {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  const parse = (s: string) => {
    if (!re.test(s)) return null;
    const [y, m, d] = s.split('-').map(Number);
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t : null;
  };
  const a = parse(from);
  const b = parse(to);
  if (a === null || b === null) return 'format';
  if (b < a) return 'order';
  if ((b - a) / 86400000 >= 400) return 'length';
  return null;
}

export interface Point {
  x: number;
  y: number;
}

/** The backlog line: one point per day scaled into width x height (y grows
 * downwards in SVG), with the scale's top value (a round number). */
export function backlogGeometry(
  backlog: { day: string; open: number }[],
  width: number,
  height: number,
): { points: Point[]; path: string; top: number } {
  const max = Math.max(0, ...backlog.map((p) => p.open));
  const top = niceCeiling(max);
  const n = backlog.length;
  const points = backlog.map((p, i) => ({
    x: n > 1 ? (i / (n - 1)) * width : width / 2,
    y: height - (top ? (p.open / top) * height : 0),
  }));
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  return { points, path, top };
}

/** 0, 1, 2, 5, 10, 20, 50, … : the smallest such number >= value. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  let step = 1;
  for (;;) {
    for (const k of [1, 2, 5]) if (k * step >= value) return k * step;
    step *= 10;
  }
}

/** The CSAT bars: each score's share of the ratings, 0..1. */
export function csatShares(csat: number[]): number[] {
  const total = csat.reduce((a, b) => a + b, 0);
  return [0, 1, 2, 3, 4].map((i) => (total ? (csat[i] ?? 0) / total : 0));
}

/** The CSV export's address for the same period and grouping. */
export function csvUrl(from: string, to: string, groupBy: string): string {
  const q = new URLSearchParams({ from, to, format: 'csv' });
  if (groupBy) q.set('group_by', groupBy);
  return `/api/v1/desk/reports?${q.toString()}`;
}
