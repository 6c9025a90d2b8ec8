/**
 * `upstate sim`: the embedded exchange alone, until the command's signal aborts (main.ts aborts it
 * on SIGINT / SIGTERM), then closed cleanly.
 */
import type { Credentials } from '../options.js';
import { type ExchangeHandle, type ExchangeOptions, startExchange } from '../sim/index.js';
import { credentialsFromEnv, integerOption, isUsageError, parseCommandArgs } from './args.js';
import { type CliIo, EXIT } from './io.js';
import { SIM_USAGE, usageFailure } from './usage.js';

export { SIM_USAGE };

/** Node's timers take at most 2^31 - 1 ms; a longer interval would fire every millisecond. */
const MAX_TICK_MS = 2_147_483_647;

/** The exchange options the arguments ask for. Throws a `UsageError` naming a bad argument. */
export function parseSimArgs(argv: readonly string[]): ExchangeOptions & { readonly help: boolean } {
  const { values } = parseCommandArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'tick-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    help: values.help === true,
    ...(values.port === undefined ? {} : { port: integerOption('--port', values.port, 0, 65_535) }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.seed === undefined ? {} : { seed: integerOption('--seed', values.seed, 0, 0xffff_ffff) }),
    ...(values['tick-ms'] === undefined ? {} : { tickMs: integerOption('--tick-ms', values['tick-ms'], 0, MAX_TICK_MS) }),
  };
}

/**
 * Starts the exchange, prints its URLs, and exits 0 once `io.signal` aborts and the exchange is
 * closed. Without a signal it serves until the process ends.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let exchange: ExchangeHandle;
  let credentials: Credentials | undefined;
  try {
    const { help, ...options } = parseSimArgs(argv);
    if (help) {
      io.stdout.write(SIM_USAGE);
      return EXIT.ok;
    }
    credentials = credentialsFromEnv(io.env ?? process.env);
    exchange = await startExchange({ ...options, credentials: credentials === undefined ? [] : [credentials] });
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'sim', error, SIM_USAGE);
    throw error;
  }
  const keys = credentials === undefined ? 'no key pair: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY unset' : 'key pair from UPBIT_ACCESS_KEY';
  io.stdout.write(
    `upstate sim: Upbit-compatible exchange running (simulated market)\n  public:  ${exchange.url}\n  private: ${exchange.privateUrl} (${keys})\n`,
  );
  await aborted(io.signal);
  await exchange.close();
  io.stdout.write('upstate sim: closed\n');
  return EXIT.ok;
}

/** Resolves once `signal` aborts; never without a signal. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
