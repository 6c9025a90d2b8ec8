/**
 * One side of one batching scenario, in a process of its own: `node batching-run.ts <naive|flush> <n>`
 * prints a `BatchingRun` as JSON. The side is `startComparison`'s own (src/cli/comparison.ts), on an
 * embedded exchange with Upbit's limits; the exchange counts what it refuses.
 */
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { measureSide, scenarioChanges } from '../src/cli/comparison.js';

export interface BatchingRun {
  /** Why the run failed (the exchange refused a message and closed the socket, say); the figures are then 0. */
  readonly failed?: string;
  readonly messages: number;
  readonly fullStateMs: number;
  readonly settledMs: number;
  /** Messages refused (TOO_MANY_REQUESTS), upgrades refused, connections closed for rate. */
  readonly violations: number;
  /** Heap in use before the side started (after a full GC). */
  readonly baseHeapBytes: number;
  /** Most heap in use while the side ran, sampled every millisecond or so. */
  readonly peakHeapBytes: number;
}

export async function runSide(side: 'naive' | 'flush', n: number): Promise<BatchingRun> {
  // One untimed run first: a service pays the first run of its code once, not per change (cold,
  // the flush side measured 48 ms where warm runs take 6–7 ms).
  await measureSide(side, scenarioChanges(1));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseHeapBytes = getHeapStatistics().used_heap_size;
  let peakHeapBytes = baseHeapBytes;
  const sample = (): void => {
    peakHeapBytes = Math.max(peakHeapBytes, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sample, 1);
  let violations = 0;
  try {
    const result = await measureSide(side, scenarioChanges(n), {
      watch: (exchange) => {
        exchange.on('request', (record) => {
          if (!record.result.ok) violations++;
        });
        exchange.on('refused', () => violations++);
        exchange.on('close', (event) => {
          if (event.cause === 'rate') violations++;
        });
      },
    });
    sample();
    return { ...result, violations, baseHeapBytes, peakHeapBytes };
  } catch (error) {
    // Reported, not thrown: the parent counts the violation and runs the measurement again.
    const failed = error instanceof Error ? error.message : String(error);
    return { failed, messages: 0, fullStateMs: 0, settledMs: 0, violations, baseHeapBytes, peakHeapBytes };
  } finally {
    clearInterval(sampler);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [side, n] = [process.argv[2], Number(process.argv[3])];
  if ((side !== 'naive' && side !== 'flush') || !Number.isInteger(n) || n < 1) {
    throw new Error(`batching-run: expected <naive|flush> <n>, got ${process.argv.slice(2).join(' ')}`);
  }
  process.stdout.write(`${JSON.stringify(await runSide(side, n))}\n`);
}
