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

/**
 * `parseArgs` (strict unless `config.strict` is false), with upstate's own words for its errors
 * (one line naming the argument). A value that starts with a dash (`--duration -1`) is taken as
 * the option's value, so the option's own check reports it, not "argument is ambiguous".
 */
export function parseCommandArgs<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args === undefined ? undefined : joinDashedValues(config.args, config.options ?? {});
  try {
    // Only `args` changes: the result keeps the types `config` gives it.
    return parseArgs({ ...config, ...(args === undefined ? {} : { args }) } as T);
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
}

/** `['--duration', '-1']` → `['--duration=-1']` for options that take a value. */
function joinDashedValues(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-./.test(next) && !/^--?[a-z]/i.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Node's parseArgs errors, said the way upstate says everything else. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const named = /'(-[^' ]+)/.exec(message)?.[1];
  const argument = /'([^']*)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${named ?? argument}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${argument}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${named} takes no value`;
      return `${named} needs a value`;
    default:
      return message.split(/\.\s/)[0]!;
  }
}

/**
 * The options every long-running command takes (inspection, a trace file, help) and, just below,
 * their lines in those commands' help. A flag for all of them is added here, in both, and
 * nowhere else: the help texts, the synopsis and `upstate --help` pick it up.
 */
export const COMMON_OPTIONS = {
  inspect: { type: 'boolean' },
  'inspect-port': { type: 'string' },
  trace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `  --inspect           serve the Stately inspector locally and print its URL (the page
                      loads the inspector from stately.ai: offline it stays blank;
                      needs the optional package @statelyai/inspect)
  --inspect-port N    port of the inspector (default: a free one)
  --trace FILE        write every inspection event to FILE as JSON lines
  --ui [PORT]         serve the live statecharts, /metrics and /healthz on 127.0.0.1
                      (default: a free port)
  -h, --help          show this help`;

/** `--duration 2.5` → 2500 ms. */
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
