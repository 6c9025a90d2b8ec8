/**
 * One memory run, in a process of its own started with --expose-gc:
 *
 * - `memory-run.ts churn <changes>`: an orchestrator on an embedded exchange (Upbit's limits, no
 *   market ticks) takes `changes` subscribe/unsubscribe changes, a thousand per turn of the event
 *   loop, around `LIVE` live subscriptions;
 * - `memory-run.ts soak <ms> <warm-up ms>`: the same churn, slower, with market data flowing and
 *   a fault every few seconds (drop, half-open, refused upgrades, an undecodable frame, restart).
 *
 * The exchange runs in a process of its own (`exchange-process.ts`): the heap and handles are the
 * orchestrator's alone, and the exchange's clock is not held up by the churn. Prints a `MemoryRun`
 * as JSON. Heap figures are read after a full GC, except the peak, which is the most heap in use
 * seen between batches.
 */
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { createOrchestrator, type Subscription } from '../src/orchestrator.js';
import type { DataType } from '../src/protocol/upbit/types.js';
import { upbitConnectGate } from '../src/rate/index.js';
import { DEFAULT_MARKETS, type ExchangeOptions } from '../src/sim/index.js';
import { type Channel, forkBench } from './child.js';
import type { ExchangeProcessInfo, ExchangeReport, FaultName } from './exchange-process.js';
import { prng } from './harness.js';

const EXCHANGE_FILE = fileURLToPath(new URL('./exchange-process.ts', import.meta.url));

export interface Sample {
  readonly heapBytes: number;
  readonly handles: number;
}

export interface MemoryRun {
  readonly changes: number;
  readonly ms: number;
  /** After warm-up, after a full GC: the baseline. */
  readonly start: Sample;
  /** Most heap in use and most handles seen while running (no GC forced). */
  readonly peak: Sample;
  /** After the last change and `settled()`, after a full GC. */
  readonly end: Sample;
  /** Soak only: a sample after a full GC every `SOAK_SAMPLE_MS`. */
  readonly samples: readonly Sample[];
  readonly messagesSent: number;
  readonly reconnects: number;
  readonly deliveries: number;
  readonly errors: number;
  /** Messages the exchange refused and connections it closed for rate. */
  readonly violations: number;
  readonly faults: number;
}

/** Subscriptions alive at any time, around which the churn turns. */
const LIVE = 1_000;
const BATCH = 1_000;
const WARM_UP_CHANGES = 20_000;
const TYPES: readonly DataType[] = ['ticker', 'trade', 'orderbook'];
/** Codes the exchange trades, and as many it does not (accepted, never streamed), so the desired state keeps changing. */
const CODES = [...DEFAULT_MARKETS, ...Array.from({ length: 180 }, (_, i) => `KRW-Q${i}`)];
const SOAK_CHANGES_PER_SECOND = 200;
const SOAK_FAULT_EVERY_MS = 5_000;
const SOAK_SAMPLE_MS = 10_000;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('memory-run needs node --expose-gc');
  collect();
  collect();
};

const handles = (): number => process.getActiveResourcesInfo().length;
const sampleNow = (): Sample => ({ heapBytes: getHeapStatistics().used_heap_size, handles: handles() });
const settledSample = (): Sample => {
  gc();
  return sampleNow();
};
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An exchange process for one run; closed (and its report read) at the end. */
interface RemoteExchange {
  readonly channel: Channel;
  readonly info: ExchangeProcessInfo;
}

async function withExchange(options: ExchangeOptions, work: (exchange: RemoteExchange) => Promise<MemoryRun>): Promise<MemoryRun> {
  const channel = forkBench(EXCHANGE_FILE, [JSON.stringify(options)]);
  try {
    const info = await channel.next<ExchangeProcessInfo>('ready');
    const result = await work({ channel, info });
    channel.send({ report: true });
    const report = await channel.next<ExchangeReport>('report');
    return { ...result, violations: report.violations };
  } finally {
    if (channel.child.connected) channel.send({ exit: true });
    await channel.exited();
  }
}

async function withOrchestrator(
  exchange: RemoteExchange,
  work: (churn: Churn) => Promise<Omit<MemoryRun, 'messagesSent' | 'reconnects' | 'deliveries' | 'errors' | 'violations'>>,
): Promise<MemoryRun> {
  const connectGate = upbitConnectGate();
  const upbit = createOrchestrator({ endpoints: { public: exchange.info.url, private: exchange.info.privateUrl }, connectGate });
  let errors = 0;
  upbit.on('error', () => errors++);
  try {
    const result = await work(new Churn(upbit));
    const stats = upbit.stats();
    return { ...result, messagesSent: stats.messagesSent, reconnects: stats.reconnects, deliveries: stats.deliveries, errors, violations: 0 };
  } finally {
    await upbit.close();
    connectGate.close();
  }
}

/** Subscribes and unsubscribes at random around `LIVE` live subscriptions. */
class Churn {
  readonly #live: Subscription[] = [];
  readonly #random = prng(13);
  changes = 0;

  constructor(readonly upbit: ReturnType<typeof createOrchestrator>) {}

  change(): void {
    this.changes++;
    if (this.#live.length < LIVE && (this.#live.length === 0 || this.#random() < 0.5 + (LIVE - this.#live.length) / LIVE)) {
      const type = TYPES[Math.floor(this.#random() * TYPES.length)]!;
      const code = CODES[Math.floor(this.#random() * CODES.length)]!;
      this.#live.push(this.upbit.subscribe({ type, codes: [code] }, ignore));
      return;
    }
    const index = Math.floor(this.#random() * this.#live.length);
    this.#live[index]!.unsubscribe();
    this.#live[index] = this.#live[this.#live.length - 1]!;
    this.#live.pop();
  }
}

export function churnRun(changes: number): Promise<MemoryRun> {
  return withExchange({ tickMs: 0, keepRequests: 0 }, (exchange) =>
    withOrchestrator(exchange, async (churn) => {
      // Warm up as the run goes on: a batch per turn, so the charts see as many events as they will
      // (changes of one tick reach them as one), and their code is compiled before the baseline.
      for (let done = 0; done < WARM_UP_CHANGES; done += BATCH) {
        for (let i = 0; i < BATCH; i++) churn.change();
        await nextTurn();
      }
      await churn.upbit.settled();
      const start = settledSample();
      churn.changes = 0;
      let peak = start;
      const startedAt = performance.now();
      while (churn.changes < changes) {
        const batch = Math.min(BATCH, changes - churn.changes);
        for (let i = 0; i < batch; i++) churn.change();
        const now = sampleNow();
        peak = { heapBytes: Math.max(peak.heapBytes, now.heapBytes), handles: Math.max(peak.handles, now.handles) };
        await nextTurn();
      }
      await churn.upbit.settled();
      const ms = performance.now() - startedAt;
      return { changes: churn.changes, ms, start, peak, end: settledSample(), samples: [], faults: 0 };
    }),
  );
}

/** Faults in turn, each one the orchestrator must recover from on its own; a half-open spell lasts 3 s. */
const FAULTS: readonly FaultName[][] = [['drop'], ['silence'], ['drop', 'refuseUpgrades'], ['malformed'], ['restart']];
const SILENCE_MS = 3_000;

export function soakRun(durationMs: number, warmUpMs: number): Promise<MemoryRun> {
  return withExchange({ tickMs: 100, keepRequests: 0 }, (exchange) =>
    withOrchestrator(exchange, async (churn) => {
      const startedAt = performance.now();
      const elapsed = () => performance.now() - startedAt;
      let faults = 0;
      let nextFault = SOAK_FAULT_EVERY_MS;
      let nextSample = warmUpMs;
      const samples: Sample[] = [];
      let peak: Sample = sampleNow();
      const perTick = Math.max(1, Math.round(SOAK_CHANGES_PER_SECOND / 10));
      while (elapsed() < durationMs) {
        for (let i = 0; i < perTick; i++) churn.change();
        if (elapsed() >= nextFault) {
          const fault = FAULTS[faults % FAULTS.length]!;
          for (const name of fault) exchange.channel.send({ fault: name });
          if (fault.includes('silence')) setTimeout(() => exchange.channel.send({ fault: 'resume' }), SILENCE_MS);
          faults++;
          nextFault += SOAK_FAULT_EVERY_MS;
        }
        if (elapsed() >= nextSample) {
          samples.push(settledSample());
          nextSample += Math.min(SOAK_SAMPLE_MS, Math.max(500, durationMs / 20));
        }
        const now = sampleNow();
        peak = { heapBytes: Math.max(peak.heapBytes, now.heapBytes), handles: Math.max(peak.handles, now.handles) };
        await sleep(100);
      }
      // Faults over: let the links heal and the last changes go out before the final sample.
      await sleep(SILENCE_MS);
      await churn.upbit.settled();
      const end = settledSample();
      const start = samples[0] ?? end;
      return { changes: churn.changes, ms: elapsed(), start, peak, end, samples, faults };
    }),
  );
}

function ignore(): void {}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2);
  const result = mode === 'soak' ? await soakRun(Number(a), Number(b)) : await churnRun(Number(a));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
