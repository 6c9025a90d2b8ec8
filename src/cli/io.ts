/**
 * What a command may touch of the outside world. `main.ts` wires it to the process; tests pass
 * their own, so every command runs in-process.
 */

/** Anything with a `write(text)`: `process.stdout`, or a collecting test double. */
export interface Output {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Ends a long-running command cleanly (main.ts aborts it on SIGINT / SIGTERM). */
  readonly signal?: AbortSignal;
  /** Whether stdout is a terminal: a live screen instead of plain lines. @default false */
  readonly isTTY?: boolean;
  /** Width of the terminal; a live view never draws wider. @default 80 */
  readonly columns?: number | undefined;
  /** Where `UPBIT_ACCESS_KEY` / `UPBIT_SECRET_KEY` are read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A command: arguments after its name in, exit code out. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Exit codes of `upstate`. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed (refused credentials, unreachable endpoint, …). */
  failure: 1,
  /** Bad arguments: a one-line error and the usage were printed. */
  usage: 2,
  /** Ended by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Ended by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
