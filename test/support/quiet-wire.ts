/**
 * Many fake minutes of an orchestrator against the embedded exchange: fake time steps on only
 * once the wire is quiet (nothing being sent, everything sent received), so every message reaches
 * the exchange at the fake instant it was sent and the exchange's rate windows see true times.
 */
import type { Orchestrator } from '../../src/orchestrator.js';
import type { OrchestratorOptions } from '../../src/options.js';
import type { ExchangeHandle } from '../../src/sim/index.js';
import { subscribeRequests } from './exchange-requests.js';
import { advanceStepwise, useFakeClock } from './fake-clock.js';
import { startTestExchange, orchestratorFor } from './test-exchange.js';
import { waitUntil } from './wait.js';

/** Upbit's pacing (a 100 ms debounce, a 5 s linger) and no heartbeat traffic to interleave with the changes under test. */
export const UPBIT_PACE: OrchestratorOptions = {
  debounceMs: 100,
  lingerMs: 5_000,
  heartbeat: { intervalMs: 600_000, timeoutMs: 10_000 },
};

/**
 * Fakes the clock (`useFakeClock`; the test undoes it with `vi.useRealTimers()`), then starts an
 * exchange and an orchestrator on it, `options` on top of `UPBIT_PACE`.
 */
export async function startOnFakeTime(options: OrchestratorOptions = {}): Promise<{ exchange: ExchangeHandle; upbit: Orchestrator }> {
  useFakeClock();
  const exchange = await startTestExchange();
  const upbit = orchestratorFor(exchange, { ...UPBIT_PACE, ...options });
  return { exchange, upbit };
}

/**
 * Resolves once no connection's flush is sending and the exchange has received every message
 * `upbit` sent; with `orRefused`, also once the exchange has refused a request (the caller then
 * fails on it rather than waiting out the timeout).
 */
export function untilWireQuiet(upbit: Orchestrator, exchange: ExchangeHandle, options: { orRefused?: boolean } = {}): Promise<void> {
  const refused = (): boolean => options.orRefused === true && exchange.requests.some((record) => !record.result.ok);
  return waitUntil(
    () =>
      refused() ||
      (Object.values(upbit.stats().connections).every((connection) => connection.flush !== 'sending') &&
        subscribeRequests(exchange).length === upbit.stats().messagesSent),
    [
      [upbit, 'state'],
      [upbit, 'flush'],
      [exchange, 'request'],
    ],
    'the exchange to have every message sent',
  );
}

/** Steps fake time a second at a time (waiting for `quiet` after each timer) until `upbit.settled()` resolves or `maxSeconds` have passed; whether it resolved. */
export async function settlesOnFakeTime(upbit: Orchestrator, quiet: () => Promise<void>, maxSeconds: number): Promise<boolean> {
  let settled = false;
  void upbit.settled().then(() => {
    settled = true;
  });
  for (let second = 0; !settled && second < maxSeconds; second++) await advanceStepwise(1_000, quiet);
  return settled;
}
