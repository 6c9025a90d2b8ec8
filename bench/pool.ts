/**
 * Settle time and messages for 10 000 codes subscribed at once: one connection (its limit, and
 * past it) against the pool, on the embedded exchange on 127.0.0.1. Runnable alone:
 * `npx tsx bench/pool.ts`. To run it from `npm run bench`, export `run` from a `bench/pool.bench.ts`
 * (`export { run } from './pool.js'`) or list it in bench/index.ts.
 */
import { pathToFileURL } from 'node:url';
import { createOrchestrator } from '../src/orchestrator.js';
import type { OrchestratorOptions } from '../src/options.js';
import { upbitConnectGate } from '../src/rate/index.js';
import { startExchange } from '../src/sim/index.js';
import { formatNumber, printTable } from './harness.js';

const CODES = 10_000;

interface Row {
  readonly name: string;
  readonly codes: number;
  readonly options: OrchestratorOptions;
}

async function measure({ name, codes, options }: Row): Promise<string[]> {
  const markets = Array.from({ length: codes }, (_, i) => `KRW-P${i}`);
  const exchange = await startExchange({ tickMs: 0, markets });
  // The exchange runs in this process and delays handshakes while it streams snapshots: a wider
  // margin than the default 100 ms keeps the connect gate ahead of it (see docs/pool.md).
  const connectGate = upbitConnectGate(5, 500);
  const upbit = createOrchestrator({ endpoints: { public: exchange.url }, connectGate, ...options });
  const seen = new Set<string>();
  const specs = Array.from({ length: Math.ceil(codes / 1_000) }, (_, i) => ({
    type: 'ticker' as const,
    codes: markets.slice(i * 1_000, (i + 1) * 1_000),
  }));
  const started = performance.now();
  let outcome = 'settled';
  try {
    upbit.register('bench', specs, (message) => seen.add(message.code));
    await upbit.settled({ signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    outcome = (error as { code?: string }).code ?? String(error);
  }
  const ms = performance.now() - started;
  const stats = upbit.stats();
  const row = [
    name,
    formatNumber(codes),
    outcome,
    formatNumber(ms),
    formatNumber(stats.connectionsOpened),
    formatNumber(stats.messagesSent),
    formatNumber(seen.size),
    formatNumber(exchange.counters.connectionsRefused),
  ];
  await upbit.close();
  connectGate.close();
  await exchange.close();
  return row;
}

export async function run(): Promise<void> {
  const rows: Row[] = [
    { name: 'one connection, 10 000 codes', codes: CODES, options: { pool: { codesPerConnection: CODES, publicConnections: 1 } } },
    { name: "one connection at the exchange's limit", codes: 4_096, options: { pool: { codesPerConnection: 4_096, publicConnections: 1 } } },
    { name: 'pool, 500 codes × 20 connections', codes: CODES, options: { pool: { codesPerConnection: 500, publicConnections: 20 } } },
    { name: 'pool, 1 000 codes × 10 connections', codes: CODES, options: { pool: { codesPerConnection: 1_000, publicConnections: 10 } } },
  ];
  const results: string[][] = [];
  for (const row of rows) results.push(await measure(row));
  printTable(
    `${formatNumber(CODES)} ticker codes subscribed at once (settle = settled() resolved or rejected)`,
    ['setup', 'codes', 'outcome', 'settle ms', 'connections', 'messages', 'codes streaming', '429s'],
    results,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
