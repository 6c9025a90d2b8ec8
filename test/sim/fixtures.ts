/** Exchanges for the tests: manual ticks by default, every one closed after its test. */
import type { ExchangeEvents, ExchangeHandle } from '../../src/sim/index.js';
import { startTestExchange } from '../support/test-exchange.js';

/** Starts an exchange with `tickMs: 0` (ticks only through `handle.tick()`) unless told otherwise; closed after the test. */
export const exchange = startTestExchange;

export const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;
export const BOB = { accessKey: 'bob-access', secretKey: 'bob-secret' } as const;

/** Resolves with the next event of that name. */
export async function nextEvent<E extends keyof ExchangeEvents>(
  handle: ExchangeHandle,
  event: E,
): Promise<Parameters<ExchangeEvents[E]>[0]> {
  const [first] = await eventsOf(handle, event, 1);
  return first as Parameters<ExchangeEvents[E]>[0];
}

/** Resolves with the next `count` events of that name, in order. */
export function eventsOf<E extends keyof ExchangeEvents>(
  handle: ExchangeHandle,
  event: E,
  count: number,
): Promise<Parameters<ExchangeEvents[E]>[0][]> {
  const seen: Parameters<ExchangeEvents[E]>[0][] = [];
  return new Promise((resolve) => {
    const listener = (value: Parameters<ExchangeEvents[E]>[0]): void => {
      seen.push(value);
      if (seen.length < count) return;
      handle.off(event, listener as never);
      resolve(seen);
    };
    handle.on(event, listener as never);
  });
}

/**
 * Resolves once the exchange has recorded `count` client messages in total (counted, not read
 * from `handle.requests`, which keeps only the most recent ones).
 */
export function requestsRecorded(handle: ExchangeHandle, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (handle.counters.messagesReceived < count) return;
      handle.off('request', check);
      resolve();
    };
    handle.on('request', check);
    check();
  });
}
