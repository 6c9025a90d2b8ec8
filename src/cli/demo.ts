/**
 * `upstate demo` (what `npm start` runs): the embedded exchange, about 50 components subscribing
 * and unsubscribing in bursts on one orchestrator, a live view of each connection, and at the end
 * the seed's comparison — naive sending vs the pending flush — measured in this run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createOrchestrator, type ConnectionReport, type Orchestrator } from '../orchestrator.js';
import type { Credentials } from '../options.js';
import type { ConnectionId, ConnectionKind } from '../protocol/upbit/types.js';
import { startExchange } from '../sim/index.js';
import { COMMON_OPTIONS, credentialsFromEnv, integerListOption, integerOption, isUsageError, parseCommandArgs, secondsOption } from './args.js';
import { type Comparison, DEFAULT_COMPARISON, MAX_COMPARISON_REQUESTS, startComparison } from './comparison.js';
import { comparisonLines } from './comparison-report.js';
import { type Population, startPopulation } from './components.js';
import { type DemoSample, screenLines, statusLine, summaryLines } from './demo-view.js';
import { inspectorNotice, startInspection } from './inspect.js';
import { type CliIo, EXIT, sleep } from './io.js';
import { Screen } from './screen.js';
import type { LiveView } from '../live/index.js';
import { startUi, takeUiOption, type UiOption, uiLine } from './ui.js';
import { DEMO_USAGE, oneLine, usageFailure } from './usage.js';

interface DemoOptions {
  readonly durationMs: number;
  readonly compare: readonly number[];
  readonly seed: number;
  readonly inspect: boolean;
  readonly inspectPort: number | undefined;
  readonly trace: string | undefined;
  readonly ui: UiOption | undefined;
}

/** The whole run, live view and comparison together; the default comparison needs about 25 s. */
const DEFAULT_DURATION_MS = 30_000;
/** With --ui the page is worth watching for longer; Ctrl-C ends the run early as always. */
const UI_DURATION_MS = 600_000;
/** A terminal is repainted four times a second; plain output gets a line a second. */
const SCREEN_EVERY_MS = 250;
const LINE_EVERY_MS = 1_000;
const FIRST_WAVE_MAX_MS = 2_000;

export function parseDemoArgs(argv: readonly string[]): DemoOptions & { readonly help: boolean } {
  const { argv: args, ui } = takeUiOption(argv);
  const { values } = parseCommandArgs({
    args,
    options: {
      duration: { type: 'string' },
      compare: { type: 'string' },
      seed: { type: 'string' },
      ...COMMON_OPTIONS,
    },
  });
  return {
    help: values.help === true,
    durationMs: values.duration === undefined ? (ui ? UI_DURATION_MS : DEFAULT_DURATION_MS) : secondsOption('--duration', values.duration),
    compare: values.compare === undefined ? DEFAULT_COMPARISON : integerListOption('--compare', values.compare, 1, MAX_COMPARISON_REQUESTS),
    seed: values.seed === undefined ? 1 : integerOption('--seed', values.seed, 0, 0xffff_ffff),
    inspect: values.inspect === true,
    inspectPort: values['inspect-port'] === undefined ? undefined : integerOption('--inspect-port', values['inspect-port'], 1, 65_535),
    trace: values.trace,
    ui,
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const startedAt = performance.now();
  let options: ReturnType<typeof parseDemoArgs>;
  let credentials: Credentials;
  try {
    options = parseDemoArgs(argv);
    credentials = credentialsFromEnv(io.env ?? process.env) ?? generatedCredentials();
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'demo', error, DEMO_USAGE);
    throw error;
  }
  if (options.help) {
    io.stdout.write(DEMO_USAGE);
    return EXIT.ok;
  }

  let inspection: Awaited<ReturnType<typeof startInspection>>;
  try {
    inspection = await startInspection({
      inspect: options.inspect,
      port: options.inspectPort,
      trace: options.trace,
      secrets: [credentials.secretKey],
    });
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'demo', error, DEMO_USAGE);
    throw error;
  }

  const exchange = await startExchange({ seed: options.seed, credentials: [credentials] }).catch(async (error: unknown) => {
    await inspection.close();
    throw error;
  });
  const upbit = createOrchestrator({
    endpoints: { public: exchange.url, private: exchange.privateUrl },
    credentials,
    ...(inspection.observer ? { inspect: inspection.observer } : {}),
  });
  let ui: LiveView | undefined;
  try {
    ui = options.ui ? await startUi(upbit, options.ui, [credentials.secretKey]) : undefined;
  } catch (error) {
    await Promise.all([upbit.close(), inspection.close(), exchange.close()]);
    if (isUsageError(error)) return usageFailure(io, 'demo', error, DEMO_USAGE);
    throw error;
  }
  let errors = 0;
  upbit.on('error', () => errors++);
  // The comparison stops with the run when the user interrupts it.
  const stopComparison = new AbortController();
  const onInterrupt = (): void => stopComparison.abort();
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  const screen = io.isTTY ? new Screen(io.stdout, io.columns) : undefined;
  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (closing ??= (async () => {
      screen?.close();
      io.signal?.removeEventListener('abort', onInterrupt);
      stopComparison.abort();
      await ui?.close();
      await upbit.close();
      await inspection.close();
      await exchange.close();
    })());

  try {
    if (inspection.url) io.stdout.write(inspectorNotice(inspection.url));
    if (ui) io.stdout.write(`${uiLine(ui)}\n`);
    if (!io.isTTY) {
      io.stdout.write(
        `upstate demo: simulated exchange ${exchange.url}, ${options.durationMs / 1000} s at most, comparing ${options.compare.join(', ')} concurrent requests\n`,
      );
    }
    const population = startPopulation(upbit, exchange, { seed: options.seed, accessKey: credentials.accessKey });
    // The comparison measures milliseconds: it starts once the first wave's work is done.
    await firstWaveSettled(upbit, io.signal);
    const comparison = startComparison(options.compare, { seed: options.seed, signal: stopComparison.signal });
    const outcome = settle(comparison.result);
    const sampler = new Sampler(upbit, population, comparison, exchange.url, options.durationMs, () => errors, startedAt);

    const show = (sample: DemoSample): void => {
      if (screen) screen.draw(ui ? [uiLine(ui), ...screenLines(sample)] : screenLines(sample));
      else io.stdout.write(`${statusLine(sample)}\n`);
    };
    // --duration bounds the whole run: the live view and the comparison end together at the latest.
    while (!io.signal?.aborted && sampler.elapsedMs() < options.durationMs) {
      const left = options.durationMs - sampler.elapsedMs();
      await sleep(Math.min(screen ? SCREEN_EVERY_MS : LINE_EVERY_MS, left), io.signal);
      show(sampler.sample());
    }
    population.stop();
    const last = sampler.sample();
    stopComparison.abort();
    const result = await outcome.promise;
    const rows = result.ok ? result.value : comparison.finished();
    if (screen) screen.draw(screenLines(last, { finished: true }));
    await shutdown();

    io.stdout.write(`\n${summaryLines(last).join('\n')}\n`);
    if (options.trace !== undefined) io.stdout.write(`trace: ${inspection.traced()} inspection events written to ${options.trace}\n`);
    if (rows.length > 0) io.stdout.write(`\n${comparisonLines(rows).join('\n')}\n`);
    if (result.ok) return EXIT.ok;
    const missing = options.compare.filter((n) => !rows.some((row) => row.requests === n));
    if (io.signal?.aborted) {
      io.stdout.write(`\nThe comparison was interrupted before it finished (${missing.join(', ')} requests not measured).\n`);
      return EXIT.ok;
    }
    if (stopComparison.signal.aborted && !isFailure(result.error)) {
      io.stdout.write(
        `\nNot measured within --duration ${options.durationMs / 1000} s: ${missing.join(', ')} concurrent requests ` +
          `(the naive side needs about N/5 s for N; a longer --duration or a shorter --compare measures them).\n`,
      );
      return EXIT.ok;
    }
    io.stderr.write(`upstate demo: the comparison failed: ${oneLine(result.error instanceof Error ? result.error.message : String(result.error))}\n`);
    return EXIT.failure;
  } finally {
    await shutdown();
  }
}

/** Whether the comparison failed on its own, rather than being stopped. */
function isFailure(error: unknown): boolean {
  return !(error instanceof Error && error.message === 'the comparison was interrupted');
}

/** A key pair made up for this run; the embedded exchange is started with the same one. */
function generatedCredentials(): Credentials {
  return { accessKey: `demo-${randomUUID()}`, secretKey: randomBytes(32).toString('base64url') };
}

/** Resolves when the orchestrator has sent the first wave, after 2 s at most, or on `signal`. */
async function firstWaveSettled(upbit: Orchestrator, signal: AbortSignal | undefined): Promise<void> {
  const timeout = new AbortController();
  const onAbort = (): void => timeout.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  await Promise.race([upbit.settled().catch(() => {}), sleep(FIRST_WAVE_MAX_MS, timeout.signal)]);
  timeout.abort();
  signal?.removeEventListener('abort', onAbort);
}

/** A promise observed without being awaited: `done` tells whether it has settled. */
function settle<T>(promise: Promise<T>) {
  const state = {
    done: false,
    promise: promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  };
  void state.promise.then(() => {
    state.done = true;
  });
  return state;
}

/** Reads the orchestrator, the components and the comparison into a `DemoSample`; frames/s since the last sample. */
class Sampler {
  #previous: { at: number; frames: Record<ConnectionKind, number> } | undefined;

  constructor(
    private readonly upbit: Orchestrator,
    private readonly population: Population,
    private readonly comparison: Comparison,
    private readonly exchangeUrl: string,
    private readonly durationMs: number,
    private readonly errors: () => number,
    /** When the run started: its clock counts the whole run, not only the live view. */
    private readonly startedAt: number,
  ) {}

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  sample(): DemoSample {
    const now = performance.now();
    const stats = this.upbit.stats();
    const counts = this.population.counts();
    const seconds = this.#previous ? (now - this.#previous.at) / 1000 : 0;
    const perSecond = (kind: ConnectionKind): number =>
      this.#previous && seconds > 0 ? (counts.frames[kind] - this.#previous.frames[kind]) / seconds : 0;
    // Frames are counted per kind: a public row shows them only while it is the one public connection.
    const entries = Object.entries(stats.connections) as [ConnectionId, ConnectionReport][];
    const publicCount = entries.filter(([id]) => id !== 'private').length;
    const connections = entries.map(([id, c]) => {
      const kind: ConnectionKind = id === 'private' ? 'private' : 'public';
      return {
        kind: id,
        link: c.link,
        flush: c.flush,
        messagesSent: c.messagesSent,
        changesAbsorbed: c.changesAbsorbed,
        framesPerSecond: kind === 'private' || publicCount === 1 ? perSecond(kind) : undefined,
        headroom: c.headroom,
      };
    });
    this.#previous = { at: now, frames: counts.frames };
    const progress = this.comparison.progress();
    return {
      elapsedMs: now - this.startedAt,
      durationMs: this.durationMs,
      exchangeUrl: this.exchangeUrl,
      components: { active: this.population.active(), total: this.population.total },
      delivered: counts.delivered,
      myOrder: { injected: counts.myOrderInjected, received: counts.myOrderReceived },
      connections,
      stats,
      errors: this.errors(),
      comparison:
        progress.done === progress.scenarios
          ? 'done'
          : `naive ${progress.naiveSent} of ${progress.naiveTotal} messages sent · ${progress.done} of ${progress.scenarios} scenarios done`,
    };
  }
}
