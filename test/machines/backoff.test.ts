import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_ATTEMPT } from '../../machines/connection.machine.js';

const OPTIONS = { initialMs: 500, maxMs: 30_000 };
/** The largest draw `Math.random` can return. */
const ALMOST_ONE = 1 - Number.EPSILON / 2;
const draw = (value: number) => () => value;

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt from initialMs, the first attempt waiting at most initialMs', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 0, OPTIONS, draw(ALMOST_ONE)));
    expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps the ceiling at maxMs, up to the attempt cap and beyond', () => {
    for (const attempt of [7, 10, MAX_ATTEMPT, 1_100]) {
      expect(backoffDelay(attempt, 0, OPTIONS, draw(ALMOST_ONE))).toBe(30_000);
    }
  });

  it('treats attempt 0 like attempt 1', () => {
    expect(backoffDelay(0, 0, OPTIONS, draw(ALMOST_ONE))).toBe(500);
  });

  it('draws with full jitter: a draw of 0 waits nothing, a draw of ½ half the ceiling', () => {
    expect(backoffDelay(3, 0, OPTIONS, draw(0))).toBe(0);
    expect(backoffDelay(3, 0, OPTIONS, draw(0.5))).toBe(1_000);
    expect(backoffDelay(10, 0, OPTIONS, draw(0.25))).toBe(7_500);
  });

  it('never waits less than the penalty a 429 or 418 imposed, even above the cap', () => {
    expect(backoffDelay(1, 10_000, OPTIONS, draw(ALMOST_ONE))).toBe(10_000);
    expect(backoffDelay(10, 60_000, OPTIONS, draw(ALMOST_ONE))).toBe(60_000);
    expect(backoffDelay(10, 10_000, OPTIONS, draw(0.5))).toBe(15_000);
  });

  it('stays within [penalty, max(penalty, ceiling)] and is a whole number of milliseconds, for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, penaltyMs, initialMs, extraMs, random) => {
          const maxMs = initialMs + extraMs;
          const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
          const delay = backoffDelay(attempt, penaltyMs, { initialMs, maxMs }, draw(random));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(penaltyMs);
          expect(delay).toBeLessThanOrEqual(Math.max(penaltyMs, ceiling));
        },
      ),
    );
  });

  it('draws once per call, from the injected source only', () => {
    let draws = 0;
    const counting = () => {
      draws += 1;
      return 0.5;
    };
    backoffDelay(2, 0, OPTIONS, counting);
    expect(draws).toBe(1);
  });
});
