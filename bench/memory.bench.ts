/**
 * Memory: heap and handles at the start, peak and end of a million subscribe/unsubscribe changes,
 * and (with `--soak`) of a ten-minute churn with faults. Each run is a fresh process
 * (`memory-run.ts`) with the exchange in another (`exchange-process.ts`).
 */
import { fileURLToPath } from 'node:url';
import { formatNumber, megabytes, runChild, spread } from './harness.js';
import type { MemoryRun, Sample } from './memory-run.js';
import type { BenchContext, SectionReport, Table } from './report.js';

const RUN_FILE = fileURLToPath(new URL('./memory-run.ts', import.meta.url));
const CHANGES = 1_000_000;
const SMOKE_CHANGES = 5_000;
const SOAK_MS = 10 * 60_000;
const SOAK_WARM_UP_MS = 60_000;
const SMOKE_SOAK_MS = 4_000;
const SMOKE_SOAK_WARM_UP_MS = 1_000;
/** Flat: the end within this fraction of the post-warm-up baseline. */
const FLAT = 0.05;

const heap = (sample: Sample) => formatNumber(megabytes(sample.heapBytes), 2);
const drift = (from: Sample, to: Sample) => to.heapBytes / from.heapBytes - 1;
const percent = (fraction: number) => `${fraction >= 0 ? '+' : '−'}${formatNumber(Math.abs(fraction) * 100, 1)}%`;

function rowsOf(name: string, run: MemoryRun): string[][] {
  const endDrift = drift(run.start, run.end);
  return [
    [name, 'start (after warm-up, GC)', heap(run.start), String(run.start.handles), ''],
    [name, 'peak (no GC forced)', heap(run.peak), String(run.peak.handles), percent(drift(run.start, run.peak))],
    [name, 'end (settled, GC)', heap(run.end), String(run.end.handles), `${percent(endDrift)} ${Math.abs(endDrift) <= FLAT ? 'flat' : 'NOT flat'}`],
  ];
}

function activity(name: string, run: MemoryRun): string[] {
  return [
    name,
    formatNumber(run.changes),
    formatNumber(run.ms / 1000, 1),
    formatNumber(run.changes / (run.ms / 1000)),
    formatNumber(run.messagesSent),
    formatNumber(run.deliveries),
    formatNumber(run.reconnects),
    formatNumber(run.faults),
    formatNumber(run.errors),
    formatNumber(run.violations),
  ];
}

export function run(context: BenchContext): SectionReport {
  const changes = context.smoke ? SMOKE_CHANGES : CHANGES;
  context.log(`memory: ${formatNumber(changes)} changes`);
  const churn = runChild<MemoryRun>(RUN_FILE, ['churn', String(changes)], ['--expose-gc']);
  const runs: [string, MemoryRun][] = [[`${formatNumber(changes)} changes`, churn]];
  let soakTable: Table | undefined;
  if (context.soak) {
    const [ms, warmUp] = context.smoke ? [SMOKE_SOAK_MS, SMOKE_SOAK_WARM_UP_MS] : [SOAK_MS, SOAK_WARM_UP_MS];
    context.log(`memory: soak for ${formatNumber(ms / 60_000, 1)} min`);
    const soak = runChild<MemoryRun>(RUN_FILE, ['soak', String(ms), String(warmUp)], ['--expose-gc']);
    runs.push([`soak, ${formatNumber(ms / 60_000, 1)} min`, soak]);
    const drifts = soak.samples.map((sample) => drift(soak.start, sample));
    soakTable = {
      title: `Soak: heap after GC, sampled through the run (baseline: the first sample, ${formatNumber(warmUp / 1000)} s in)`,
      header: ['samples', 'heap MB min–max', 'drift median (min–max)', 'handles min–max'],
      rows: [
        [
          String(soak.samples.length),
          `${heap({ heapBytes: Math.min(...soak.samples.map((s) => s.heapBytes)), handles: 0 })}–${heap({ heapBytes: Math.max(...soak.samples.map((s) => s.heapBytes)), handles: 0 })}`,
          `${percent(spread(drifts).median)} (${percent(spread(drifts).min)} to ${percent(spread(drifts).max)})`,
          `${Math.min(...soak.samples.map((s) => s.handles))}–${Math.max(...soak.samples.map((s) => s.handles))}`,
        ],
      ],
    };
  }

  const verdict = ([name, result]: [string, MemoryRun]) => {
    const endDrift = drift(result.start, result.end);
    return `${name}: heap ${heap(result.start)} → ${heap(result.end)} MB (${percent(endDrift)}, ${Math.abs(endDrift) <= FLAT ? 'flat' : 'NOT flat'}), peak ${heap(result.peak)} MB; handles ${result.start.handles} → ${result.end.handles}`;
  };
  return {
    title: 'Memory: heap and handles over a million changes and a soak',
    headline: runs.map((entry) => `Memory, ${verdict(entry)}`),
    intro: [
      `**Churn**: an orchestrator on an embedded exchange (Upbit's limits, no market data) takes ${formatNumber(changes)} ` +
        'subscribe/unsubscribe changes, a thousand per turn of the event loop, around 1 000 live subscriptions over 3 types × ' +
        '200 codes (so the desired state keeps changing and the flush keeps sending, within the rate limits). Start: after ' +
        '20 000 warm-up changes and `settled()`; end: after the last change and `settled()`, the same number of live ' +
        'subscriptions. **Soak** (`npm run bench -- --soak`, not part of the default run): the same churn at about 200 ' +
        'changes/s with market data flowing (ticks every 100 ms), and a fault every 5 s in turn: an abrupt drop, 3 s ' +
        'half-open, a drop with upgrades refused for 2 s, an undecodable frame, a server restart.',
      `Heap: V8's heap in use, read after two full GCs except the peak. Handles: \`process.getActiveResourcesInfo()\` ` +
        `(sockets, timers). Flat: the end within ${FLAT * 100}% of the start. The exchange runs in another process, so the ` +
        'figures are the orchestrator\'s (and the test driver\'s) alone.',
    ],
    tables: [
      { title: 'Heap (MB) and handles', header: ['run', 'when', 'heap MB', 'handles', 'vs start'], rows: runs.flatMap(([name, result]) => rowsOf(name, result)) },
      ...(soakTable === undefined ? [] : [soakTable]),
      {
        title: 'What the runs did',
        header: ['run', 'changes', 's', 'changes/s', 'messages sent', 'deliveries', 'reconnects', 'faults', 'errors', 'limit violations'],
        rows: runs.map(([name, result]) => activity(name, result)),
      },
    ],
    notes: [
      'One run each (not a median of five): a million changes take a minute or more here, and the heap figures are read ' +
        'after full GCs, so they do not depend on timing the way the rates do.' +
        (context.soak ? '' : ' The soak did not run: `npm run bench -- --soak` adds it (about 10 minutes).'),
      ...runs
        .filter(([, result]) => result.violations > 0)
        .map(
          ([name, result]) =>
            `${name}: the exchange counted ${result.violations} limit violation(s) (refused messages or upgrades, closes for rate). ` +
            'It stamps a message when its handler runs, in a process of its own: on a loaded machine a stall longer than the ' +
            'gates\' 100 ms margin can make a correct sender look too fast.',
        ),
      ...(context.soak ? ['Soak errors are the faults reported on the `error` event (the undecodable frame, refused upgrades): expected, and each one recovered from.'] : []),
    ],
  };
}

