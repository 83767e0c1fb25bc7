import { describe, expect, it } from 'vitest';
import {
  backlogGeometry,
  csatShares,
  csvUrl,
  defaultPeriod,
  durationWords,
  niceCeiling,
  percentWords,
  periodProblem,
} from '../src/desk/reports';

describe('durations as people say them', () => {
  it('under a minute is "< 1 min" (the first bucket), none is a dash', () => {
    expect(durationWords(30, 'pt-BR')).toBe('< 1 min');
    expect(durationWords(null, 'pt-BR')).toBe('—');
  });
  it('minutes, hours with minutes, days with hours', () => {
    expect(durationWords(45 * 60, 'pt-BR')).toBe('45 min');
    expect(durationWords(3 * 3600 + 20 * 60, 'pt-BR')).toBe('3 h 20 min');
    expect(durationWords(5 * 3600, 'en')).toBe('5 h');
    expect(durationWords(2 * 86400 + 4 * 3600, 'pt-BR')).toBe('2 d 4 h');
    expect(durationWords(2 * 86400 + 4 * 3600, 'en')).toBe('2 days 4 h');
    expect(durationWords(86400, 'en')).toBe('1 day');
  });
});

describe('shares', () => {
  it('use the language decimal mark', () => {
    expect(percentWords(500 / 6, 'pt-BR')).toBe('83,3%');
    expect(percentWords(500 / 6, 'en')).toBe('83.3%');
    expect(percentWords(50, 'pt-BR')).toBe('50%');
    expect(percentWords(null, 'en')).toBe('—');
  });
});

describe('the period', () => {
  it('defaults to the last 30 days in the business time zone', () => {
    // 02:00 UTC on 4 December is still 3 December in São Paulo.
    expect(defaultPeriod(new Date('2026-12-04T02:00:00Z'), 'America/Sao_Paulo')).toEqual({
      from: '2026-11-04',
      to: '2026-12-03',
    });
  });
  it('refuses impossible dates, reversed periods and over 400 days', () => {
    expect(periodProblem('2026-02-30', '2026-03-01')).toBe('format');
    expect(periodProblem('02/12/2026', '2026-12-03')).toBe('format');
    expect(periodProblem('2026-12-03', '2026-12-01')).toBe('order');
    expect(periodProblem('2024-01-01', '2026-01-01')).toBe('length');
    expect(periodProblem('2025-12-04', '2026-12-03')).toBeNull();
  });
});

describe('charts', () => {
  it('round the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 12, 51, 180, 999].map(niceCeiling)).toEqual([0, 1, 5, 10, 20, 100, 200, 1000]);
  });
  it('draw the backlog from left to right, the highest day at the top', () => {
    const g = backlogGeometry(
      [
        { day: '2026-12-01', open: 10 },
        { day: '2026-12-02', open: 20 },
        { day: '2026-12-03', open: 0 },
      ],
      200,
      100,
    );
    expect(g.top).toBe(20);
    expect(g.points).toEqual([
      { x: 0, y: 50 },
      { x: 100, y: 0 },
      { x: 200, y: 100 },
    ]);
    expect(g.path).toBe('M0.0,50.0 L100.0,0.0 L200.0,100.0');
  });
  it('give each score its share of the ratings', () => {
    expect(csatShares([0, 0, 1, 1, 2])).toEqual([0, 0, 0.25, 0.25, 0.5]);
    expect(csatShares([0, 0, 0, 0, 0])).toEqual([0, 0, 0, 0, 0]);
  });
  it('export the same period as CSV', () => {
    expect(csvUrl('2026-11-04', '2026-12-03', 'tier')).toBe(
      '/api/v1/desk/reports?from=2026-11-04&to=2026-12-03&format=csv&group_by=tier',
    );
  });
});
