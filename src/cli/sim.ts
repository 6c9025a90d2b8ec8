/** `upstate sim`: the embedded exchange alone, until Ctrl-C (delegates to the exchange's own CLI). */
import { runSim, SIM_USAGE } from '../sim/cli.js';
import { isUsageError } from './args.js';
import { type CliIo, EXIT } from './io.js';
import { usageFailure } from './usage.js';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await runSim([...argv], { write: (text) => void io.stdout.write(text), ...(io.signal ? { signal: io.signal } : {}) });
    return EXIT.ok;
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'sim', error, SIM_USAGE);
    throw error;
  }
}
