/** Small helpers shared by the benchmarks: timing, medians and spreads, a seeded PRNG, child runs and a compact table. */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

/** Milliseconds `fn` takes, on the monotonic clock. */
export function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which a fraction `q` of `values` lies (nearest rank; `q` = 0.99 for p99). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** mulberry32: the same inputs on every run, so runs compare. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct picks from `items`. */
export function pick<T>(items: readonly T[], count: number, random: () => number): T[] {
  const chosen = new Set<T>();
  while (chosen.size < Math.min(count, items.length)) chosen.add(items[Math.floor(random() * items.length)]!);
  return [...chosen];
}

/** 1234567 → "1 234 567"; fractions keep `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  const [whole, fraction] = value.toFixed(digits).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** Median, min and max of a figure measured over several runs. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** "median (min–max)", each with `digits` decimals and an optional unit after the median. */
export function formatSpread({ median: middle, min, max }: Spread, digits = 0, unit = ''): string {
  if (min === max) return `${formatNumber(middle, digits)}${unit}`;
  return `${formatNumber(middle, digits)}${unit} (${formatNumber(min, digits)}–${formatNumber(max, digits)})`;
}

/** Bytes as MB with one decimal. */
export function megabytes(bytes: number): number {
  return bytes / (1024 * 1024);
}

/**
 * Runs a bench script in a fresh `node` with this process's loader flags (tsx) plus `nodeArgs`,
 * and parses the JSON of its last stdout line. A process per measurement: no JIT state, heap or
 * handle left by the one before.
 */
export function runChild<T>(file: string, args: readonly string[], nodeArgs: readonly string[] = []): T {
  const child = spawnSync(process.execPath, [...process.execArgv, ...nodeArgs, file, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) {
    throw new Error(`bench: ${basename(file)} ${args.join(' ')} failed (${child.error?.message ?? `exit ${child.status}`})`);
  }
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Rotates `items` by `round`, so no item always runs first (colder) or last across rounds. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}
