/**
 * Latency of one reader, in a process of its own: `datapath-latency.ts <kind> <samples>` prints a
 * `LatencyRun`. The exchange runs in the same process, so one clock times each frame from the
 * moment it is handed to the exchange's socket until the reader's handler runs; one frame is in
 * flight at a time, so no queue builds up.
 */
import { fileURLToPath } from 'node:url';
import { startExchange } from '../src/sim/index.js';
import { openReader, type ReaderKind } from './datapath-clients.js';
import { captureTickerFrames } from './datapath-frames.js';
import { quantile } from './harness.js';

export interface LatencyRun {
  /** Microseconds, sorted. */
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

const CODE = 'KRW-BTC';
const WARM_UP = 500;

export async function measureLatency(kind: ReaderKind, samples: number): Promise<LatencyRun> {
  const exchange = await startExchange({ tickMs: 0, limits: false, keepRequests: 0 });
  try {
    const frames = await captureTickerFrames(exchange, [CODE], 100);
    let arrived: (() => void) | undefined;
    const reader = await openReader(kind, exchange.url, [CODE], () => arrived?.());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + samples; i++) {
      const handled = new Promise<void>((resolve) => (arrived = resolve));
      const sentAt = performance.now();
      void exchange.replay([frames[i % frames.length]!], { count: 1 });
      await handled;
      if (i >= WARM_UP) times.push((performance.now() - sentAt) * 1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await reader.close();
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), samples };
  } finally {
    await exchange.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kind = process.argv[2] as ReaderKind;
  process.stdout.write(`${JSON.stringify(await measureLatency(kind, Number(process.argv[3])))}\n`);
}
