/**
 * Checks that what reached the exchange kept within Upbit's limits: the rolling-window count the
 * rate tests and the network tests both assert on, and the exchange's own refusals.
 */
import { expect } from 'vitest';
import type { ExchangeHandle } from '../../src/sim/index.js';

/** The largest number of `times` that fall into one rolling interval `(t - intervalMs, t]`, as Upbit counts. */
export function busiestWindow(times: readonly number[], intervalMs: number): number {
  let busiest = 0;
  for (const end of times) {
    const inWindow = times.filter((at) => at > end - intervalMs && at <= end).length;
    busiest = Math.max(busiest, inWindow);
  }
  return busiest;
}

/** The exchange refused no connection, closed none for its rate, sent no error and rejected no request. */
export function expectWithinLimits(exchange: ExchangeHandle): void {
  expect(exchange.counters.connectionsRefused).toBe(0);
  expect(exchange.counters.closedForRate).toBe(0);
  expect(exchange.counters.errorsSent).toBe(0);
  expect(exchange.requests.filter((record) => !record.result.ok)).toEqual([]);
}
