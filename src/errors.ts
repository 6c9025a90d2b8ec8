/**
 * Every error upstate throws or emits is an `UpstateError` with a stable `code`.
 * Misuse (a bad spec, a bad option) throws at once and changes nothing; runtime failures
 * (a handler that throws, a refused connection) are emitted on the orchestrator's `error` event.
 */

export type ErrorCode =
  /** A subscription spec was rejected; `field` and `value` say what was wrong. */
  | 'ERR_SPEC'
  /** An option passed to `createOrchestrator` (or another factory) was rejected. */
  | 'ERR_OPTION'
  /** The orchestrator was used after `close()`. */
  | 'ERR_CLOSED'
  /** A subscriber's handler threw; the frame still reached every other subscriber. */
  | 'ERR_HANDLER'
  /** Upbit answered with an error frame (`INVALID_AUTH`, `WRONG_FORMAT`, …). */
  | 'ERR_UPBIT'
  /** The private endpoint refused the credentials; the connection stops retrying. */
  | 'ERR_AUTH'
  /** An inbound frame could not be decoded; it was dropped. */
  | 'ERR_DECODE'
  /** A stream consumer fell behind on a type that is never conflated (trade, candles, myOrder, myAsset). */
  | 'ERR_STREAM_OVERFLOW'
  /** A rate-gate wait was cancelled because its caller no longer needs it. */
  | 'ERR_ABORTED'
  /** A WebSocket could not be opened (refused upgrade with an HTTP status, network failure) or is not open. */
  | 'ERR_LINK'
  /** A rate gate failed to grant (a shared store out of reach, say); the flush asks again after a pause. */
  | 'ERR_GATE'
  /** A new market code found no room in the public pool (`pool.codesPerConnection` × `pool.publicConnections`); nothing was changed. */
  | 'ERR_CAPACITY'
  /** A feature needs an optional package that is not installed (fleet mode, the live view, metrics, --inspect); the message says what to install. */
  | 'ERR_PEER_MISSING';

export class UpstateError extends Error {
  override name = 'UpstateError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A subscription spec was rejected at the door. Nothing was changed. */
export class SpecError extends UpstateError {
  override name = 'SpecError';
  /** The spec field that was wrong (`type`, `codes`, `codes[3]`, `depth`, `level`, `snapshot`, …). */
  readonly field: string;
  /** The offending value, as received. */
  readonly value: unknown;

  constructor(field: string, value: unknown, reason: string) {
    super('ERR_SPEC', `Invalid subscription spec: \`${field}\` ${reason}, got ${describe(value)}`);
    this.field = field;
    this.value = value;
  }
}

/** An option was rejected. Nothing was started. */
export class OptionError extends UpstateError {
  override name = 'OptionError';
  readonly option: string;
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super('ERR_OPTION', `Expected \`${option}\` to be ${expected}, got ${describe(value)}`);
    this.option = option;
    this.value = value;
  }
}

/** A subscription would need more public connections than `pool.publicConnections` allows. Nothing was changed. */
export class CapacityError extends UpstateError {
  override name = 'CapacityError';
  /** The new market codes the call asked for that found no room (at most 5 are named in the message). */
  readonly codes: readonly string[];
  /** How many codes the pool holds at most: `codesPerConnection × publicConnections`. */
  readonly capacity: number;

  constructor(codes: readonly string[], capacity: number) {
    const shown = codes.slice(0, 5).join(', ') + (codes.length > 5 ? ` and ${codes.length - 5} more` : '');
    super(
      'ERR_CAPACITY',
      `The public connection pool is full (${capacity} market codes: pool.codesPerConnection × pool.publicConnections); no room for ${shown}`,
    );
    this.codes = Object.freeze([...codes]);
    this.capacity = capacity;
  }
}

/**
 * A feature was used without the optional package(s) it needs (they are optional peer
 * dependencies, so a user who only streams never installs them). Nothing was started.
 */
export class PeerMissingError extends UpstateError {
  override name = 'PeerMissingError';
  /** What needed them, as a user names it (`fleet mode (…)`, `the live view (…)`). */
  readonly feature: string;
  /** Every package the feature needs: the ones `npm install` is told to add. */
  readonly packages: readonly string[];

  constructor(feature: string, packages: readonly string[], missing: string, hint: string | undefined, cause: unknown) {
    const needs = packages.length === 1 ? `the optional package ${packages[0]}` : `the optional packages ${list(packages)}`;
    const which = packages.length === 1 ? ', which is' : `; ${missing} is`;
    super('ERR_PEER_MISSING', `${feature} needs ${needs}${which} not installed: npm install ${packages.join(' ')}${hint === undefined ? '' : ` ${hint}`}`, { cause });
    this.feature = feature;
    this.packages = Object.freeze([...packages]);
  }
}

function list(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** An error frame from Upbit (or the embedded exchange). */
export class UpbitError extends UpstateError {
  override name = 'UpbitError';
  /** Upbit's error name: `INVALID_AUTH`, `WRONG_FORMAT`, `NO_TICKET`, `NO_TYPE`, `NO_CODES`, `INVALID_PARAM`. */
  readonly upbitName: string;
  /** What the refused request asked for (`ticker KRW-BTC, KRW-ETH; trade KRW-BTC`), when known. */
  readonly request: string | undefined;

  constructor(upbitName: string, message: string, request?: string) {
    super(
      upbitName === 'INVALID_AUTH' ? 'ERR_AUTH' : 'ERR_UPBIT',
      `Upbit error ${upbitName}: ${message}${request === undefined ? '' : ` (the request asked for ${request})`}`,
    );
    this.upbitName = upbitName;
    this.request = request;
  }
}

/** Short, bounded rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 80)}…` : json;
  } catch {
    return 'an unserialisable object';
  }
}
