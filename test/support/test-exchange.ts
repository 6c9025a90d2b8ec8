/**
 * The embedded exchange on 127.0.0.1 (port 0) and orchestrators pointed at it, each closed after
 * the test that made it, so no test leaves a socket or a timer behind.
 */
import { afterEach } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import type { OrchestratorOptions } from '../../src/options.js';
import { upbitConnectGate } from '../../src/rate/index.js';
import type { SlidingWindowGate } from '../../src/rate/index.js';
import { startExchange } from '../../src/sim/index.js';
import type { ExchangeHandle, ExchangeOptions } from '../../src/sim/index.js';

const exchanges = new Set<ExchangeHandle>();
const orchestrators = new Set<Orchestrator>();
const gates = new Set<SlidingWindowGate>();

afterEach(async () => {
  // Clients first, so the exchange sees them leave; then the exchanges.
  await Promise.all([...orchestrators].map((orchestrator) => orchestrator.close()));
  orchestrators.clear();
  for (const gate of gates) gate.close();
  gates.clear();
  await Promise.all([...exchanges].map((exchange) => exchange.close()));
  exchanges.clear();
});

/** An exchange on 127.0.0.1, port 0, with manual market ticks (`tick()`) unless told otherwise. */
export async function startTestExchange(options: ExchangeOptions = {}): Promise<ExchangeHandle> {
  const exchange = await startExchange({ tickMs: 0, ...options });
  exchanges.add(exchange);
  return exchange;
}

/**
 * Quick defaults for tests on the real clock: a short debounce, linger and backoff, a fixed
 * jitter, and a connection gate of its own (the process-wide one would carry over between tests).
 */
export const FAST: OrchestratorOptions = {
  debounceMs: 5,
  lingerMs: 30,
  backoff: { initialMs: 5, maxMs: 50 },
  random: () => 0.5,
};

/** An orchestrator pointed at `exchange`, closed after the test. `options` go on top of `FAST`. */
export function orchestratorFor(exchange: ExchangeHandle, options: OrchestratorOptions = {}): Orchestrator {
  const connectGate = upbitConnectGate();
  gates.add(connectGate);
  const orchestrator = createOrchestrator({
    ...FAST,
    connectGate,
    ...options,
    endpoints: { public: exchange.url, private: exchange.privateUrl, ...options.endpoints },
  });
  orchestrators.add(orchestrator);
  return orchestrator;
}

/** `gate`, closed after the test (a gate's refill timer would outlive it). */
export function closedAfterTest(gate: SlidingWindowGate): SlidingWindowGate {
  gates.add(gate);
  return gate;
}
