/**
 * Options of the embedded exchange: documented, defaulted in one place, every value validated
 * before anything starts (an `OptionError` names the option and the value received).
 */
import { OptionError } from '../errors.js';
import type { UpbitCredentials } from '../protocol/upbit/jwt.js';
import { DEFAULT_MARKETS } from './catalogue.js';

/** Upbit's WebSocket limits (https://docs.upbit.com/reference/rate-limits). */
export interface ExchangeLimits {
  /**
   * Connection requests admitted per rolling second, per IP (per access key for an authenticated
   * private handshake). Beyond it the upgrade is refused with HTTP 429.
   * @default 5
   */
  readonly connectPerSecond?: number;
  /**
   * Connection requests carrying an `Origin` header (browsers) admitted per rolling 10 seconds, per IP.
   * @default 1
   */
  readonly connectWithOriginPer10Seconds?: number;
  /**
   * Client messages per rolling second, per connection. Beyond it: a `TOO_MANY_REQUESTS` error
   * frame, then close 1008.
   * @default 5
   */
  readonly messagesPerSecond?: number;
  /**
   * Client messages per rolling minute, per connection (same consequence).
   * @default 100
   */
  readonly messagesPerMinute?: number;
}

/** How a private handshake with a missing or bad JWT is refused. */
export type AuthFailureMode = 'http' | 'frame';

export interface ExchangeOptions {
  /** TCP port; 0 picks a free one (read it from `handle.port`). @default 0 */
  readonly port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Market codes that trade. Codes of other markets are accepted in requests and get nothing,
   * as on Upbit.
   * @default 20 busy KRW markets (`KRW-BTC`, `KRW-ETH`, `KRW-XRP`, `KRW-SOL`, `KRW-DOGE`, …)
   */
  readonly markets?: readonly string[];
  /**
   * Milliseconds between market ticks; 0 disables automatic ticks (drive them with `handle.tick()`).
   * @default 100
   */
  readonly tickMs?: number;
  /** Seed of the market random walk: the same seed and ticks give the same prices. @default 1 */
  readonly seed?: number;
  /**
   * A connection with no data either way for this long is dropped without a close frame (the
   * client sees 1006). Upbit's pages say about 120 s; a live probe saw 60.5 s, twice, and 60.7 s
   * on a socket whose only traffic was one snapshot (docs/sim.md, *Idle connections*). Pass
   * `120_000` for the documented value.
   * @default 60_000
   */
  readonly idleTimeoutMs?: number;
  /**
   * A lower-case market code in a request (`krw-btc`): `'ignore'` accepts it and sends nothing
   * for it, as a live probe saw Upbit do; `'reject'` answers INVALID_PARAM (Upbit's pages only
   * ask for upper case). See docs/sim.md, *Lower-case codes*.
   * @default 'ignore'
   */
  readonly lowerCaseCodes?: 'ignore' | 'reject';
  /** Upbit's limits; `false` disables all of them. @default { connectPerSecond: 5, connectWithOriginPer10Seconds: 1, messagesPerSecond: 5, messagesPerMinute: 100 } */
  readonly limits?: ExchangeLimits | false;
  /** Key pairs the private endpoint accepts. @default [] */
  readonly credentials?: readonly UpbitCredentials[];
  /**
   * `'frame'`: accept the upgrade, send `{"error":{"name":"INVALID_AUTH",…}}`, close 1008 (Upbit's
   * documented error); `'http'`: refuse the upgrade with HTTP 401.
   * @default 'frame'
   */
  readonly authFailure?: AuthFailureMode;
  /**
   * How many client messages `handle.requests` keeps: the most recent ones, older ones are
   * dropped (0 keeps none). The `request` event still reports every message.
   * @default 5_000
   */
  readonly keepRequests?: number;
  /**
   * How many accepted JWT nonces are remembered per access key: a replayed token is refused until
   * this many newer tokens of its key have been accepted. Upbit's tokens carry no timestamp, so a
   * count bounds the memory instead of an age.
   * @default 100_000
   */
  readonly keepNonces?: number;
}

/** Every option with its default applied; `limits` is `undefined` when disabled. */
export interface ResolvedExchangeOptions {
  readonly port: number;
  readonly host: string;
  readonly markets: readonly string[];
  readonly tickMs: number;
  readonly seed: number;
  readonly idleTimeoutMs: number;
  readonly lowerCaseCodes: 'ignore' | 'reject';
  readonly limits: Required<ExchangeLimits> | undefined;
  readonly credentials: readonly UpbitCredentials[];
  readonly authFailure: AuthFailureMode;
  readonly keepRequests: number;
  readonly keepNonces: number;
}

export const DEFAULT_LIMITS: Required<ExchangeLimits> = {
  connectPerSecond: 5,
  connectWithOriginPer10Seconds: 1,
  messagesPerSecond: 5,
  messagesPerMinute: 100,
};

const MARKET_CODE = /^[A-Z0-9]+-[A-Z0-9]+$/;

export function resolveOptions(options: ExchangeOptions = {}): ResolvedExchangeOptions {
  if (typeof options !== 'object' || options === null) throw new OptionError('options', options, 'an object');
  const resolved = {
    port: 0,
    host: '127.0.0.1',
    markets: DEFAULT_MARKETS,
    tickMs: 100,
    seed: 1,
    idleTimeoutMs: 60_000,
    lowerCaseCodes: 'ignore' as 'ignore' | 'reject',
    credentials: [] as readonly UpbitCredentials[],
    authFailure: 'frame' as AuthFailureMode,
    keepRequests: 5_000,
    keepNonces: 100_000,
    ...withoutUndefined(options),
  };
  expectInteger('port', resolved.port, 0, 65_535);
  if (typeof resolved.host !== 'string' || resolved.host === '') throw new OptionError('host', resolved.host, 'a non-empty string');
  expectMarkets(resolved.markets);
  expectInteger('tickMs', resolved.tickMs, 0, Number.MAX_SAFE_INTEGER);
  expectInteger('seed', resolved.seed, 0, 0xffff_ffff);
  expectInteger('idleTimeoutMs', resolved.idleTimeoutMs, 1, Number.MAX_SAFE_INTEGER);
  if (resolved.lowerCaseCodes !== 'ignore' && resolved.lowerCaseCodes !== 'reject') {
    throw new OptionError('lowerCaseCodes', resolved.lowerCaseCodes, "'ignore' or 'reject'");
  }
  expectCredentials(resolved.credentials);
  if (resolved.authFailure !== 'http' && resolved.authFailure !== 'frame') {
    throw new OptionError('authFailure', resolved.authFailure, "'http' or 'frame'");
  }
  expectInteger('keepRequests', resolved.keepRequests, 0, Number.MAX_SAFE_INTEGER);
  expectInteger('keepNonces', resolved.keepNonces, 1, Number.MAX_SAFE_INTEGER);
  return { ...resolved, limits: resolveLimits(options.limits) };
}

function resolveLimits(limits: ExchangeLimits | false | undefined): Required<ExchangeLimits> | undefined {
  if (limits === false) return undefined;
  if (limits === undefined) return DEFAULT_LIMITS;
  if (typeof limits !== 'object' || limits === null) throw new OptionError('limits', limits, 'an object or false');
  const resolved = { ...DEFAULT_LIMITS, ...withoutUndefined(limits) };
  for (const [name, value] of Object.entries(resolved)) expectInteger(`limits.${name}`, value, 1, Number.MAX_SAFE_INTEGER);
  return resolved;
}

function expectInteger(option: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(option, value, `an integer from ${min} to ${max}`);
  }
}

function expectMarkets(markets: unknown): void {
  if (!Array.isArray(markets)) throw new OptionError('markets', markets, 'an array of market codes');
  markets.forEach((code: unknown, index) => {
    if (typeof code !== 'string' || !MARKET_CODE.test(code)) {
      throw new OptionError(`markets[${index}]`, code, 'an upper-case market code such as "KRW-BTC"');
    }
  });
}

function expectCredentials(credentials: unknown): void {
  if (!Array.isArray(credentials)) throw new OptionError('credentials', credentials, 'an array of { accessKey, secretKey }');
  credentials.forEach((entry: unknown, index) => {
    const pair = entry as Partial<UpbitCredentials> | null;
    if (typeof pair !== 'object' || pair === null || typeof pair.accessKey !== 'string' || pair.accessKey === '') {
      throw new OptionError(`credentials[${index}].accessKey`, pair?.accessKey, 'a non-empty string');
    }
    if (typeof pair.secretKey !== 'string' || pair.secretKey === '') {
      throw new OptionError(`credentials[${index}].secretKey`, pair.secretKey, 'a non-empty string');
    }
  });
}

/** Drops keys whose value is `undefined`, so they do not overwrite defaults in a spread. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
