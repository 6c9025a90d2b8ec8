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
import { formatNumber } from './harness.js';
import type { BenchContext, SectionReport } from './report.js';

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

export async function run(context?: BenchContext): Promise<SectionReport> {
  const codes = context?.smoke ? 200 : CODES;
  const rows: Row[] = [
    { name: 'one connection, all codes', codes, options: { pool: { codesPerConnection: codes, publicConnections: 1 } } },
    { name: "one connection at the exchange's limit", codes: Math.min(codes, 4_096), options: { pool: { codesPerConnection: 4_096, publicConnections: 1 } } },
    { name: 'pool, 500 codes per connection', codes, options: { pool: { codesPerConnection: 500, publicConnections: 20 } } },
    { name: 'pool, 1 000 codes per connection', codes, options: { pool: { codesPerConnection: 1_000, publicConnections: 10 } } },
  ];
  const results: string[][] = [];
  for (const row of rows) {
    context?.log(`pool: ${row.name}`);
    results.push(await measure(row));
  }
  const table = {
    title: `${formatNumber(codes)} ticker codes subscribed at once (settle = settled() resolved or rejected; one run each)`,
    header: ['setup', 'codes', 'outcome', 'settle ms', 'connections', 'messages', 'codes streaming', '429s'],
    rows: results,
  };
  if (context === undefined) console.log(`\n${table.title}\n${[table.header, ...table.rows].map((r) => r.join('  ')).join('\n')}`);
  return {
    title: 'Connection pool',
    intro: [
      'One connection against the pool for a demand larger than one request can carry: settle time, connections, messages and codes streaming, on the embedded exchange (which refuses a request of more than 4 096 codes). Connections open five per second through the connect gate.',
    ],
    tables: [table],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
