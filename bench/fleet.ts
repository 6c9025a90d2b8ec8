/**
 * Fleet mode vs direct connections, on the embedded exchange with Upbit's limits.
 *
 *   npx tsx bench/fleet.ts [--k 1,10,50] [--runs 5] [--seconds 3]
 *
 * For K clients with overlapping demand (each wants 3 tickers of 10 markets), starting in the same
 * instant: direct = K orchestrators, each with a connection gate of its own as K processes would
 * have; fleet = one gateway (in this process) and K fleet clients, each with a NATS connection of
 * its own, through a nats-server spawned here. Every figure is the median of `--runs` runs, with
 * min and max. Needs `nats-server` on PATH (apt-get install nats-server).
 *
 * Exports `run()` (the shape bench/index.ts calls) and `measureFleet()` / `fleetTable()`, so a
 * report writer can put the table into docs/benchmarks.md.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createFleetClient, startGateway, streamSubject, type FleetClient } from '../src/fleet/index.js';
import { resolvePrefixes } from '../src/fleet/subjects.js';
import { createOrchestrator, type Orchestrator } from '../src/orchestrator.js';
import type { UpbitMessage } from '../src/protocol/upbit/types.js';
import { upbitConnectGate } from '../src/rate/index.js';
import { startExchange } from '../src/sim/index.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { isPresent, NATS_SERVER } from '../test/support/outside-binaries.js';
import { median, quantile } from './harness.js';

const MARKETS = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA', 'KRW-TRX', 'KRW-LINK', 'KRW-DOT', 'KRW-AVAX'];
/** A run waits at most this long for every client's first value. */
const FIRST_VALUE_LIMIT_MS = 30_000;

export interface RunFigures {
  /** Upbit connections accepted. */
  readonly connections: number;
  /** Client messages the exchange received (subscription requests, pings). */
  readonly messages: number;
  /** Connection attempts (accepted + refused). */
  readonly attempts: number;
  readonly refused429: number;
  /** Until every client had its first value (ms); Infinity if not within the limit. */
  readonly firstValueMs: number;
  /** Median over clients of messages per second in the measuring window. */
  readonly framesPerSecond: number;
  /** Gateway receipt → client handler, ms (fleet only). */
  readonly hopP50: number | undefined;
  readonly hopP99: number | undefined;
}

type Mode = 'direct' | 'fleet';

function demandOf(i: number): string[] {
  return [0, 1, 2].map((j) => MARKETS[(i + j * 3) % MARKETS.length]!);
}

async function runOnce(mode: Mode, k: number, seconds: number, natsUrl: string | undefined): Promise<RunFigures> {
  const exchange = await startExchange({ seed: 7 });
  let refused429 = 0;
  exchange.on('refused', (event) => {
    if (event.status === 429) refused429++;
  });
  const counts = new Array<number>(k).fill(0);
  const firstAt = new Array<number>(k).fill(Number.NaN);
  const hops: number[] = [];
  const published = new Map<string, number>();
  const prefixes = resolvePrefixes();
  const gateway =
    mode === 'fleet'
      ? await startGateway({
          nats: natsUrl!,
          orchestrator: { endpoints: { public: exchange.url, private: exchange.privateUrl } },
          onPublish: (subject, message) => published.set(`${subject}|${message.stream_type}|${message.timestamp}`, performance.now()),
        })
      : undefined;
  const start = performance.now();
  const handler = (i: number) => (message: UpbitMessage) => {
    const now = performance.now();
    counts[i]!++;
    if (Number.isNaN(firstAt[i]!)) firstAt[i] = now - start;
    if (gateway !== undefined && message.type === 'ticker') {
      const sent = published.get(`${streamSubject(prefixes, 'ticker', message.code)}|${message.stream_type}|${message.timestamp}`);
      if (sent !== undefined) hops.push(now - sent);
    }
  };
  const clients: (Orchestrator | FleetClient)[] = [];
  for (let i = 0; i < k; i++) {
    const client =
      mode === 'fleet'
        ? createFleetClient({ gateway: natsUrl! })
        : createOrchestrator({ endpoints: { public: exchange.url, private: exchange.privateUrl }, connectGate: upbitConnectGate() });
    client.subscribe({ type: 'ticker', codes: demandOf(i) }, handler(i));
    clients.push(client);
  }
  const deadline = start + FIRST_VALUE_LIMIT_MS;
  while (counts.some((c) => c === 0) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const firstValueMs = counts.every((c) => c > 0) ? Math.max(...firstAt) : Number.POSITIVE_INFINITY;
  counts.fill(0);
  hops.length = 0;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const framesPerSecond = median(counts.map((c) => c / seconds));
  const figures: RunFigures = {
    connections: exchange.counters.connectionsAccepted,
    messages: exchange.counters.messagesReceived,
    attempts: exchange.counters.connectionsAccepted + exchange.counters.connectionsRefused,
    refused429,
    firstValueMs,
    framesPerSecond,
    hopP50: hops.length > 0 ? quantile(hops, 0.5) : undefined,
    hopP99: hops.length > 0 ? quantile(hops, 0.99) : undefined,
  };
  await Promise.all(clients.map((c) => c.close()));
  await gateway?.close();
  await exchange.close();
  return figures;
}

export interface FleetResult {
  readonly k: number;
  readonly mode: Mode;
  readonly runs: readonly RunFigures[];
}

export async function measureFleet(options: { ks?: readonly number[]; runs?: number; seconds?: number } = {}): Promise<FleetResult[]> {
  const { ks = [1, 10, 50], runs = 5, seconds = 3 } = options;
  if (!isPresent(NATS_SERVER)) throw new Error('bench/fleet.ts needs nats-server on PATH: apt-get install nats-server');
  const nats = await startNatsServer();
  const results: FleetResult[] = [];
  try {
    for (const k of ks) {
      for (const mode of ['direct', 'fleet'] as const) {
        const figures: RunFigures[] = [];
        for (let r = 0; r < runs; r++) figures.push(await runOnce(mode, k, seconds, nats.url));
        results.push({ k, mode, runs: figures });
        process.stderr.write(`  fleet bench: K=${k} ${mode} done\n`);
      }
    }
  } finally {
    await nats.close();
  }
  return results;
}

function spread(values: readonly (number | undefined)[], digits: number): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return '—';
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '∞');
  const m = median(known);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return lo === hi ? f(m) : `${f(m)} (${f(lo)}–${f(hi)})`;
}

/** The results as a markdown table: median (min–max) of each figure. */
export function fleetTable(results: readonly FleetResult[]): string {
  const header = ['K', 'mode', 'Upbit connections', 'Upbit messages', 'connection attempts', '429s', 'all have a first value (ms)', 'frames/s per client', 'NATS hop p50 (ms)', 'NATS hop p99 (ms)'];
  const rows = results.map(({ k, mode, runs }) => [
    String(k),
    mode,
    spread(runs.map((r) => r.connections), 0),
    spread(runs.map((r) => r.messages), 0),
    spread(runs.map((r) => r.attempts), 0),
    spread(runs.map((r) => r.refused429), 0),
    spread(runs.map((r) => r.firstValueMs), 0),
    spread(runs.map((r) => r.framesPerSecond), 1),
    spread(runs.map((r) => r.hopP50), 2),
    spread(runs.map((r) => r.hopP99), 2),
  ]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** What bench/index.ts calls. */
export async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const ks = flag('--k')?.split(',').map(Number) ?? [1, 10, 50];
  const runs = Number(flag('--runs') ?? 5);
  const seconds = Number(flag('--seconds') ?? 3);
  console.log(`Fleet vs direct — ${runs} runs each, ${seconds} s measured, embedded exchange with Upbit's limits, Node ${process.version}`);
  console.log(fleetTable(await measureFleet({ ks, runs, seconds })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
