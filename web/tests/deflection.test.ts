import { describe, expect, it } from 'vitest';
import { DeflectionTracker, type DeflectionEvent } from '../src/deflection';

function tracker() {
  const sent: { event: DeflectionEvent; leaving: boolean }[] = [];
  let n = 0;
  const t = new DeflectionTracker((event, leaving) => sent.push({ event, leaving }), () => `ref-${++n}`);
  return { t, sent };
}

describe('deflection', () => {
  it('counts each article opened once, and lists them for the ticket', () => {
    const { t, sent } = tracker();
    t.open('a');
    t.open('b');
    t.open('a');
    expect(sent.map((s) => `${s.event.outcome} ${s.event.article_id}`)).toEqual(['opened a', 'opened b']);
    expect(t.openedIds).toEqual(['b', 'a']);
    expect(new Set(sent.map((s) => s.event.client_ref)).size).toBe(2);
  });

  it('leaving after opening counts one deflection, with keepalive, for the last article', () => {
    const { t, sent } = tracker();
    t.open('a');
    t.open('b');
    t.leave();
    t.leave();
    const deflected = sent.filter((s) => s.event.outcome === 'deflected');
    expect(deflected).toHaveLength(1);
    expect(deflected[0].event.article_id).toBe('b');
    expect(deflected[0].leaving).toBe(true);
  });

  it('leaving without opening anything counts nothing', () => {
    const { t, sent } = tracker();
    t.leave();
    expect(sent).toEqual([]);
  });

  it('sending the ticket is not a deflection', () => {
    const { t, sent } = tracker();
    t.open('a');
    t.sent();
    t.leave();
    expect(sent.map((s) => s.event.outcome)).toEqual(['opened']);
  });

  it('"Isso resolveu" counts a deflection once, and leaving after it adds nothing', () => {
    const { t, sent } = tracker();
    t.open('a');
    t.solved('a');
    t.leave();
    expect(sent.map((s) => `${s.event.outcome} ${s.event.article_id} ${s.leaving}`)).toEqual([
      'opened a false',
      'deflected a false',
    ]);
  });
});
