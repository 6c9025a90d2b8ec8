/**
 * The benchmarks' way in to test/support/nats-server.ts (bench/fleet.ts and
 * bench/failover.bench.ts import this path); tests import test/support/nats-server.js directly.
 */
import { isPresent, NATS_SERVER } from '../support/outside-binaries.js';

export { freePort, startNatsServer, type NatsServer } from '../support/nats-server.js';

/** Whether nats-server can be run here. */
export function hasNatsServer(): boolean {
  return isPresent(NATS_SERVER);
}
