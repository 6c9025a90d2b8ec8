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
import { type ExchangeHandle, startExchange } from '../sim/index.js';
import { COMMON_OPTIONS, credentialsFromEnv, integerOption, isUsageError, parseCommandArgs, secondsOption, UsageError } from './args.js';
import { formatTable } from './format.js';
import { startInspection } from './inspect.js';
import { type CliIo, EXIT, type Output } from './io.js';
import { Screen } from './screen.js';
import { oneLine, usageFailure, WATCH_USAGE } from './usage.js';
import { type Column, columnsFor, rowKey } from './watch-columns.js';

interface WatchOptions {
  readonly spec: Spec;
  readonly kind: NormalizedSpec['kind'];
  readonly endpoint: string | undefined;
  readonly format: 'DEFAULT' | 'SIMPLE';
  readonly json: boolean;
  readonly count: number | undefined;
  readonly durationMs: number | undefined;
  readonly inspect: boolean;
  readonly inspectPort: number | undefined;
  readonly trace: string | undefined;
}

const REDRAW_EVERY_MS = 250;
/** How often the embedded exchange makes up an account event for myOrder / myAsset. */
const ACCOUNT_EVENT_EVERY_MS = 1_000;

export function parseWatchArgs(argv: readonly string[]): WatchOptions & { readonly help: boolean } {
  const { values, positionals } = parseCommandArgs({
    args: [...argv],
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
    endpoint: values.endpoint,
    format,
    json: values.json === true,
    count: values.count === undefined ? undefined : integerOption('--count', values.count, 1, Number.MAX_SAFE_INTEGER),
    durationMs: values.duration === undefined ? undefined : secondsOption('--duration', values.duration),
    inspect: values.inspect === true,
    inspectPort: values['inspect-port'] === undefined ? undefined : integerOption('--inspect-port', values['inspect-port'], 1, 65_535),
    trace: values.trace,
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
  const timers: ReturnType<typeof setTimeout>[] = [];
  const view = options.json ? new JsonLines(io.stdout) : io.isTTY ? new LiveTable(io.stdout, options.spec.type) : new RowLog(io.stdout, options.spec.type);
  let onAbort = (): void => {};

  try {
    if (inspection.url) io.stderr.write(`Stately inspector: open ${inspection.url}\n`);
    if (exchange && !options.json) io.stderr.write(`upstate watch: embedded exchange at ${url}\n`);
    // Resolves with the exit code: --count reached, --duration over, interrupted, or credentials refused.
    const code = await new Promise<number>((end) => {
      let received = 0;
      upbit.subscribe(options.spec, (message) => {
        if (options.count !== undefined && received >= options.count) return;
        received++;
        view.add(message as UpbitMessage);
        if (received === options.count) end(EXIT.ok);
      });
      upbit.on('error', (error) => {
        io.stderr.write(`upstate watch: ${oneLine(error.message)}\n`);
        if (error.code === 'ERR_AUTH') end(EXIT.failure);
      });
      upbit.on('reconnecting', (kind, attempt) => {
        const cause = upbit.stats().connections[kind]?.lastError ?? 'closed';
        io.stderr.write(`upstate watch: the ${kind} connection failed (${cause}), retrying (attempt ${attempt})\n`);
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
    return code;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    for (const timer of timers) clearTimeout(timer);
    await upbit.close();
    await inspection.close();
    await exchange?.close();
  }
}

function generatedCredentials(): Credentials {
  return { accessKey: `watch-${randomUUID()}`, secretKey: randomBytes(32).toString('base64url') };
}

/** The embedded exchange has no account: it makes up an order or a balance change now and then. */
function makeAccountEvent(exchange: ExchangeHandle, spec: Spec, accessKey: string): void {
  if (spec.type === 'myAsset') exchange.injectMyAsset(accessKey);
  else exchange.injectMyOrder(accessKey, { code: spec.codes?.[0] ?? 'KRW-BTC' });
}

interface View {
  add(message: UpbitMessage): void;
  /** Called a few times a second (a terminal view repaints if something changed). */
  refresh(): void;
  close(): void;
}

/** `--json`: one message per line, exactly as delivered (DEFAULT names). */
class JsonLines implements View {
  constructor(private readonly out: Output) {}
  add(message: UpbitMessage): void {
    this.out.write(`${JSON.stringify(message)}\n`);
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
  ) {
    this.#columns = columnsFor(type);
    this.#widths = this.#columns.map((c) => Math.max(c.header.length, 10));
  }

  add(message: UpbitMessage): void {
    const cells = this.#columns.map((c) => c.cell(message));
    cells.forEach((cell, i) => (this.#widths[i] = Math.max(this.#widths[i]!, cell.length)));
    if (!this.#headerWritten) {
      this.#headerWritten = true;
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

  constructor(out: Output, type: DataType) {
    this.#screen = new Screen(out);
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
      `upstate watch ${this.#type} — ${this.#received} messages · Ctrl-C to stop`,
      '',
      ...formatTable(
        this.#columns.map((c) => c.header),
        rows,
      ),
    ]);
  }

  close(): void {
    this.#dirty = true;
    this.refresh();
    this.#screen.close();
  }
}
