/**
 * The `upstate` command: picks the command and runs it. Every command is `run(argv, io)` and
 * returns an exit code, so tests run them in-process; only the bottom of this file touches the
 * process (argv, stdout, signals, exit).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
import { type CliIo, type Command, EXIT } from './io.js';
import { oneLine, USAGE, usageFailure } from './usage.js';

/** Loaded on demand: `upstate sim` never loads the orchestrator, `--help` loads nothing. */
const COMMANDS: Readonly<Record<string, () => Promise<{ run: Command }>>> = {
  demo: () => import('./demo.js'),
  watch: () => import('./watch.js'),
  sim: () => import('./sim.js'),
  gateway: () => import('./gateway.js'),
};

/** Runs `upstate <argv…>`; resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
    return usageFailure(io, '', new UsageError(`${what} (expected demo, watch, sim or gateway)`), USAGE);
  }
  try {
    const { run } = await load();
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
  let interrupts = 0;
  const onSignal = (): void => {
    // The first Ctrl-C ends the command cleanly; a second one does not wait for that.
    if (++interrupts > 1) process.exit(130);
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
    env: process.env,
  });
  // Flush what was written, then leave even if a library left a timer behind.
  process.stdout.write('', () => process.exit(code));
}
