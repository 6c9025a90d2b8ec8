/**
 * Data path: how many ticker frames a reader handles per second when the embedded exchange
 * replays pre-encoded ~1 KB frames as fast as the reader's socket takes them, and the latency of
 * one frame from the exchange's socket to the reader's handler. Readers: a bare `ws` + JSON.parse
 * client (the floor), upstate (one subscription), ccxt's `watchTicker` loops.
 *
 * Throughput: the exchange runs in a process of its own for the whole section
 * (`exchange-process.ts`); each run starts a fresh reader process (`datapath-client.ts`), readers
 * in rotating order round by round. Latency: one process per reader and round, exchange inside.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReplayResult } from '../src/sim/index.js';
import { type Channel, forkBench } from './child.js';
import type { ThroughputRun } from './datapath-client.js';
import { READERS, type ReaderKind } from './datapath-clients.js';
import type { LatencyRun } from './datapath-latency.js';
import type { ExchangeProcessInfo } from './exchange-process.js';
import { formatNumber, formatSpread, rotate, runChild, spread } from './harness.js';
import type { BenchContext, SectionReport } from './report.js';

const EXCHANGE_FILE = fileURLToPath(new URL('./exchange-process.ts', import.meta.url));
const CLIENT_FILE = fileURLToPath(new URL('./datapath-client.ts', import.meta.url));
const LATENCY_FILE = fileURLToPath(new URL('./datapath-latency.ts', import.meta.url));

const FRAMES = 100_000;
const SMOKE_FRAMES = 2_000;
const LATENCY_SAMPLES = 2_000;
const SMOKE_LATENCY_SAMPLES = 100;
const LABELS: Record<ReaderKind, string> = {
  floor: 'floor: ws + JSON.parse',
  upstate: 'upstate: subscribe → handler',
  ccxt: 'ccxt.pro upbit: watchTicker loops',
};

/**
 * ccxt for the run: installed with `npm install --no-save` when absent, never a dependency. The
 * smoke pass (CI) installs nothing and leaves ccxt out: it only checks the scripts run.
 */
function ensureCcxt(context: BenchContext): { version: string } | { missing: string } {
  if (context.smoke) return { missing: 'the smoke pass leaves ccxt out' };
  let version = ccxtVersion();
  if (version === undefined) {
    context.log('datapath: installing ccxt for this run (npm install --no-save ccxt)');
    try {
      execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', 'ccxt'], { stdio: ['ignore', 'ignore', 'inherit'] });
      version = ccxtVersion();
    } catch (error) {
      return { missing: `npm install --no-save ccxt failed: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return version === undefined ? { missing: 'ccxt could not be loaded after installing it' } : { version };
}

/**
 * ccxt's version as a fresh process loads it (the readers run in processes of their own), or
 * `undefined` if it cannot. Never in this process: Node caches a package lookup that failed, so
 * an import here after the install would fail again.
 */
function ccxtVersion(): string | undefined {
  try {
    const script = "process.stdout.write(String((await import('ccxt')).version))";
    const version = execFileSync(process.execPath, ['--input-type=module', '--eval', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return version === '' ? undefined : version;
  } catch {
    return undefined;
  }
}

async function throughputRun(server: Channel, url: string, codes: readonly string[], kind: ReaderKind, frames: number): Promise<ThroughputRun> {
  const client = forkBench(CLIENT_FILE, [kind, url, String(frames), codes.join(',')]);
  await client.next('ready');
  client.send({ go: true });
  await client.next('counting');
  server.send({ replay: frames });
  const [result, replayed] = await Promise.all([client.next<ThroughputRun>('result'), server.next<ReplayResult>('replayed')]);
  if (replayed.sent !== frames) throw new Error(`datapath: the exchange sent ${replayed.sent} of ${frames} frames to ${kind}`);
  await client.exited();
  return result;
}

export async function run(context: BenchContext): Promise<SectionReport> {
  const frames = context.smoke ? SMOKE_FRAMES : FRAMES;
  const samples = context.smoke ? SMOKE_LATENCY_SAMPLES : LATENCY_SAMPLES;
  const ccxt = ensureCcxt(context);
  const readers = READERS.filter((kind) => kind !== 'ccxt' || 'version' in ccxt);

  const server = forkBench(EXCHANGE_FILE, [JSON.stringify({ tickMs: 0, limits: false, keepRequests: 0 }), 'frames']);
  const { url, codes, frameBytes } = await server.next<ExchangeProcessInfo>('ready');
  const throughput = new Map<ReaderKind, ThroughputRun[]>(readers.map((kind) => [kind, []]));
  try {
    for (let round = 0; round < context.rounds; round++) {
      context.log(`datapath: throughput round ${round + 1} of ${context.rounds}`);
      for (const kind of rotate(readers, round)) throughput.get(kind)!.push(await throughputRun(server, url, codes, kind, frames));
    }
  } finally {
    server.send({ exit: true });
    await server.exited();
  }
  const latency = new Map<ReaderKind, LatencyRun[]>(readers.map((kind) => [kind, []]));
  for (let round = 0; round < context.rounds; round++) {
    context.log(`datapath: latency round ${round + 1} of ${context.rounds}`);
    for (const kind of rotate(readers, round)) latency.get(kind)!.push(runChild<LatencyRun>(LATENCY_FILE, [kind, String(samples)]));
  }

  const perSecond = (run: ThroughputRun) => run.frames / (run.ms / 1000);
  const floorRuns = throughput.get('floor')!;
  const rows = readers.map((kind) => {
    const runs = throughput.get(kind)!;
    // Per-round ratio to the floor: both ran in the same round, close in time.
    const ratio = spread(runs.map((run, round) => perSecond(run) / perSecond(floorRuns[round]!)));
    const latencies = latency.get(kind)!;
    return [
      LABELS[kind],
      formatSpread(spread(runs.map(perSecond))),
      kind === 'floor' ? '1' : formatSpread(ratio, 3, '×'),
      formatSpread(spread(latencies.map((run) => run.p50)), 0),
      formatSpread(spread(latencies.map((run) => run.p99)), 0),
    ];
  });

  const ratioOf = (kind: ReaderKind) => spread(throughput.get(kind)!.map((run, round) => perSecond(run) / perSecond(floorRuns[round]!)));
  const upstateRatio = ratioOf('upstate');
  const p50 = (kind: ReaderKind) => formatNumber(spread(latency.get(kind)!.map((run) => run.p50)).median);
  return {
    title: 'Data path: frames per second and latency',
    headline: [
      `Data path: upstate ÷ floor (bare ws + JSON.parse) frames/s ${formatSpread(upstateRatio, 3, '×')} (target ≥ 0.95×)` +
        (readers.includes('ccxt') ? `; ccxt ÷ floor ${formatSpread(ratioOf('ccxt'), 3, '×')}` : '; ccxt not measured') +
        `; p50 socket→handler ${p50('floor')} µs floor, ${p50('upstate')} µs upstate` +
        (readers.includes('ccxt') ? `, ${p50('ccxt')} µs ccxt` : ''),
    ],
    intro: [
      `The embedded exchange replays ${formatNumber(frames)} pre-encoded ticker frames (DEFAULT format, ` +
        `${formatNumber(frameBytes)} bytes on average, ${codes.length} markets, captured from its own market once) to one ` +
        'reader, as fast as the reader\'s socket takes them (`exchange.replay`: batches of 64 frames, the next written when the ' +
        'one before has reached the kernel, so the reader paces the exchange through TCP back-pressure). The exchange runs in a ' +
        'process of its own; each run starts a fresh reader process; readers take turns in rotating order.',
      'Readers: **floor**, a bare `ws` socket and `JSON.parse` per frame, the least any reader does; **upstate**, an ' +
        'orchestrator with one `subscribe` to the markets\' tickers (decode, route, handler); **ccxt**, ccxt.pro\'s upbit ' +
        `${'version' in ccxt ? `${ccxt.version} ` : ''}with one \`watchTicker\` loop per market, pointed at the embedded exchange ` +
        '(`urls.api.ws` set to its URL, markets given with `setMarkets` so it never calls Upbit\'s REST API). Frames/s counts ' +
        'the frames each reader handled (ccxt: parsed and dispatched by its client; its loops wake for the latest ticker), from ' +
        'the first to the last.',
      `Latency: the exchange and the reader share a process and a clock; each of ${formatNumber(samples)} frames (after 500 ` +
        'warm-up frames) is timed from the moment it is handed to the exchange\'s socket to the moment the reader\'s handler ' +
        '(ccxt: its `watchTicker` loop) runs, one frame in flight at a time: loopback TCP, both ends\' WebSocket framing, and ' +
        'the reader\'s own work.',
    ],
    tables: [
      {
        title: 'Frames per second (÷ floor: per-round ratios) and latency from socket to handler',
        header: ['reader', 'frames/s', '÷ floor', 'latency p50 µs', 'latency p99 µs'],
        rows,
      },
    ],
    notes: [
      `upstate ÷ floor: ${formatSpread(upstateRatio, 3, '×')} (target ≥ 0.95×).` +
        ('missing' in ccxt ? ` ccxt was not measured: ${ccxt.missing}.` : ''),
      'p99 latencies on a shared machine mostly measure the other processes on the same cores (a frame waits while the ' +
        'scheduler runs someone else); the p50 is the figure to compare.',
    ],
  };
}
