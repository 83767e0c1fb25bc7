// The SLA clock of a queue row or a ticket, ticking each second: its colour
// (ok, warning, breached, met, paused) and the time left (or late) in
// words. The router says met and paused; ok, warning and breached follow
// from warn_at and due_at against the browser's clock, so a row turns
// amber and red without a new answer from the server.
import type { Sla, SlaState } from './types';

export interface SlaView {
  /** null: no clock runs for this ticket (no target). */
  state: SlaState | null;
  /** Seconds to due_at (negative once breached); null without due_at. */
  seconds: number | null;
}

export function slaView(sla: Sla | null | undefined, now: Date): SlaView {
  if (!sla || !sla.target) return { state: sla?.state === 'met' ? 'met' : null, seconds: null };
  if (sla.state === 'met' || sla.state === 'paused') return { state: sla.state, seconds: null };
  const due = sla.due_at ? Date.parse(sla.due_at) : NaN;
  if (Number.isNaN(due)) return { state: sla.state, seconds: null };
  const seconds = Math.floor((due - now.getTime()) / 1000);
  if (seconds <= 0 || sla.state === 'breached') return { state: 'breached', seconds };
  const warn = sla.warn_at ? Date.parse(sla.warn_at) : NaN;
  if (sla.state === 'warning' || (!Number.isNaN(warn) && now.getTime() >= warn)) return { state: 'warning', seconds };
  return { state: 'ok', seconds };
}

/** A countdown: "42 s", "4 min 09 s", "2 h 05 min", "3 d 4 h" — the sign
 * is left to the sentence around it ("faltam …" / "atrasado há …"). */
export function countdownWords(seconds: number): string {
  const s = Math.abs(Math.trunc(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
