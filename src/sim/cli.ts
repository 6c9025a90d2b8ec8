/**
 * `upstate sim`: runs the embedded exchange until SIGINT or SIGTERM, then closes it cleanly.
 *
 *   upstate sim [--port N] [--host H] [--seed N] [--tick-ms N] [--credential ACCESS:SECRET]…
 */
import { parseArgs } from 'node:util';
import { OptionError } from '../errors.js';
import type { UpbitCredentials } from '../protocol/upbit/jwt.js';
import { startExchange } from './exchange.js';
import type { ExchangeOptions } from './options.js';

export interface RunSimIo {
  /** Where the URLs are printed. @default process.stdout.write */
  readonly write?: (text: string) => void;
  /** Stops the exchange when aborted, in addition to SIGINT / SIGTERM. */
  readonly signal?: AbortSignal;
}

export const SIM_USAGE = `Usage: upstate sim [options]

Runs an Upbit-compatible WebSocket exchange on this machine until Ctrl-C.

Options:
  --port N                  TCP port (default 0: any free port)
  --host H                  interface to listen on (default 127.0.0.1)
  --seed N                  seed of the simulated market (default 1)
  --tick-ms N               milliseconds between market ticks (default 100)
  --credential ACCESS:SECRET  a key pair the private endpoint accepts (repeatable)
  -h, --help                show this help
`;

/** The exchange options an argument list asks for. Throws an `OptionError` naming a bad argument. */
export function parseSimArgs(argv: readonly string[]): ExchangeOptions & { readonly help: boolean } {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    // The parser's message names the option, never a value (a --credential value is a secret).
    throw new OptionError('argv', (error as Error).message, 'options listed by --help');
  }
  return {
    help: values.help === true,
    ...(values.port === undefined ? {} : { port: toInteger('--port', values.port) }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.seed === undefined ? {} : { seed: toInteger('--seed', values.seed) }),
    ...(values['tick-ms'] === undefined ? {} : { tickMs: toInteger('--tick-ms', values['tick-ms']) }),
    ...(values.credential === undefined ? {} : { credentials: values.credential.map(toCredentials) }),
  };
}

/** Starts the exchange, prints its URLs, and resolves once it is closed after SIGINT / SIGTERM. */
export async function runSim(argv: string[], io: RunSimIo = {}): Promise<void> {
  const write = io.write ?? ((text: string) => void process.stdout.write(text));
  const { help, ...options } = parseSimArgs(argv);
  if (help) {
    write(SIM_USAGE);
    return;
  }
  const exchange = await startExchange(options);
  write(`upstate sim: Upbit-compatible exchange running\n  public:  ${exchange.url}\n  private: ${exchange.privateUrl}\n`);
  await untilStopped(io.signal);
  await exchange.close();
  write('upstate sim: closed\n');
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'tick-ms': { type: 'string' },
      credential: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function toInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new OptionError(flag, text, 'a whole number');
  return Number(text);
}

function toCredentials(text: string): UpbitCredentials {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new OptionError('--credential', '(hidden)', 'ACCESS:SECRET');
  return { accessKey: text.slice(0, colon), secretKey: text.slice(colon + 1) };
}
