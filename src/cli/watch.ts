/**
 * `upstate watch <type> <codes…>`: one subscription as a live table or JSON lines, against an
 * embedded exchange (started here) or a real endpoint given with `--endpoint`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createOrchestrator } from '../orchestrator.js';
import type { Credentials } from '../options.js';
import type { DataType, UpbitMessage } from '../protocol/upbit/types.js';
import { normalizeSpec, type NormalizedSpec } from '../registry/spec.js';
import type { Spec } from '../registry/spec.js';
import { DEFAULT_MARKETS, type ExchangeHandle, startExchange } from '../sim/index.js';
import type { LiveView } from '../live/index.js';
import { startUi, takeUiOption, type UiOption, uiLine } from './ui.js';
import { COMMON_OPTIONS, credentialsFromEnv, integerOption, isUsageError, parseCommandArgs, secondsOption, UsageError } from './args.js';
import { formatTable } from './format.js';
import { inspectorNotice, startInspection } from './inspect.js';
import { type CliIo, EXIT, type Output } from './io.js';
import { Screen } from './screen.js';
import { oneLine, usageFailure, WATCH_USAGE } from './usage.js';
import { type Column, columnsFor, rowKey } from './watch-columns.js';

interface WatchOptions {
  readonly spec: Spec;
  readonly kind: NormalizedSpec['kind'];
  /** The spec's market codes, upper case, without depth suffix. */
  readonly codes: readonly string[];
  readonly endpoint: string | undefined;
  readonly format: 'DEFAULT' | 'SIMPLE';
  readonly json: boolean;
  readonly count: number | undefined;
  readonly durationMs: number | undefined;
  readonly inspect: boolean;
  readonly inspectPort: number | undefined;
  readonly trace: string | undefined;
  readonly ui: UiOption | undefined;
}

const REDRAW_EVERY_MS = 250;
/** How often the embedded exchange makes up an account event for myOrder / myAsset. */
const ACCOUNT_EVENT_EVERY_MS = 1_000;

export function parseWatchArgs(argv: readonly string[]): WatchOptions & { readonly help: boolean } {
  const { argv: args, ui } = takeUiOption(argv);
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      format: { type: 'string' },
      json: { type: 'boolean' },
      count: { type: 'string' },
      duration: { type: 'string' },
      ...COMMON_OPTIONS,
    },
  });
  const help = values.help === true;
  const [type, ...codes] = positionals;
  if (type === undefined && !help) throw new UsageError('missing <type> (ticker, trade, orderbook, candle.1m, myOrder, …)');
  // Validated like any subscription, before anything starts: a bad type or code is a usage error.
  const spec: Spec = codes.length === 0 && (type === 'myOrder' || type === 'myAsset') ? { type } : { type: type as DataType, codes };
  const normalized = help ? undefined : normalizeSpec(spec);
  const format = values.format ?? 'DEFAULT';
  if (format !== 'DEFAULT' && format !== 'SIMPLE') throw new UsageError(`--format expects DEFAULT or SIMPLE, got '${format}'`);
  if (values.endpoint !== undefined && !/^wss?:\/\/./.test(values.endpoint)) {
    throw new UsageError(`--endpoint expects a ws:// or wss:// URL, got '${values.endpoint}'`);
  }
  return {
    help,
    spec,
    kind: normalized?.kind ?? 'public',
    codes: normalized?.codes ?? [],
    endpoint: values.endpoint,
    format,
    json: values.json === true,
    count: values.count === undefined ? undefined : integerOption('--count', values.count, 1, Number.MAX_SAFE_INTEGER),
    durationMs: values.duration === undefined ? undefined : secondsOption('--duration', values.duration),
    inspect: values.inspect === true,
    inspectPort: values['inspect-port'] === undefined ? undefined : integerOption('--inspect-port', values['inspect-port'], 1, 65_535),
    trace: values.trace,
    ui,
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parseWatchArgs>;
  let credentials: Credentials | undefined;
  try {
    options = parseWatchArgs(argv);
    if (options.help) {
      io.stdout.write(WATCH_USAGE);
      return EXIT.ok;
    }
    credentials = credentialsFromEnv(io.env ?? process.env);
    if (options.kind === 'private' && options.endpoint !== undefined && credentials === undefined) {
      throw new UsageError(`${options.spec.type} on a real endpoint needs UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY`);
    }
    // The embedded exchange knows its markets: a typo is said at once, not waited on in silence.
    if (options.endpoint === undefined) assertEmbeddedMarkets(options.codes);
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'watch', error, WATCH_USAGE);
    throw error;
  }
  // The embedded exchange gets a key pair of its own unless one is given.
  if (options.kind === 'private' && credentials === undefined) credentials = generatedCredentials();

  let inspection: Awaited<ReturnType<typeof startInspection>>;
  try {
    inspection = await startInspection({
      inspect: options.inspect,
      port: options.inspectPort,
      trace: options.trace,
      secrets: credentials ? [credentials.secretKey] : [],
    });
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'watch', error, WATCH_USAGE);
    throw error;
  }
  let exchange: ExchangeHandle | undefined;
  try {
    exchange = options.endpoint === undefined ? await startExchange({ credentials: credentials ? [credentials] : [] }) : undefined;
  } catch (error) {
    await inspection.close();
    throw error;
  }
  const url = options.endpoint ?? (options.kind === 'private' ? exchange!.privateUrl : exchange!.url);
  const upbit = createOrchestrator({
    endpoints: options.kind === 'private' ? { private: url } : { public: url },
    format: options.format,
    ...(credentials ? { credentials } : {}),
    ...(inspection.observer ? { inspect: inspection.observer } : {}),
  });
  let ui: LiveView | undefined;
  try {
    ui = options.ui ? await startUi(upbit, options.ui, credentials ? [credentials.secretKey] : []) : undefined;
  } catch (error) {
    await Promise.all([upbit.close(), inspection.close(), exchange?.close()]);
    if (isUsageError(error)) return usageFailure(io, 'watch', error, WATCH_USAGE);
    throw error;
  }
  const timers: ReturnType<typeof setTimeout>[] = [];
  const simulated = exchange !== undefined;
  const view = options.json
    ? new JsonLines(io.stdout, simulated)
    : io.isTTY
      ? new LiveTable(io.stdout, options.spec.type, simulated, io.columns)
      : new RowLog(io.stdout, options.spec.type, simulated);
  let onAbort = (): void => {};

  try {
    if (inspection.url) io.stderr.write(inspectorNotice(inspection.url));
    if (ui) io.stderr.write(`${uiLine(ui)}\n`);
    if (exchange) io.stderr.write(`upstate watch: simulated data from the embedded exchange at ${url}, not Upbit's\n`);
    let received = 0;
    /** What the exchange or the link last refused, told again if the run ends with nothing received. */
    let lastError: string | undefined;
    // Resolves with the exit code: --count reached, --duration over, interrupted, or credentials refused.
    const code = await new Promise<number>((end) => {
      upbit.subscribe(options.spec, (message) => {
        if (options.count !== undefined && received >= options.count) return;
        received++;
        view.add(message as UpbitMessage);
        if (received === options.count) end(EXIT.ok);
      });
      upbit.on('error', (error) => {
        lastError = oneLine(error.message);
        io.stderr.write(`upstate watch: ${lastError}\n`);
        if (error.code === 'ERR_AUTH') end(EXIT.failure);
      });
      upbit.on('reconnecting', (kind, attempt) => {
        const cause = upbit.stats().connections[kind]?.lastError ?? 'closed';
        lastError = `the ${kind} connection failed (${cause})`;
        io.stderr.write(`upstate watch: ${lastError}, retrying (attempt ${attempt})\n`);
      });
      if (options.durationMs !== undefined) timers.push(setTimeout(() => end(EXIT.ok), options.durationMs));
      onAbort = () => end(EXIT.ok);
      if (io.signal?.aborted) onAbort();
      io.signal?.addEventListener('abort', onAbort, { once: true });
      const accessKey = credentials?.accessKey;
      if (exchange && options.kind === 'private' && accessKey !== undefined) {
        timers.push(setInterval(() => makeAccountEvent(exchange, options.spec, accessKey), ACCOUNT_EVENT_EVERY_MS));
      }
      timers.push(setInterval(() => view.refresh(), REDRAW_EVERY_MS));
    });
    view.close();
    if (received > 0 || code !== EXIT.ok) return code;
    if (lastError !== undefined) {
      io.stderr.write(`upstate watch: no messages received; the last error: ${lastError}\n`);
      return EXIT.failure;
    }
    if (!exchange) io.stderr.write('upstate watch: no messages received (Upbit sends nothing for a market it does not list)\n');
    return code;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    for (const timer of timers) clearTimeout(timer);
    await ui?.close();
    await upbit.close();
    await inspection.close();
    await exchange?.close();
  }
}

/** Throws a `UsageError` naming the first code the embedded exchange does not list (and a near one it does). */
function assertEmbeddedMarkets(codes: readonly string[]): void {
  const unknown = codes.find((code) => !DEFAULT_MARKETS.includes(code));
  if (unknown === undefined) return;
  const near = DEFAULT_MARKETS.filter((market) => editDistance(market, unknown) <= 1);
  const hint = near.length > 0 ? `did you mean ${near.join(' or ')}? ` : '';
  throw new UsageError(
    `${unknown} is not a market of the embedded exchange; ${hint}'upstate sim --help' lists its ${DEFAULT_MARKETS.length}, --endpoint reaches a real exchange`,
  );
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function generatedCredentials(): Credentials {
  return { accessKey: `watch-${randomUUID()}`, secretKey: randomBytes(32).toString('base64url') };
}

/** The embedded exchange has no account: it makes up an order or a balance change now and then. */
function makeAccountEvent(exchange: ExchangeHandle, spec: Spec, accessKey: string): void {
  if (spec.type === 'myAsset') exchange.injectMyAsset(accessKey);
  else exchange.injectMyOrder(accessKey, { code: spec.codes?.[0] ?? 'KRW-BTC' });
}

/** What the table and row outputs say when the embedded exchange made up the data. */
const SIMULATED_NOTE = 'SIMULATED: prices from the embedded exchange, not from Upbit';

interface View {
  add(message: UpbitMessage): void;
  /** Called a few times a second (a terminal view repaints if something changed). */
  refresh(): void;
  close(): void;
}

/** `--json`: one message per line, as delivered (DEFAULT names); from the embedded exchange with `"simulated": true`. */
class JsonLines implements View {
  constructor(
    private readonly out: Output,
    private readonly simulated: boolean,
  ) {}
  add(message: UpbitMessage): void {
    this.out.write(`${JSON.stringify(this.simulated ? { ...message, simulated: true } : message)}\n`);
  }
  refresh(): void {}
  close(): void {}
}

/** Not a terminal: a header, then one aligned row per message. */
class RowLog implements View {
  readonly #columns: readonly Column[];
  readonly #widths: number[];
  #headerWritten = false;

  constructor(
    private readonly out: Output,
    type: DataType,
    private readonly simulated: boolean,
  ) {
    this.#columns = columnsFor(type);
    this.#widths = this.#columns.map((c) => Math.max(c.header.length, 10));
  }

  add(message: UpbitMessage): void {
    const cells = this.#columns.map((c) => c.cell(message));
    cells.forEach((cell, i) => (this.#widths[i] = Math.max(this.#widths[i]!, cell.length)));
    if (!this.#headerWritten) {
      this.#headerWritten = true;
      if (this.simulated) this.out.write(`${SIMULATED_NOTE}\n`);
      this.out.write(`${this.#line(this.#columns.map((c) => c.header))}\n`);
    }
    this.out.write(`${this.#line(cells)}\n`);
  }

  #line(cells: readonly string[]): string {
    return cells
      .map((cell, i) => (i === 0 ? cell.padEnd(this.#widths[i]!) : cell.padStart(this.#widths[i]!)))
      .join('  ')
      .trimEnd();
  }

  refresh(): void {}
  close(): void {}
}

/** A terminal: the latest row per market, repainted in place. */
class LiveTable implements View {
  readonly #screen: Screen;
  readonly #columns: readonly Column[];
  readonly #rows = new Map<string, string[]>();
  readonly #type: DataType;
  #received = 0;
  #dirty = true;
  #closing = false;

  constructor(
    out: Output,
    type: DataType,
    private readonly simulated: boolean,
    columns: number | undefined,
  ) {
    this.#screen = new Screen(out, columns);
    this.#columns = columnsFor(type);
    this.#type = type;
  }

  add(message: UpbitMessage): void {
    this.#rows.set(rowKey(message), this.#columns.map((c) => c.cell(message)));
    this.#received++;
    this.#dirty = true;
  }

  refresh(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const rows = [...this.#rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, cells]) => cells);
    this.#screen.draw([
      `upstate watch ${this.#type} — ${this.#received} messages${this.#closing ? '' : ' · Ctrl-C to stop'}`,
      this.simulated ? SIMULATED_NOTE : '',
      ...formatTable(
        this.#columns.map((c) => c.header),
        rows,
      ),
    ]);
  }

  close(): void {
    this.#closing = true;
    this.#dirty = true;
    this.refresh();
    this.#screen.close();
  }
}
