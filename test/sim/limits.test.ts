import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedWindows, SlidingWindow, WindowSet } from '../../src/sim/limits.js';

describe('SlidingWindow', () => {
  it('admits `limit` events in a window and the next one only a full window after the oldest', () => {
    const window = new SlidingWindow(5, 1_000);
    for (const at of [0, 100, 200, 300, 400]) expect(window.tryAdmit(at)).toBe(true);
    expect(window.tryAdmit(999)).toBe(false);
    expect(window.tryAdmit(1_000)).toBe(true);
    expect(window.tryAdmit(1_099)).toBe(false);
    expect(window.tryAdmit(1_100)).toBe(true);
  });

  it('leaves the window untouched when it refuses', () => {
    const window = new SlidingWindow(1, 1_000);
    expect(window.tryAdmit(0)).toBe(true);
    expect(window.tryAdmit(500)).toBe(false);
    expect(window.tryAdmit(1_000)).toBe(true);
  });

  it('never admits more than `limit` events into any rolling window (unlike a burst bucket)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }),
        (limit, windowMs, gaps) => {
          const window = new SlidingWindow(limit, windowMs);
          const admitted: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            if (window.tryAdmit(now)) admitted.push(now);
          }
          for (const [index, start] of admitted.entries()) {
            const inWindow = admitted.slice(index).filter((at) => at < start + windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
          // And it is not stricter than it must be: a refusal means the window was full.
          now = 0;
          const replay = new SlidingWindow(limit, windowMs);
          const times: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const recent = times.filter((at) => at > now - windowMs).length;
            expect(replay.tryAdmit(now)).toBe(recent < limit);
            if (recent < limit) times.push(now);
          }
        },
      ),
    );
  });

  it('knows when nothing admitted is left inside the window', () => {
    const window = new SlidingWindow(2, 1_000);
    expect(window.isIdle(0)).toBe(true);
    window.tryAdmit(0);
    window.tryAdmit(500);
    expect(window.isIdle(1_499)).toBe(false);
    expect(window.isIdle(1_500)).toBe(true);
  });
});

describe('WindowSet', () => {
  it('admits only when every window admits, and records in all of them or none', () => {
    const perSecond = new SlidingWindow(5, 1_000);
    const perMinute = new SlidingWindow(7, 60_000);
    const set = new WindowSet([perSecond, perMinute]);
    for (let i = 0; i < 5; i++) expect(set.tryAdmit(0)).toBeUndefined();
    expect(set.tryAdmit(10)).toBe(perSecond);
    // The refused event did not use up the per-minute window.
    expect(set.tryAdmit(1_000)).toBeUndefined();
    expect(set.tryAdmit(1_000)).toBeUndefined();
    expect(set.tryAdmit(1_000)).toBe(perMinute);
  });
});

describe('KeyedWindows', () => {
  it('keeps one window per key', () => {
    const windows = new KeyedWindows(1, 1_000);
    expect(windows.allows('a', 0)).toBe(true);
    windows.record('a', 0);
    expect(windows.allows('a', 999)).toBe(false);
    expect(windows.allows('b', 999)).toBe(true);
    expect(windows.allows('a', 1_000)).toBe(true);
  });

  it('forgets idle keys once it holds many, without forgetting busy ones', () => {
    const windows = new KeyedWindows(1, 1_000);
    // Keys still inside their window are kept even past the sweep threshold…
    for (let i = 0; i < 1_100; i++) windows.record(`key-${i}`, 0);
    expect(windows.size).toBe(1_100);
    // …and swept once idle.
    windows.record('busy', 4_900);
    expect(windows.size).toBe(1);
    expect(windows.allows('busy', 5_500)).toBe(false);
  });
});
