/**
 * One fleet client in a child process of its own (forked by the fleet tests with tsx). Reads its
 * setup from UPSTATE_FLEET_CLIENT (JSON), starts its client on the parent's `go`, and reports to the parent over  IPC:
 * `loaded`, then `settled` / `unsettled`, `error`, `gateway` (a standby took over), and every 100 ms
 * the count of messages seen per `type code`, realtime trades seen twice, and stale frames dropped.
 */
import { createFleetClient } from '../../src/fleet/index.js';
// A type only: the child process does not load processes.ts.
import type { ClientSetup } from './processes.js';

const setup = JSON.parse(process.env.UPSTATE_FLEET_CLIENT ?? '{}') as ClientSetup;
const send = (message: unknown): void => {
  // The parent may be gone (a test that ended): a failed send is no error of the client's.
  if (process.connected) process.send?.(message, undefined, {}, () => {});
};

// Loaded: the client starts when the parent says go, so many processes can start in the same instant.
await new Promise<void>((resolve) => {
  process.on('message', (message: { t?: string }) => {
    if (message.t === 'go') resolve();
  });
  send({ t: 'loaded' });
});
const client = createFleetClient({
  gateway: { servers: setup.nats, ...(setup.user ? { user: setup.user, pass: setup.pass ?? '' } : {}) },
  ...(setup.leaseMs ? { leaseMs: setup.leaseMs } : {}),
  ...(setup.renewMs ? { renewMs: setup.renewMs } : {}),
  ...(setup.privateStreams ? { privateStreams: true } : {}),
});
const seen: Record<string, number> = {};
/** Realtime trades by id: one arriving twice (from two gateways) is a duplicate. */
const trades = new Set<string>();
let duplicates = 0;
client.on('error', (error) => send({ t: 'error', code: error.code, message: error.message }));
client.on('gateway', (change) => send({ t: 'gateway', change }));
client.register('process', setup.specs, (message) => {
  const key = `${message.type} ${'code' in message ? message.code : ''}`;
  seen[key] = (seen[key] ?? 0) + 1;
  if (message.type === 'trade' && message.stream_type === 'REALTIME') {
    const id = `${message.code} ${message.sequential_id}`;
    if (trades.has(id)) duplicates++;
    trades.add(id);
  }
});
const report = setInterval(() => send({ t: 'seen', seen, duplicates, stale: client.stats().fleet.staleFrames }), 100);
client.settled().then(
  () => send({ t: 'settled', at: Date.now() }),
  (error: { code?: string; message?: string }) => send({ t: 'unsettled', code: error.code, message: error.message }),
);
process.on('disconnect', () => {
  clearInterval(report);
  void client.close().then(() => process.exit(0));
});
