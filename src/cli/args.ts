/**
 * Argument parsing on top of `node:util` `parseArgs`: every mistake becomes a `UsageError` with a
 * one-line message naming the argument, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OptionError, SpecError } from '../errors.js';
import type { Credentials } from '../options.js';

/** Bad arguments: the command prints the message and its usage, then exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Whether `error` means "the arguments were wrong" (exit 2) rather than "the run failed" (exit 1). */
export function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof OptionError || error instanceof SpecError;
}

/** `parseArgs` (strict unless `config.strict` is false); its errors become one-line `UsageError`s. */
export function parseCommandArgs<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    // Node's first sentence names the argument ("Unknown option '--x'"); the rest is advice.
    const message = error instanceof Error ? error.message.split(/\.\s/)[0]! : String(error);
    throw new UsageError(message);
  }
}

/** `--duration 2.5` → 2500 ms. */
/** The options every long-running command takes: inspection, a trace file, help. */
export const COMMON_OPTIONS = {
  inspect: { type: 'boolean' },
  'inspect-port': { type: 'string' },
  trace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function secondsOption(flag: string, text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} expects a number of seconds > 0, got '${text}'`);
  }
  return Math.round(seconds * 1000);
}

/** A whole number from `min` to `max`. */
export function integerOption(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got '${text}'`);
  }
  return Number(text);
}

/** `1,5,10` → [1, 5, 10], each from `min` to `max`, duplicates removed, in the order given. */
export function integerListOption(flag: string, text: string, min: number, max: number): number[] {
  const values = text.split(',').map((part) => integerOption(flag, part.trim(), min, max));
  return [...new Set(values)];
}

/**
 * API keys from `UPBIT_ACCESS_KEY` and `UPBIT_SECRET_KEY`. Both or neither: one alone is a usage
 * error (which never quotes the value).
 */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): Credentials | undefined {
  const accessKey = env.UPBIT_ACCESS_KEY;
  const secretKey = env.UPBIT_SECRET_KEY;
  if (!accessKey && !secretKey) return undefined;
  if (!accessKey || !secretKey) throw new UsageError('set both UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or neither');
  return { accessKey, secretKey };
}
