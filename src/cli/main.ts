/**
 * The `upstate` command: picks the command and runs it. Every command is `run(argv, io)` and
 * returns an exit code, so tests run them in-process; only the bottom of this file touches the
 * process (argv, stdout, signals, exit).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
import { commandNamed, COMMANDS, topUsage } from './commands.js';
import { type CliIo, EXIT } from './io.js';
import { oneLine, usageFailure } from './usage.js';
import { packageVersion } from './version.js';

/** Runs `upstate <argv…>`; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(topUsage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = commandNamed(name);
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
    const names = COMMANDS.map((c) => c.name);
    const expected = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
    return usageFailure(io, '', new UsageError(`${what} (expected ${expected})`), topUsage());
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (error) {
    io.stderr.write(`upstate ${name}: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT.failure;
  }
}

/** Whether this module is the program node started (not imported by a test or a bundle). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  /** The signal that ended the run: the exit code says so (128 + its number), whatever the command returned. */
  let interruptedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    // The first Ctrl-C ends the command cleanly; a second one does not wait for that.
    if (interruptedBy !== undefined) process.exit(EXIT.interrupted);
    interruptedBy = signal;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`upstate watch … | head`) ends the command like Ctrl-C, quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    controller.abort();
  });
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
    env: process.env,
  });
  const exitCode = interruptedBy === 'SIGINT' ? EXIT.interrupted : interruptedBy === 'SIGTERM' ? EXIT.terminated : code;
  // Flush what was written, then leave even if a library left a timer behind.
  process.stdout.write('', () => process.exit(exitCode));
}
