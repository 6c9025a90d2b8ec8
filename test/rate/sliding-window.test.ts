import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OptionError, UpstateError } from '../../src/errors.js';
import { SlidingWindowGate, type RateWindow } from '../../src/rate/sliding-window.js';
import { grantTimes, track, type Outcome } from './helpers.js';
import { busiestWindow } from '../support/upbit-limits.js';

const perSecond = (limit: number) => new SlidingWindowGate({ windows: [{ limit, intervalMs: 1_000 }] });

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SlidingWindowGate', () => {
  it('grants up to the limit at once, then makes the next caller wait for the oldest grant to age out', async () => {
    const gate = perSecond(2);
    expect(gate.tryAcquire()).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(gate.tryAcquire()).toBe(true);
    expect(gate.tryAcquire()).toBe(false);
    expect(gate.delayMs()).toBe(700);

    const third = track(gate);
    await vi.advanceTimersByTimeAsync(699);
    expect(third.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third.grantedAt).toBe(1_000);
    expect(gate.stats()).toMatchObject({ granted: 3, waited: 1, waiting: 0 });
  });

  it('serves waiters first come, first served and keeps late callers from jumping the queue', async () => {
    const gate = perSecond(1);
    const order: string[] = [];
    await gate.acquire();
    const waiters = ['a', 'b', 'c'].map((name) => gate.acquire().then(() => order.push(name)));
    expect(gate.tryAcquire()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual(['a']);
    // A slot is free for an instant only if nobody waits; here `b` is queued, so no barging.
    expect(gate.tryAcquire()).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('gives a slot that frees up to the waiter, not to a caller who comes at that very instant', async () => {
    const gate = perSecond(1);
    gate.tryAcquire();
    // Registered before the gate's own timer, so it runs first at 1 000 ms, when the slot is free.
    let barged: boolean | undefined;
    let latecomer: Outcome | undefined;
    setTimeout(() => {
      barged = gate.tryAcquire();
      latecomer = track(gate);
    }, 1_000);
    const waiter = track(gate);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(barged).toBe(false);
    expect(waiter.grantedAt).toBe(1_000);
    expect(latecomer?.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(latecomer?.grantedAt).toBe(2_000);
  });

  it('keeps a single timer however many callers wait', async () => {
    const gate = perSecond(1);
    gate.tryAcquire();
    for (let i = 0; i < 10; i += 1) track(gate);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(vi.getTimerCount()).toBe(1);
    expect(gate.stats().waiting).toBe(7);
    gate.close();
  });

  it('delayMs() counts the callers already waiting', () => {
    const gate = perSecond(2);
    gate.tryAcquire();
    gate.tryAcquire();
    expect(gate.delayMs()).toBe(1_000);
    track(gate);
    track(gate);
    // Both waiters take the two slots freed at 1 000 ms; the next caller gets one at 2 000 ms.
    expect(gate.delayMs()).toBe(2_000);
    gate.close();
  });

  it('delayMs() is 0 when a grant is free', () => {
    expect(perSecond(1).delayMs()).toBe(0);
  });

  describe('abort', () => {
    it('rejects with ERR_ABORTED, removes the waiter and leaves its slot to the next one', async () => {
      const gate = perSecond(1);
      await gate.acquire();
      const controller = new AbortController();
      const aborted = track(gate, controller.signal);
      const next = track(gate);
      await vi.advanceTimersByTimeAsync(500);
      controller.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(aborted.error).toBeInstanceOf(UpstateError);
      expect((aborted.error as UpstateError).code).toBe('ERR_ABORTED');
      expect(gate.stats().waiting).toBe(1);

      await vi.advanceTimersByTimeAsync(500);
      expect(next.grantedAt).toBe(1_000);
      expect(aborted.grantedAt).toBeUndefined();
      // The aborted caller took nothing: two grants in all.
      expect(gate.stats()).toMatchObject({ granted: 2, waiting: 0 });
    });

    it('removing a waiter from the middle keeps the head on its timer', async () => {
      const gate = perSecond(1);
      gate.tryAcquire();
      const controller = new AbortController();
      const head = track(gate);
      const middle = track(gate, controller.signal);
      const tail = track(gate);
      controller.abort();
      await vi.advanceTimersByTimeAsync(2_000);
      expect(head.grantedAt).toBe(1_000);
      expect(middle.error).toMatchObject({ code: 'ERR_ABORTED' });
      expect(tail.grantedAt).toBe(2_000);
    });

    it('rejects at once, without waiting or taking a grant, when the signal is already aborted', async () => {
      const gate = perSecond(1);
      await expect(gate.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(gate.stats()).toMatchObject({ granted: 0, waiting: 0 });
      expect(gate.tryAcquire()).toBe(true);
    });

    it('ignores an abort after the grant', async () => {
      const gate = perSecond(1);
      const controller = new AbortController();
      await gate.acquire(controller.signal);
      controller.abort();
      expect(gate.stats()).toMatchObject({ granted: 1, waiting: 0 });
      expect(gate.tryAcquire()).toBe(false);
    });
  });

  it('never lets 9 frames into one rolling second with a limit of 5 (what a bucket of 5 would allow)', async () => {
    const gate = perSecond(5);
    // A token bucket, idle and full, passes 5 at once and then refills one every 200 ms,
    // so 9 frames fit between 900 ms and 1 700 ms. The sliding window makes the last four wait.
    await vi.advanceTimersByTimeAsync(900);
    const outcomes = Array.from({ length: 9 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(2_000);
    const times = grantTimes(outcomes);
    expect(times).toEqual([900, 900, 900, 900, 900, 1_900, 1_900, 1_900, 1_900]);
    expect(busiestWindow(times, 1_000)).toBe(5);
  });

  it('enforces every window: 2 per 100 ms and 3 per second', async () => {
    const gate = new SlidingWindowGate({
      windows: [
        { limit: 2, intervalMs: 100 },
        { limit: 3, intervalMs: 1_000 },
      ],
    });
    const outcomes = Array.from({ length: 6 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(grantTimes(outcomes)).toEqual([0, 0, 100, 1_000, 1_000, 1_100]);
  });

  it('reports headroom per window', async () => {
    const gate = new SlidingWindowGate({
      windows: [
        { limit: 2, intervalMs: 1_000 },
        { limit: 10, intervalMs: 60_000 },
      ],
    });
    expect(gate.stats().headroom).toEqual([2, 10]);
    gate.tryAcquire();
    gate.tryAcquire();
    expect(gate.stats().headroom).toEqual([0, 8]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gate.stats().headroom).toEqual([2, 8]);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(gate.stats().headroom).toEqual([2, 10]);
  });

  describe('close()', () => {
    it('rejects every waiter with ERR_ABORTED and clears the timer', async () => {
      const gate = perSecond(1);
      gate.tryAcquire();
      const waiters = [track(gate), track(gate)];
      expect(vi.getTimerCount()).toBe(1);
      gate.close();
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0);
      for (const waiter of waiters) expect(waiter.error).toMatchObject({ code: 'ERR_ABORTED' });
      expect(gate.stats().waiting).toBe(0);
    });

    it('is idempotent and refuses later use', async () => {
      const gate = perSecond(1);
      gate.close();
      gate.close();
      expect(gate.tryAcquire()).toBe(false);
      await expect(gate.acquire()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('options', () => {
    const rejected: [string, unknown, string][] = [
      ['no windows', { windows: [] }, 'windows'],
      ['windows not an array', { windows: { limit: 1, intervalMs: 1 } }, 'windows'],
      ['a window that is not an object', { windows: [5] }, 'windows[0]'],
      ['a zero limit', { windows: [{ limit: 0, intervalMs: 1_000 }] }, 'windows[0].limit'],
      ['a negative limit', { windows: [{ limit: -1, intervalMs: 1_000 }] }, 'windows[0].limit'],
      ['a fractional limit', { windows: [{ limit: 1.5, intervalMs: 1_000 }] }, 'windows[0].limit'],
      ['a NaN limit', { windows: [{ limit: Number.NaN, intervalMs: 1_000 }] }, 'windows[0].limit'],
      ['a limit too large to log', { windows: [{ limit: 1e9, intervalMs: 1_000 }] }, 'windows[0].limit'],
      ['a zero interval', { windows: [{ limit: 1, intervalMs: 0 }] }, 'windows[0].intervalMs'],
      ['an infinite interval', { windows: [{ limit: 1, intervalMs: Infinity }] }, 'windows[0].intervalMs'],
      ['a string interval', { windows: [{ limit: 1, intervalMs: '1000' }] }, 'windows[0].intervalMs'],
      [
        'a bad second window',
        {
          windows: [
            { limit: 1, intervalMs: 1 },
            { limit: 2, intervalMs: -5 },
          ],
        },
        'windows[1].intervalMs',
      ],
      ['a clock that is not a function', { windows: [{ limit: 1, intervalMs: 1 }], now: 5 }, 'now'],
    ];

    it.each(rejected)('rejects %s with an OptionError naming the option', (_, options, option) => {
      let error: unknown;
      try {
        new SlidingWindowGate(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OptionError);
      expect(error).toMatchObject({ code: 'ERR_OPTION', option });
      expect((error as Error).message).toContain(`\`${option}\``);
    });

    it('uses an injected clock', () => {
      let now = 0;
      const gate = new SlidingWindowGate({ windows: [{ limit: 1, intervalMs: 10 }], now: () => now });
      expect(gate.tryAcquire()).toBe(true);
      now = 9;
      expect(gate.tryAcquire()).toBe(false);
      expect(gate.delayMs()).toBe(1);
      now = 10;
      expect(gate.tryAcquire()).toBe(true);
    });
  });

  describe('properties', () => {
    const windowsArb = fc.array(
      fc.record({ limit: fc.integer({ min: 1, max: 6 }), intervalMs: fc.integer({ min: 1, max: 2_000 }) }),
      { minLength: 1, maxLength: 3 },
    );
    const requestTimesArb = fc
      .array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 40 })
      .map((times) => [...times].sort((a, b) => a - b));

    /** Fires `acquire` at each request time (relative to now) and runs the clock until all settle. */
    async function run(
      gate: SlidingWindowGate,
      requests: readonly { at: number; abortAfter?: number | null }[],
    ): Promise<{ start: number; outcomes: Outcome[]; grantOrder: number[] }> {
      const start = performance.now();
      const outcomes: Outcome[] = requests.map(() => ({}));
      const grantOrder: number[] = [];
      requests.forEach(({ at, abortAfter }, index) => {
        setTimeout(() => {
          const controller = new AbortController();
          outcomes[index] = track(gate, controller.signal, () => grantOrder.push(index));
          if (abortAfter != null) setTimeout(() => controller.abort(), abortAfter);
        }, at);
      });
      await vi.runAllTimersAsync();
      return { start, outcomes, grantOrder };
    }

    /** The schedule a strict FIFO sliding-window gate must produce: each grant as early as every window allows. */
    function expectedGrantTimes(windows: readonly RateWindow[], requestTimes: readonly number[]): number[] {
      const grants: number[] = [];
      for (const requested of requestTimes) {
        let at = Math.max(requested, grants.at(-1) ?? 0);
        for (const { limit, intervalMs } of windows) {
          const nth = grants[grants.length - limit];
          if (nth !== undefined) at = Math.max(at, nth + intervalMs);
        }
        grants.push(at);
      }
      return grants;
    }

    it('never grants more than `limit` in any rolling window, serves FIFO, and wastes no slot', async () => {
      await fc.assert(
        fc.asyncProperty(windowsArb, requestTimesArb, async (windows, requestTimes) => {
          const gate = new SlidingWindowGate({ windows });
          const { start, outcomes, grantOrder } = await run(
            gate,
            requestTimes.map((at) => ({ at })),
          );
          expect(grantOrder).toEqual(requestTimes.map((_, index) => index));
          const times = outcomes.map((outcome) => (outcome.grantedAt ?? Number.NaN) - start);
          for (const { limit, intervalMs } of windows) {
            expect(busiestWindow(times, intervalMs)).toBeLessThanOrEqual(limit);
          }
          expect(times).toEqual(expectedGrantTimes(windows, requestTimes));
          gate.close();
        }),
        { numRuns: 150 },
      );
    });

    it('with random aborts: aborted callers are never granted, everyone else is, in order, within every window', async () => {
      const requestsArb = fc
        .array(
          fc.record({
            at: fc.integer({ min: 0, max: 3_000 }),
            abortAfter: fc.option(fc.integer({ min: 0, max: 2_000 }), { freq: 3 }),
          }),
          { maxLength: 40 },
        )
        .map((requests) => [...requests].sort((a, b) => a.at - b.at));
      await fc.assert(
        fc.asyncProperty(windowsArb, requestsArb, async (windows, requests) => {
          const gate = new SlidingWindowGate({ windows });
          const { outcomes, grantOrder } = await run(gate, requests);
          outcomes.forEach((outcome, index) => {
            // Every caller either got a grant or was aborted, never both.
            expect(outcome.grantedAt === undefined).toBe(outcome.error !== undefined);
            if (outcome.error !== undefined) {
              expect(requests[index]!.abortAfter).not.toBeNull();
              expect(outcome.error).toMatchObject({ code: 'ERR_ABORTED' });
            }
          });
          const times = grantTimes(outcomes);
          // Granted callers were served in arrival order.
          expect(grantOrder).toEqual([...grantOrder].sort((a, b) => a - b));
          expect(times).toEqual([...times].sort((a, b) => a - b));
          for (const { limit, intervalMs } of windows) {
            expect(busiestWindow(times, intervalMs)).toBeLessThanOrEqual(limit);
          }
          expect(gate.stats()).toMatchObject({ granted: times.length, waiting: 0 });
          gate.close();
        }),
        { numRuns: 150 },
      );
    });
  });
});
