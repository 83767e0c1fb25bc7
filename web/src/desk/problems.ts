// Suspected recurring problems in the queue: a problem ticket with
// incidents linked to it, or an incident linked to a problem.
import type { DeskSummary } from './types';

export interface RecurringProblem {
  /** the problem ticket's number */
  problem: number;
  /** its incidents, when known (the problem itself or its row on the page) */
  count: number | null;
}

export function recurringProblem(
  row: Pick<DeskSummary, 'number' | 'problem' | 'incident_count'>,
  rows: Pick<DeskSummary, 'number' | 'incident_count'>[] = [],
): RecurringProblem | null {
  if (row.incident_count > 0) return { problem: row.number, count: row.incident_count };
  if (!row.problem) return null;
  const p = rows.find((r) => r.number === row.problem);
  return { problem: row.problem, count: p && p.incident_count > 0 ? p.incident_count : null };
}
