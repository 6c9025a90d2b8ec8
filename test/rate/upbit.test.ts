import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { sharedConnectGate, UPBIT_MARGIN_MS, upbitConnectGate, upbitMessageGate } from '../../src/rate/upbit.js';
import { grantTimes, track } from './helpers.js';
import { busiestWindow } from '../support/upbit-limits.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('upbitConnectGate', () => {
  it('allows 5 connection requests per rolling second, plus the latency margin, by default', async () => {
    expect(UPBIT_MARGIN_MS).toBe(100);
    const gate = upbitConnectGate();
    const outcomes = Array.from({ length: 12 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(grantTimes(outcomes)).toEqual([0, 0, 0, 0, 0, 1_100, 1_100, 1_100, 1_100, 1_100, 2_200, 2_200]);
  });

  it('takes a different limit and margin', async () => {
    const gate = upbitConnectGate(2, 0);
    const outcomes = Array.from({ length: 3 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(grantTimes(outcomes)).toEqual([0, 0, 1_000]);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => upbitConnectGate(0)).toThrow(OptionError);
    expect(() => upbitConnectGate(2.5)).toThrow(OptionError);
  });
});

describe('upbitMessageGate', () => {
  it('allows 5 messages per second and no more than 100 in any rolling minute (margin 0)', async () => {
    const gate = upbitMessageGate({ marginMs: 0 });
    const outcomes = Array.from({ length: 110 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(61_000);
    expect(gate.stats().headroom).toEqual([0, 0]);
    const times = grantTimes(outcomes);
    expect(times).toHaveLength(110);
    // 100 messages go out at 5 a second over 20 seconds…
    expect(times[99]).toBe(19_000);
    // …then the minute window holds the rest until the first second's messages are a minute old.
    expect(times.slice(100, 105)).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
    expect(times.slice(105)).toEqual([61_000, 61_000, 61_000, 61_000, 61_000]);
    expect(busiestWindow(times, 1_000)).toBe(5);
    expect(busiestWindow(times, 60_000)).toBe(100);
  });

  it('keeps the margin between the fifth-previous send and the next, in both windows, by default', async () => {
    const gate = upbitMessageGate();
    const outcomes = Array.from({ length: 110 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(62_000);
    const times = grantTimes(outcomes);
    expect(times).toHaveLength(110);
    expect(times[99]).toBe(19 * 1_100);
    expect(times.slice(100, 105)).toEqual([60_100, 60_100, 60_100, 60_100, 60_100]);
    expect(times.slice(105)).toEqual([61_200, 61_200, 61_200, 61_200, 61_200]);
    expect(busiestWindow(times, 1_000 + UPBIT_MARGIN_MS - 1)).toBe(5);
    expect(busiestWindow(times, 60_000 + UPBIT_MARGIN_MS - 1)).toBe(100);
  });

  it('takes other limits', async () => {
    const gate = upbitMessageGate({ perSecond: 2, perMinute: 3, marginMs: 0 });
    const outcomes = Array.from({ length: 4 }, () => track(gate));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(grantTimes(outcomes)).toEqual([0, 0, 1_000, 60_000]);
  });

  it('rejects a bad limit with an OptionError', () => {
    expect(() => upbitMessageGate({ perMinute: -1 })).toThrow(OptionError);
  });
});

describe('sharedConnectGate', () => {
  it('hands every caller asking for the same limit the same gate', () => {
    expect(sharedConnectGate(3)).toBe(sharedConnectGate(3));
    expect(sharedConnectGate(4)).not.toBe(sharedConnectGate(3));
  });

  it('enforces the limit across its users and cannot be closed by one of them', () => {
    const a = sharedConnectGate(2);
    const b = sharedConnectGate(2);
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(a.tryAcquire()).toBe(false);
    expect(b.stats().granted).toBe(2);
    expect('close' in a).toBe(false);
  });

  it('is the same gate for a second copy of this module (the other build of the package)', async () => {
    vi.resetModules();
    const copy = await import('../../src/rate/upbit.js');
    expect(copy.sharedConnectGate).not.toBe(sharedConnectGate);
    expect(copy.sharedConnectGate(7)).toBe(sharedConnectGate(7));
  });

  it('rejects a bad limit and remembers nothing', () => {
    expect(() => sharedConnectGate(-2)).toThrow(OptionError);
    expect(() => sharedConnectGate(-2)).toThrow(OptionError);
  });
});
