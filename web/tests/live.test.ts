import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

class FakeEventSource {
  static all: FakeEventSource[] = [];
  closed = false;
  handlers: Record<string, (ev: { data: string }) => void> = {};
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, h: (ev: { data: string }) => void) {
    this.handlers[type] = h;
  }
  close() {
    this.closed = true;
  }
  emit(data: string) {
    this.handlers.ticket?.({ data });
  }
}

describe('the live stream', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.useFakeTimers();
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('opens only when signed in and a page listens, and passes ticket events on', async () => {
    const live = await import('../src/live');
    const seen: number[] = [];
    const stop = live.onTicketEvent((e) => seen.push(e.number));
    expect(FakeEventSource.all).toHaveLength(0);
    live.startLive();
    expect(FakeEventSource.all).toHaveLength(1);
    expect(FakeEventSource.all[0].url).toBe('/api/v1/events');
    FakeEventSource.all[0].emit('{"number": 7, "kind": "message"}');
    FakeEventSource.all[0].emit('not json');
    expect(seen).toEqual([7]);
    stop();
  });

  it('keeps the stream across a page change, closes it after the last page leaves', async () => {
    const live = await import('../src/live');
    live.startLive();
    const stopList = live.onTicketEvent(() => {});
    stopList();
    const stopTicket = live.onTicketEvent(() => {});
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.all).toHaveLength(1);
    expect(FakeEventSource.all[0].closed).toBe(false);
    stopTicket();
    vi.advanceTimersByTime(3_000);
    expect(FakeEventSource.all[0].closed).toBe(true);
  });

  it('closes at once on sign-out', async () => {
    const live = await import('../src/live');
    live.startLive();
    live.onTicketEvent(() => {});
    live.stopLive();
    expect(FakeEventSource.all[0].closed).toBe(true);
  });
});
