import { describe, expect, it } from 'vitest';
import { GrantLog } from '../../src/rate/grant-log.js';

describe('GrantLog', () => {
  it('returns the n-th most recent grant, undefined beyond what it holds', () => {
    const log = new GrantLog(3);
    expect(log.recent(1)).toBeUndefined();
    log.record(10);
    log.record(20);
    expect(log.recent(1)).toBe(20);
    expect(log.recent(2)).toBe(10);
    expect(log.recent(3)).toBeUndefined();
    expect(log.recent(0)).toBeUndefined();
  });

  it('keeps only the newest `capacity` grants once the ring wraps', () => {
    const log = new GrantLog(3);
    for (const at of [1, 2, 3, 4, 5]) log.record(at);
    expect([log.recent(1), log.recent(2), log.recent(3), log.recent(4)]).toEqual([5, 4, 3, undefined]);
  });

  it('counts grants strictly after a threshold', () => {
    const log = new GrantLog(4);
    for (const at of [100, 200, 300, 400, 500]) log.record(at);
    expect(log.countAfter(250)).toBe(3);
    expect(log.countAfter(300)).toBe(2);
    expect(log.countAfter(0)).toBe(4);
    expect(log.countAfter(500)).toBe(0);
  });
});
