// The settings page's logic (docs/API.md /desk/settings, router.proto
// Setting): SLA durations as people read them ("4 h") and type them
// ("4h"), the warning as a percentage, working hours per weekday, and the
// diff that POST /desk/settings sends (only the keys that changed).

import type { CatalogCategory } from './types';

export const PRIORITIES = ['baixa', 'normal', 'alta', 'urgente'] as const;
export const TARGETS = ['first_response', 'resolution'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface SettingRow {
  key: string;
  value: string;
  changed: boolean;
}

export interface SettingsAnswer {
  settings: SettingRow[];
  time_zone: string;
  updated_by: string;
  updated_at: string;
  categories: CatalogCategory[];
}

/** A business duration as the router takes it ("30s", "45m", "4h", or a
 * bare number of minutes) in seconds; null when it is not one. */
export function durationSeconds(value: string): number | null {
  const m = /^\s*(\d{1,5})\s*([smh]?)\s*$/i.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  if (n <= 0) return null;
  const unit = m[2].toLowerCase();
  return unit === 's' ? n : unit === 'h' ? n * 3600 : n * 60;
}

/** "4h" → "4 h", "90m" → "1 h 30 min", "30m" → "30 min"; the value as it
 * is when it is no duration. */
export function durationWords(value: string): string {
  const s = durationSeconds(value);
  if (s === null) return value;
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} h`);
  if (min) parts.push(`${min} min`);
  if (sec) parts.push(`${sec} s`);
  return parts.join(' ');
}

/** What the person typed ("4h", "4 h", "1h30", "1 h 30 min", "90m", "90")
 * as the router's form ("4h", "90m"); null when it is no duration. */
export function parseDuration(typed: string): string | null {
  const t = typed.trim().toLowerCase().replace(/\s+/g, '');
  if (!t) return null;
  const simple = /^(\d{1,5})(s|m|min|h)?$/.exec(t);
  if (simple) {
    const unit = simple[2] === 'min' ? 'm' : simple[2] ?? 'm';
    return Number(simple[1]) > 0 ? `${Number(simple[1])}${unit}` : null;
  }
  const hm = /^(\d{1,4})h(\d{1,2})(m|min)?$/.exec(t);
  if (!hm) return null;
  const minutes = Number(hm[1]) * 60 + Number(hm[2]);
  if (minutes <= 0) return null;
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** "0.8" → "80" (the warning fraction as a percentage to edit). */
export function warningPercent(value: string): string {
  const f = Number(value);
  if (!value.trim() || !Number.isFinite(f)) return value;
  return String(Math.round(f * 1000) / 10);
}

/** "80" (or "80%") → "0.8"; null outside 1–99. */
export function percentFraction(typed: string): string | null {
  const t = typed.trim().replace(/%$/, '').replace(',', '.').trim();
  if (!/^\d{1,2}(\.\d)?$/.test(t)) return null;
  const p = Number(t);
  if (!(p > 0 && p < 100)) return null;
  return String(Math.round(p * 10) / 1000);
}

/** Who changed the settings, as people read it: the router's principal
 * ("admin:renato@example.com") without its role. */
export function personName(principal: string): string {
  return principal.replace(/^(agent|supervisor|admin|service):/, '');
}

/** The form's fields: one per key, as the person edits them. */
export type SettingsForm = Record<string, string>;

/** The form from the router's values: durations and percentage shown the
 * way they are typed, holidays one date per line, national holidays
 * "yes"/"no". */
export function formFrom(settings: SettingRow[]): SettingsForm {
  const form: SettingsForm = {};
  for (const s of settings) {
    if (s.key === 'sla/warning') form[s.key] = warningPercent(s.value);
    else if (s.key === 'calendar/holidays') form[s.key] = splitDates(s.value).join('\n');
    else form[s.key] = s.value;
  }
  return form;
}

function splitDates(v: string): string[] {
  return v
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/** One field back into the router's value, or the i18n key of what is
 * wrong with it. */
export function valueOf(key: string, typed: string): { value: string } | { invalid: string } {
  if (key.startsWith('sla/') && key !== 'sla/warning') {
    const d = parseDuration(typed);
    return d === null ? { invalid: 'desk.settings.badDuration' } : { value: d };
  }
  if (key === 'sla/warning') {
    const f = percentFraction(typed);
    return f === null ? { invalid: 'desk.settings.badWarning' } : { value: f };
  }
  if (key === 'calendar/holidays') {
    const dates = splitDates(typed);
    if (dates.some((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d))) return { invalid: 'desk.settings.badHolidays' };
    return { value: [...new Set(dates)].sort().join(',') };
  }
  if (key.startsWith('calendar/') && key !== 'calendar/national_holidays') {
    return { value: typed.trim().replace(/\s+/g, '') };
  }
  return { value: typed.trim() };
}

/** The body's `changes`: only the keys whose value differs from what the
 * router has now; or the first field that is wrong (its key and the i18n
 * key of the sentence). */
export function settingsChanges(
  current: SettingRow[],
  form: SettingsForm,
): { changes: Record<string, string> } | { key: string; invalid: string } {
  const changes: Record<string, string> = {};
  for (const s of current) {
    if (!(s.key in form)) continue;
    const v = valueOf(s.key, form[s.key]);
    if ('invalid' in v) {
      if (form[s.key] === formFrom([s])[s.key]) continue; // untouched: leave it as the router has it
      return { key: s.key, invalid: v.invalid };
    }
    const before = s.key.startsWith('sla/') && s.key !== 'sla/warning' ? (parseDuration(s.value) ?? s.value) : s.value;
    const same = s.key === 'sla/warning' ? Number(before) === Number(v.value) : before === v.value;
    if (!same) changes[s.key] = v.value;
  }
  return { changes };
}
