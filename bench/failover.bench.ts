/**
 * Takeover time of a standby gateway after kill -9 of the active one.
 *
 *   npx tsx bench/failover.bench.ts [--kills 5]      (also part of `npm run bench`)
 *
 * A nats-server with JetStream (spawned here, its store in a temp folder), the embedded exchange,
 * two `upstate gateway` processes (the default 3 s lease, 0.5 s standby poll) and one fleet client
 * in this process wanting tickers and trades of 5 markets. Each round kills the active gateway
 * with SIGKILL, measures until the client's first frame from the new one (its `gateway` event),
 * then starts a fresh standby. Prints median, min and max. Needs `nats-server` on PATH.
 */
import type { ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createFleetClient, type GatewayChange } from '../src/fleet/index.js';
import { startExchange } from '../src/sim/index.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { isPresent, NATS_SERVER } from '../test/support/outside-binaries.js';
import { gatewayRole, killWith, startGatewayProcess } from '../test/fleet/processes.js';
import { median } from './harness.js';

const CODES = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE'];

export interface TakeoverFigures {
  /** kill -9 → the client's first frame from the new active gateway, per kill (ms). */
  readonly takeoverMs: readonly number[];
  /** The gap the client itself saw (last frame before → first after), per kill (ms). */
  readonly gapMs: readonly number[];
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function measureTakeover(kills: number): Promise<TakeoverFigures> {
  const nats = await startNatsServer('', { jetstream: true });
  const exchange = await startExchange({ seed: 7 });
  const gateways: ChildProcess[] = [];
  const launch = async (): Promise<ChildProcess> => {
    const g = await startGatewayProcess(['--nats', nats.url, '--endpoint', exchange.url, '--private-endpoint', exchange.privateUrl], {});
    gateways.push(g);
    await until('a gateway elected', () => gatewayRole(g) === 'active' || gatewayRole(g) === 'standby');
    return g;
  };
  const client = createFleetClient({ gateway: nats.url });
  const changes: { at: number; change: GatewayChange }[] = [];
  client.on('gateway', (change) => changes.push({ at: Date.now(), change }));
  client.subscribe({ type: 'ticker', codes: CODES }, () => {});
  client.subscribe({ type: 'trade', codes: CODES }, () => {});
  const takeoverMs: number[] = [];
  const gapMs: number[] = [];
  try {
    await launch();
    await launch();
    await client.settled();
    for (let i = 0; i < kills; i++) {
      const active = gateways.find((g) => g.exitCode === null && g.signalCode === null && gatewayRole(g) === 'active');
      if (active === undefined) throw new Error('no active gateway');
      // Kill at a random point of the lease's renewal cycle, as a crash would.
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 1_000));
      const seen = changes.length;
      const killedAt = Date.now();
      await killWith(active, 'SIGKILL');
      await until('the client hears the new gateway', () => changes.length > seen);
      takeoverMs.push(changes[seen]!.at - killedAt);
      gapMs.push(changes[seen]!.change.gapMs);
      console.log(`  kill ${i + 1}: takeover ${takeoverMs.at(-1)} ms, client gap ${gapMs.at(-1)} ms`);
      await launch();
    }
  } finally {
    await client.close();
    await Promise.all(gateways.map((g) => killWith(g, 'SIGTERM')));
    await exchange.close();
    await nats.close();
  }
  return { takeoverMs, gapMs };
}

function summary(values: readonly number[]): string {
  return `${Math.round(median(values))} (${Math.min(...values)}–${Math.max(...values)})`;
}

export async function run(): Promise<void> {
  if (!isPresent(NATS_SERVER)) {
    console.log('Failover takeover: skipped, nats-server is not installed (apt-get install nats-server)');
    return;
  }
  const at = process.argv.indexOf('--kills');
  const kills = Math.max(5, Number(at >= 0 ? process.argv[at + 1] : 5) || 5);
  console.log(`Failover takeover — ${kills} × kill -9 of the active gateway (lease 3 s, standby poll 0.5 s), Node ${process.version}`);
  const figures = await measureTakeover(kills);
  console.log('| kills | kill -9 → first frame from the new gateway (ms), median (min–max) | gap a client saw (ms), median (min–max) |');
  console.log('|---|---|---|');
  console.log(`| ${kills} | ${summary(figures.takeoverMs)} | ${summary(figures.gapMs)} |`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
