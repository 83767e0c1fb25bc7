import { describe, expect, it } from 'vitest';
import { countdownWords, slaView } from '../src/desk/sla';
import type { Sla } from '../src/desk/types';

const sla = (over: Partial<Sla> = {}): Sla => ({
  target: 'first_response',
  state: 'ok',
  warn_at: '2026-12-04T14:00:00Z',
  due_at: '2026-12-04T15:00:00Z',
  ...over,
});

describe('the SLA clock of a row', () => {
  it('is ok before the warning instant, with the seconds left', () => {
    expect(slaView(sla(), new Date('2026-12-04T13:00:00Z'))).toEqual({ state: 'ok', seconds: 7200 });
  });
  it('turns warning at warn_at and breached at due_at, without a new answer from the server', () => {
    expect(slaView(sla(), new Date('2026-12-04T14:00:00Z')).state).toBe('warning');
    expect(slaView(sla(), new Date('2026-12-04T14:59:59Z'))).toEqual({ state: 'warning', seconds: 1 });
    expect(slaView(sla(), new Date('2026-12-04T15:00:00Z'))).toEqual({ state: 'breached', seconds: 0 });
    expect(slaView(sla(), new Date('2026-12-04T15:12:03Z'))).toEqual({ state: 'breached', seconds: -723 });
  });
  it('trusts the router for met and paused (no countdown)', () => {
    expect(slaView(sla({ state: 'met' }), new Date('2026-12-04T16:00:00Z'))).toEqual({ state: 'met', seconds: null });
    expect(slaView(sla({ state: 'paused' }), new Date('2026-12-04T16:00:00Z'))).toEqual({ state: 'paused', seconds: null });
  });
  it('keeps a state the router already says is later than the clock', () => {
    expect(slaView(sla({ state: 'warning' }), new Date('2026-12-04T13:00:00Z')).state).toBe('warning');
    expect(slaView(sla({ state: 'breached' }), new Date('2026-12-04T13:00:00Z')).state).toBe('breached');
  });
  it('has no clock without a target', () => {
    expect(slaView(sla({ target: null, state: null, due_at: null, warn_at: null }), new Date())).toEqual({ state: null, seconds: null });
    expect(slaView(null, new Date())).toEqual({ state: null, seconds: null });
  });
});

describe('the countdown in words', () => {
  it('seconds, minutes with seconds, hours with minutes, days with hours', () => {
    expect(countdownWords(42)).toBe('42 s');
    expect(countdownWords(4 * 60 + 9)).toBe('4 min 09 s');
    expect(countdownWords(2 * 3600 + 5 * 60 + 59)).toBe('2 h 05 min');
    expect(countdownWords(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    expect(countdownWords(2 * 86400)).toBe('2 d');
  });
  it('drops the sign: the sentence says late or left', () => {
    expect(countdownWords(-723)).toBe('12 min 03 s');
  });
});
