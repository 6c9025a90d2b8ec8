/**
 * Batching: N concurrent subscription changes sent naively (a message per change through the same
 * Upbit gates: `NaiveSender`, as in `upstate demo`) and through the pending flush, each side alone
 * on an embedded exchange with Upbit's limits, each run in a fresh process, sides and sizes
 * interleaved round by round.
 *
 * The naive side waits its message gate for real: 5 messages per second and 100 per minute, so
 * 100 changes take about 20 s and 10 000 would take about 100 minutes. Beyond `MEASURED_NAIVE_MAX`
 * the naive side is not run: its wire time is computed by passing N grants through the same gate
 * on a simulated clock, and the table says so.
 */
import { fileURLToPath } from 'node:url';
import { UPBIT_MARGIN_MS } from '../src/rate/index.js';
import { SlidingWindowGate } from '../src/rate/sliding-window.js';
import type { BatchingRun } from './batching-run.js';
import { formatNumber, formatSpread, megabytes, quantile, rotate, runChild, spread } from './harness.js';
import type { OneChangeRun } from './one-change-run.js';
import type { BenchContext, SectionReport, Table } from './report.js';

const RUN_FILE = fileURLToPath(new URL('./batching-run.ts', import.meta.url));
const ONE_CHANGE_FILE = fileURLToPath(new URL('./one-change-run.ts', import.meta.url));
/** Timed and untimed (first) changes per round of the one-change measurement. */
const ONE_CHANGE = { changes: 30, warmUp: 20 };
const SMOKE_ONE_CHANGE = { changes: 2, warmUp: 1 };
const SIZES = [1, 10, 100, 1_000, 10_000];
const SMOKE_SIZES = [1, 1_000];
/** Largest N whose naive side runs for real (about 20 s a run); larger ones are simulated. */
const MEASURED_NAIVE_MAX = 100;
const SMOKE_NAIVE_MAX = 1;

/**
 * Milliseconds until the last of `n` messages passes Upbit's message gate (5/s and 100/min with
 * the 100 ms margin, as `upbitMessageGate()` builds it), all asked for at 0, on a simulated clock.
 */
export function simulatedNaiveWireMs(n: number): number {
  let clock = 0;
  const gate = new SlidingWindowGate({
    windows: [
      { limit: 5, intervalMs: 1_000 + UPBIT_MARGIN_MS },
      { limit: 100, intervalMs: 60_000 + UPBIT_MARGIN_MS },
    ],
    now: () => clock,
  });
  let last = 0;
  for (let sent = 0; sent < n; sent++) {
    while (!gate.tryAcquire()) clock += Math.max(1, gate.delayMs());
    last = clock;
  }
  gate.close();
  return last;
}

/** A run the exchange found over Upbit's limits (or that failed otherwise), before it was run again. */
interface Failure {
  readonly side: 'naive' | 'flush';
  readonly n: number;
  readonly violations: number;
  readonly reason: string;
}

/** Attempts per measurement: a run with a violation is reported and run again, at most this many times in all. */
const ATTEMPTS = 5;

/** One measurement in a fresh process; a failed attempt is kept in `failures` and retried; `undefined` if every attempt failed. */
function measure(side: 'naive' | 'flush', n: number, failures: Failure[], context: BenchContext): BatchingRun | undefined {
  for (let attempt = 1; ; attempt++) {
    const result = runChild<BatchingRun>(RUN_FILE, [side, String(n)], ['--expose-gc']);
    if (result.failed === undefined && result.violations === 0) return result;
    const failure = { side, n, violations: result.violations, reason: result.failed ?? 'limits broken' };
    failures.push(failure);
    context.log(`batching: ${side} at N=${n} failed (${failure.violations} violations: ${failure.reason})`);
    if (attempt === ATTEMPTS) return undefined;
  }
}

interface Runs {
  naive: BatchingRun[];
  flush: BatchingRun[];
  /** Both sides of one round, for per-round ratios. */
  pairs: [naive: BatchingRun, flush: BatchingRun][];
  /** Measurements given up after `ATTEMPTS` failed attempts. */
  lost: number;
}

function lostNote(runs: ReadonlyMap<number, Runs>): string {
  const lost = [...runs].filter(([, entry]) => entry.lost > 0);
  if (lost.length === 0) return '';
  return (
    ` Given up after ${ATTEMPTS} failed attempts (so fewer runs than rounds in their medians): ` +
    lost.map(([n, entry]) => `${entry.lost} at N = ${formatNumber(n)}`).join(', ') +
    '.'
  );
}

export function run(context: BenchContext): SectionReport {
  const sizes = context.smoke ? SMOKE_SIZES : SIZES;
  const naiveMax = context.smoke ? SMOKE_NAIVE_MAX : MEASURED_NAIVE_MAX;
  const runs = new Map<number, Runs>(sizes.map((n) => [n, { naive: [], flush: [], pairs: [], lost: 0 }]));
  const failures: Failure[] = [];
  const oneChange: OneChangeRun[] = [];
  for (let round = 0; round < context.rounds; round++) {
    context.log(`batching: round ${round + 1} of ${context.rounds}`);
    for (const n of rotate(sizes, round)) {
      const sides = n <= naiveMax ? rotate(['flush', 'naive'] as const, round) : (['flush'] as const);
      const entry = runs.get(n)!;
      const both: Partial<Record<'naive' | 'flush', BatchingRun>> = {};
      for (const side of sides) {
        const result = measure(side, n, failures, context);
        if (result === undefined) entry.lost++;
        else entry[side].push((both[side] = result));
      }
      if (both.naive !== undefined && both.flush !== undefined) entry.pairs.push([both.naive, both.flush]);
    }
    const { changes, warmUp } = context.smoke ? SMOKE_ONE_CHANGE : ONE_CHANGE;
    oneChange.push(runChild<OneChangeRun>(ONE_CHANGE_FILE, [String(changes), String(warmUp)]));
  }

  const rows: string[][] = [];
  const ratios: string[][] = [];
  const headline: string[] = [];
  /** Violations in the runs kept (0) and in the attempts that were run again. */
  const violationsOf = (side: 'naive' | 'flush', n: number) => {
    const failed = failures.filter((failure) => failure.side === side && failure.n === n);
    if (failed.length === 0) return '0';
    const count = failed.reduce((sum, failure) => sum + failure.violations, 0);
    return `0 (${count} in ${failed.length} failed run${failed.length === 1 ? '' : 's'}, run again)`;
  };
  for (const n of sizes) {
    const { naive, flush, pairs } = runs.get(n)!;
    const cell = (list: BatchingRun[], pick: (run: BatchingRun) => number, digits = 0) =>
      list.length === 0 ? 'failed' : formatSpread(spread(list.map(pick)), digits);
    const heap = (list: BatchingRun[]) => cell(list, (r) => megabytes(r.peakHeapBytes - r.baseHeapBytes), 1);
    const medianOf = (list: BatchingRun[], pick: (run: BatchingRun) => number) => (list.length === 0 ? Number.NaN : spread(list.map(pick)).median);
    rows.push([
      formatNumber(n),
      'flush',
      cell(flush, (r) => r.messages),
      cell(flush, (r) => r.fullStateMs),
      cell(flush, (r) => r.settledMs),
      heap(flush),
      violationsOf('flush', n),
    ]);
    const simulated = simulatedNaiveWireMs(n);
    if (n <= naiveMax) {
      rows.push([
        formatNumber(n),
        'naive',
        cell(naive, (r) => r.messages),
        cell(naive, (r) => r.fullStateMs),
        cell(naive, (r) => r.settledMs),
        heap(naive),
        violationsOf('naive', n),
      ]);
      // Per-round ratios: both sides of a round ran back to back on the same machine.
      if (pairs.length === 0) {
        ratios.push([formatNumber(n), 'failed', 'failed', 'failed', `${formatNumber(simulated)} ms`]);
        continue;
      }
      const settledRatio = spread(pairs.map(([nv, fl]) => nv.settledMs / Math.max(1, fl.settledMs)));
      const fullRatio = spread(pairs.map(([nv, fl]) => nv.fullStateMs / Math.max(1, fl.fullStateMs)));
      headline.push(
        `Batching, N = ${formatNumber(n)}: naive ÷ flush — messages ${formatNumber(medianOf(naive, (r) => r.messages))} ÷ ` +
          `${formatNumber(medianOf(flush, (r) => r.messages))}, settled ${formatSpread(settledRatio, 2, '×')}, ` +
          `full state ${formatSpread(fullRatio, 2, '×')} (measured, ${pairs.length} rounds)`,
      );
      ratios.push([
        formatNumber(n),
        formatSpread(spread(pairs.map(([nv, fl]) => nv.messages / fl.messages)), 0, '×'),
        formatSpread(fullRatio, 2, '×'),
        formatSpread(settledRatio, 2, '×'),
        `${formatNumber(simulated)} ms`,
      ]);
    } else {
      rows.push([formatNumber(n), 'naive (simulated clock)', formatNumber(n), '—', `${formatNumber(simulated)}`, '—', '0 by construction']);
      headline.push(
        `Batching, N = ${formatNumber(n)}: flush ${formatNumber(medianOf(flush, (r) => r.messages))} message(s), settled in ` +
          `${formatNumber(medianOf(flush, (r) => r.settledMs))} ms; naive would send ${formatNumber(n)} over ` +
          `${formatNumber(simulated / 60_000, 1)} min (simulated clock)`,
      );
      ratios.push([
        formatNumber(n),
        `${formatNumber(n / medianOf(flush, (r) => r.messages))}×`,
        '—',
        `${formatNumber(simulated / medianOf(flush, (r) => r.settledMs), 0)}× (simulated naive)`,
        `${formatNumber(simulated)} ms`,
      ]);
    }
  }

  const steady = oneChangeTable(oneChange);
  headline.push(steady.headline);

  return {
    title: 'Batching: naive sending vs the pending flush',
    headline,
    intro: [
      'N concurrent subscription changes (one `subscribe` each, all in one tick, over at most 100 distinct streams: ' +
        '5 types × 20 markets, as in `upstate demo`). **naive** is `NaiveSender` from src/cli/naive-sender.ts: a task per ' +
        'change that waits the same Upbit gates (5 messages/s and 100/min per connection, 100 ms margin) and then sends the ' +
        'whole desired state; **flush** is a fresh orchestrator with its defaults. Each side runs alone on its own embedded ' +
        'exchange with Upbit\'s limits, in a fresh process (`bench/batching-run.ts`); sizes and sides alternate round by round.',
      '*Full state*: ms until a message gave the exchange every requested stream. *Settled*: ms until the last message ' +
        'arrived. Both are read on the exchange. *Peak heap*: most heap in use above the heap before the side started (the ' +
        'exchange runs in the same process, for both sides). *Violations*: messages the exchange refused, upgrades it ' +
        'refused, connections it closed for rate: a run with any is reported under the table and run again (at most ' +
        `${ATTEMPTS} attempts).`,
    ],
    tables: [
      {
        title: 'Wire messages, time to full state and to settled, peak heap, limit violations',
        header: ['N', 'side', 'messages', 'full state ms', 'settled ms', 'peak heap MB', 'violations'],
        rows,
      },
      {
        title: 'naive ÷ flush (per-round ratios)',
        header: ['N', 'messages', 'full state', 'settled', 'naive wire time, simulated clock'],
        rows: ratios,
      },
      steady.table,
    ],
    notes: [
      failures.length === 0
        ? `No run broke Upbit's limits (${context.rounds} runs per side and N).`
        : `Runs that broke Upbit's limits, reported and then run again: ${failures
            .map((failure) => `${failure.side} at N = ${formatNumber(failure.n)} (${failure.violations}: ${failure.reason})`)
            .join('; ')}. The sender and its exchange share one process, and the exchange stamps a message when its ` +
          'handler runs: on a loaded machine a stall of more than the gates\' 100 ms margin between two messages five apart ' +
          'makes a correct sender look too fast. The kept runs had none.' +
          lostNote(runs),
      `Naive runs for real up to N = ${naiveMax}. Above, running it would take N/5 s at best (N = 10 000: about 100 minutes ` +
        'of wire time), so its row is computed: N grants through the same sliding-window gate on a simulated clock ' +
        '(`simulatedNaiveWireMs` in bench/batching.bench.ts), which the measured rows check (last column). Its messages are N by ' +
        'construction and it cannot break the limits (the gate is what the exchange enforces, with margin); its heap is not measured.',
      steady.note,
      'The naive side reaches the full state with its first message (the first task to pass the gate reads every change made ' +
        'in the same tick), then keeps sending N − 1 redundant messages: what the flush saves is wire messages, rate budget ' +
        '(each naive message takes a slot the next real change then waits for) and the time until the connection is quiet.',
    ],
  };
}

/**
 * One change on an open, idle connection, per round: medians over rounds of each round's p50 and
 * p99, and of the per-round ratio of p50s.
 */
function oneChangeTable(runs: readonly OneChangeRun[]): { table: Table; headline: string; note: string } {
  const over = (pick: (run: OneChangeRun) => number, digits: number) => formatSpread(spread(runs.map(pick)), digits);
  const p50 = (values: readonly number[]) => quantile(values, 0.5);
  const p99 = (values: readonly number[]) => quantile(values, 0.99);
  const ratio = spread(runs.map((run) => p50(run.naiveMs) / p50(run.flushMs)));
  const changes = runs[0]?.flushMs.length ?? 0;
  return {
    table: {
      title: `One change on an open, idle connection (a running service adding one chart): ms from the call to the message on the exchange, ${changes} changes a round`,
      header: ['side', 'p50 ms', 'p99 ms', 'inside the call, p50 ms', 'naive ÷ flush, p50'],
      rows: [
        ['flush', over((run) => p50(run.flushMs), 2), over((run) => p99(run.flushMs), 2), over((run) => p50(run.flushSyncMs), 2), formatSpread(ratio, 2, '×')],
        ['naive', over((run) => p50(run.naiveMs), 2), over((run) => p99(run.naiveMs), 2), '—', ''],
      ],
    },
    headline:
      `Batching, one change on an open idle connection: flush ${over((run) => p50(run.flushMs), 2)} ms, naive ` +
      `${over((run) => p50(run.naiveMs), 2)} ms to the wire (p50; naive ÷ flush ${formatSpread(ratio, 2, '×')})`,
    note:
      'One change on an open, idle connection (`bench/one-change-run.ts`): both sides hold a socket streaming one trade and ' +
      'ask for one more ticker; limits are off and the gates always have room, so what is timed is the path from the call ' +
      'to the wire. The flush takes the leading edge (no debounce), and what it costs beyond the naive sender is the work ' +
      'of three statecharts (orchestrator → connection → flush: a macrostep each, the gate and send actors invoked), the ' +
      'registry and the router: most of it runs inside the `subscribe()` call itself (third column). That is the price of ' +
      'one change; from the second change in a burst on, the flush sends nothing more while the naive sender pays a message ' +
      'and a rate slot each.',
  };
}
