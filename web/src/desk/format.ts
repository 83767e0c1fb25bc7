// Times on the dashboard, in the business time zone (session.time_zone):
// short for tables ("4 de dez., 14:05"), relative words for deadlines.
import type { Lang } from '../promise';

export function shortTime(iso: string, timeZone: string, lang: Lang): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** A day of the period ("2026-12-03") as people read it: "3 de dez.". */
export function dayLabel(day: string, lang: Lang): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(lang, { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(new Date(Date.UTC(y, m - 1, d)));
}
