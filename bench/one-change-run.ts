/**
 * One change on an open, idle connection — a running service adding one chart — naive vs flush,
 * interleaved in one process: `node one-change-run.ts <changes> <warm-up>` prints a `OneChangeRun` as JSON.
 *
 * Both sides hold an open socket to their own embedded exchange and stream one trade; each change
 * asks for one more ticker and is timed from the call until its message arrives on the exchange.
 * The flush side then takes the ticker back and waits until the connection is idle again (it is
 * the leading edge that is measured, never a debounce). Limits are off here and the gates always
 * have room: what is measured is the path from a change to the wire, not the rate budget.
 */
import { fileURLToPath } from 'node:url';
import { NaiveSender } from '../src/cli/naive-sender.js';
import { createOrchestrator } from '../src/orchestrator.js';
import { SlidingWindowGate } from '../src/rate/index.js';
import { DEFAULT_MARKETS, startExchange, type ExchangeHandle } from '../src/sim/index.js';

export interface OneChangeRun {
  /** Milliseconds from `change()` to the message's arrival, per change. */
  readonly naiveMs: number[];
  /** Milliseconds from `subscribe()` to the message's arrival, per change. */
  readonly flushMs: number[];
  /** Milliseconds spent inside `subscribe()` itself (the registry and the three charts), per change. */
  readonly flushSyncMs: number[];
}

const CODES = DEFAULT_MARKETS.slice(1, 7);

/** A gate that never makes anyone wait in this run, with the gates' own code path. */
function roomyGate(): SlidingWindowGate {
  return new SlidingWindowGate({ windows: [{ limit: 10_000, intervalMs: 1_000 }] });
}

function nextArrival(exchange: ExchangeHandle): Promise<number> {
  return new Promise((resolve) => exchange.once('request', () => resolve(performance.now())));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `warmUp` untimed changes per side come first: a service pays the first run of its code once,
 * not per change.
 */
export async function runOneChange(changes: number, warmUp: number): Promise<OneChangeRun> {
  const naiveExchange = await startExchange({ seed: 1, limits: false });
  const flushExchange = await startExchange({ seed: 1, limits: false });
  const gates = [roomyGate(), roomyGate(), roomyGate(), roomyGate()] as const;
  const naive = new NaiveSender(naiveExchange.url, { connect: gates[0], message: gates[1] });
  const flushGate = gates[3];
  const upbit = createOrchestrator({
    endpoints: { public: flushExchange.url, private: flushExchange.privateUrl },
    connectGate: gates[2],
    messageGate: () => flushGate,
  });
  const result: OneChangeRun = { naiveMs: [], flushMs: [], flushSyncMs: [] };
  try {
    await naive.change('trade', DEFAULT_MARKETS[0]!);
    upbit.subscribe({ type: 'trade', codes: [DEFAULT_MARKETS[0]!] }, ignore);
    await upbit.settled();
    for (let i = 0; i < warmUp + changes; i++) {
      const code = CODES[i % CODES.length]!;
      const timed = i >= warmUp;

      let arrival = nextArrival(naiveExchange);
      let startedAt = performance.now();
      void naive.change('ticker', code);
      const naiveMs = (await arrival) - startedAt;

      // Idle again: the cooling after the last send is over, so the next change takes the leading edge.
      await untilIdle(upbit);
      arrival = nextArrival(flushExchange);
      startedAt = performance.now();
      const subscription = upbit.subscribe({ type: 'ticker', codes: [code] }, ignore);
      const syncMs = performance.now() - startedAt;
      const flushMs = (await arrival) - startedAt;
      await upbit.settled();
      subscription.unsubscribe();
      await upbit.settled();
      if (timed) {
        result.naiveMs.push(naiveMs);
        result.flushMs.push(flushMs);
        result.flushSyncMs.push(syncMs);
      }
    }
    return result;
  } finally {
    await upbit.close();
    await naive.close();
    for (const gate of gates) gate.close();
    await naiveExchange.close();
    await flushExchange.close();
  }
}

/** Waits until the public connection's flush is idle (past `cooling`). */
async function untilIdle(upbit: ReturnType<typeof createOrchestrator>): Promise<void> {
  while (upbit.stats().connections.public.flush !== 'idle') await pause(1);
}

function ignore(): void {}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [changes, warmUp] = [Number(process.argv[2]), Number(process.argv[3])];
  if (!Number.isInteger(changes) || changes < 1 || !Number.isInteger(warmUp) || warmUp < 0) {
    throw new Error(`one-change-run: expected <changes> <warm-up changes>, got ${process.argv.slice(2).join(' ')}`);
  }
  process.stdout.write(`${JSON.stringify(await runOneChange(changes, warmUp))}\n`);
}
