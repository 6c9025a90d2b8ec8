/** An in-memory `CliIo` for running commands in-process. */
import type { CliIo } from '../../src/cli/io.js';

export interface CapturedIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  err(): string;
}

export function captureIo(options: { signal?: AbortSignal; isTTY?: boolean; env?: Record<string, string | undefined>; onOut?: (text: string) => void } = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout: {
      write: (text: string) => {
        stdout.push(text);
        options.onOut?.(text);
      },
    },
    stderr: { write: (text: string) => stderr.push(text) },
    ...(options.signal ? { signal: options.signal } : {}),
    isTTY: options.isTTY ?? false,
    // Never the developer's own keys.
    env: options.env ?? {},
    out: () => stdout.join(''),
    err: () => stderr.join(''),
  };
}
