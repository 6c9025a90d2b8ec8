import { SpecError } from '../errors.js';
import { isRecord } from '../protocol/upbit/json.js';
import {
  connectionKindOf,
  DATA_TYPES,
  DEFAULT_ORDERBOOK_DEPTH,
  isDataType,
  isPrivateType,
  MARKET_CODE,
  ORDERBOOK_DEPTHS,
  type ConnectionKind,
  type DataType,
  type OrderbookDepth,
} from '../protocol/upbit/types.js';

/**
 * Whether a subscriber wants the SNAPSHOT sent on subscribe, the REALTIME stream, or both.
 * - `include` (default): the current value first, then every update.
 * - `only`: the current value once, then nothing (`isOnlySnapshot`).
 * - `exclude`: updates only (`isOnlyRealtime`).
 *
 * Joining a stream that already flows for someone else, the current value comes from the
 * orchestrator's last-value cache (`cacheTypes`: ticker and orderbook by default). For a type not
 * cached, `include` starts with the next update, and `only` takes the next message as its value.
 */
export type SnapshotMode = 'include' | 'only' | 'exclude';

/** What one subscriber asks for. Validated at the door by `normalizeSpec`. */
export interface Spec<T extends DataType = DataType> {
  readonly type: T;
  /**
   * Upper-case market codes (`KRW-BTC`). Required for public types; optional for `myOrder`
   * (omitted or empty = every market); forbidden for `myAsset`. Orderbook codes may carry a
   * depth suffix (`KRW-BTC.15`) instead of `depth`.
   */
  readonly codes?: readonly string[];
  /** @default 'include' */
  readonly snapshot?: SnapshotMode;
  /** Orderbook only: price-grouping level (KRW markets). @default 0 */
  readonly level?: number;
  /** Orderbook only: number of price levels, 1, 5, 15 or 30. @default 30 */
  readonly depth?: OrderbookDepth;
}

/** A spec that passed validation, with every default filled in. Frozen. */
export interface NormalizedSpec {
  /** The socket the type travels on. */
  readonly kind: ConnectionKind;
  readonly type: DataType;
  /** Upper-case codes without depth suffix, deduplicated; empty for `myAsset` and all-markets `myOrder`. */
  readonly codes: readonly string[];
  readonly snapshot: SnapshotMode;
  /** Orderbook price-grouping level; 0 for every other type. */
  readonly level: number;
  /** Orderbook depth; 30 for every other type. */
  readonly depth: OrderbookDepth;
}

/**
 * Most codes one spec may list. Upbit documents no limit, but all its markets together
 * (KRW, BTC and USDT) number well under a thousand, so a longer list is a bug, not a wish.
 */
export const MAX_CODES_PER_SPEC = 1000;

const SPEC_FIELDS: readonly string[] = ['type', 'codes', 'snapshot', 'level', 'depth'];
const SNAPSHOT_MODES: readonly string[] = ['include', 'only', 'exclude'];
/** A market code followed by an orderbook depth suffix: `KRW-BTC.15`. */
const DEPTH_SUFFIX = /^(.*)\.(\d+)$/;

/**
 * Validates one spec and fills in its defaults. Throws `SpecError` naming the field
 * (`type`, `codes`, `codes[2]`, `snapshot`, `level`, `depth`) and the value that was wrong.
 */
export function normalizeSpec(spec: unknown): NormalizedSpec {
  return normalizeAt(spec, '');
}

/**
 * Validates a list of specs, all or nothing: the first bad spec throws a `SpecError` whose
 * field is prefixed with its index (`specs[1].codes[0]`).
 */
export function normalizeSpecs(specs: unknown): NormalizedSpec[] {
  if (!Array.isArray(specs)) throw new SpecError('specs', specs, 'must be an array of specs');
  return specs.map((spec: unknown, index) => normalizeAt(spec, `specs[${index}].`));
}

function normalizeAt(spec: unknown, at: string): NormalizedSpec {
  if (!isRecord(spec)) throw new SpecError(at === '' ? 'spec' : at.slice(0, -1), spec, 'must be an object');
  // An unknown field is most likely a typo (`snapshots`, `code`): silently ignoring it would change the meaning.
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(key)) {
      throw new SpecError(at + key, spec[key], `is not a spec field (expected ${SPEC_FIELDS.join(', ')})`);
    }
  }
  const type = checkType(spec.type, at);
  const snapshot = checkSnapshot(spec.snapshot, type, at);
  const level = checkLevel(spec.level, type, at);
  const depth = checkDepth(spec.depth, type, at);
  const parsed = checkCodes(spec.codes, type, depth, at);
  // Upbit groups prices only on KRW markets; elsewhere it answers a level with an error frame.
  const foreign = level === 0 ? undefined : parsed.codes.findIndex((code) => !code.startsWith('KRW-'));
  if (foreign !== undefined && foreign >= 0) {
    throw new SpecError(`${at}codes[${foreign}]`, parsed.codes[foreign], 'must be a KRW market when `level` is set (Upbit groups prices on KRW markets only)');
  }
  return Object.freeze({
    kind: connectionKindOf(type),
    type,
    codes: Object.freeze(parsed.codes),
    snapshot,
    level,
    depth: parsed.depth,
  });
}

function checkType(value: unknown, at: string): DataType {
  if (!isDataType(value)) throw new SpecError(`${at}type`, value, `must be one of ${DATA_TYPES.join(', ')}`);
  return value;
}

function checkSnapshot(value: unknown, type: DataType, at: string): SnapshotMode {
  if (value === undefined) return 'include';
  if (typeof value !== 'string' || !SNAPSHOT_MODES.includes(value)) {
    throw new SpecError(`${at}snapshot`, value, "must be 'include', 'only' or 'exclude'");
  }
  // Upbit sends myOrder and myAsset only when something happens: there is no snapshot to wait for.
  if (value === 'only' && isPrivateType(type)) {
    throw new SpecError(`${at}snapshot`, value, `cannot be 'only' for ${type}, a realtime-only stream`);
  }
  return value as SnapshotMode;
}

function checkLevel(value: unknown, type: DataType, at: string): number {
  if (value === undefined) return 0;
  if (type !== 'orderbook') throw new SpecError(`${at}level`, value, 'is only valid for orderbook');
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SpecError(`${at}level`, value, 'must be a finite number >= 0 (a price unit, 0 = no grouping)');
  }
  return value;
}

function checkDepth(value: unknown, type: DataType, at: string): OrderbookDepth | undefined {
  if (value === undefined) return undefined;
  if (type !== 'orderbook') throw new SpecError(`${at}depth`, value, 'is only valid for orderbook');
  if (!isOrderbookDepth(value)) throw new SpecError(`${at}depth`, value, `must be one of ${ORDERBOOK_DEPTHS.join(', ')}`);
  return value;
}

function checkCodes(
  value: unknown,
  type: DataType,
  depth: OrderbookDepth | undefined,
  at: string,
): { codes: string[]; depth: OrderbookDepth } {
  const field = `${at}codes`;
  if (type === 'myAsset') {
    // Upbit answers WRONG_FORMAT to a myAsset field with codes.
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new SpecError(field, value, 'is not allowed for myAsset');
    }
    return { codes: [], depth: DEFAULT_ORDERBOOK_DEPTH };
  }
  if (value === undefined) {
    if (type === 'myOrder') return { codes: [], depth: DEFAULT_ORDERBOOK_DEPTH };
    throw new SpecError(field, value, `is required for ${type}`);
  }
  if (!Array.isArray(value)) throw new SpecError(field, value, 'must be an array of market codes');
  if (value.length === 0 && type !== 'myOrder') {
    throw new SpecError(field, value, `must list at least one market code for ${type}`);
  }
  if (value.length > MAX_CODES_PER_SPEC) {
    throw new SpecError(field, value, `must list at most ${MAX_CODES_PER_SPEC} codes`);
  }
  const codes = new Set<string>();
  // One spec has one depth: every code must agree with `depth`, or else with the first code.
  let shared: { depth: OrderbookDepth; from: string } | undefined =
    depth === undefined ? undefined : { depth, from: `depth ${depth}` };
  value.forEach((raw: unknown, index) => {
    const here = `${field}[${index}]`;
    const { code, suffix } = checkCode(raw, here, type);
    // As on Upbit, a code without suffix means the default depth (here: `depth`, else 30).
    const codeDepth = suffix ?? depth ?? DEFAULT_ORDERBOOK_DEPTH;
    const from = suffix === undefined ? 'no suffix' : `suffix .${suffix}`;
    if (shared === undefined) shared = { depth: codeDepth, from: `${from} in ${here}` };
    else if (shared.depth !== codeDepth) {
      throw new SpecError(here, raw, `has ${from}, which conflicts with ${shared.from}; use one spec per depth`);
    }
    codes.add(code);
  });
  return { codes: [...codes], depth: shared?.depth ?? DEFAULT_ORDERBOOK_DEPTH };
}

function checkCode(raw: unknown, here: string, type: DataType): { code: string; suffix: OrderbookDepth | undefined } {
  if (typeof raw !== 'string') throw new SpecError(here, raw, 'must be a market code string');
  const match = DEPTH_SUFFIX.exec(raw);
  const code = match ? match[1]! : raw;
  if (!MARKET_CODE.test(code)) {
    const reason = MARKET_CODE.test(code.toUpperCase())
      ? 'must be upper case (Upbit requires upper-case codes)'
      : 'must be a market code like KRW-BTC';
    throw new SpecError(here, raw, reason);
  }
  if (!match) return { code, suffix: undefined };
  if (type !== 'orderbook') throw new SpecError(here, raw, 'has a .N depth suffix, which only orderbook accepts');
  const suffix = Number(match[2]);
  // Upbit silently serves 30 levels for an unsupported suffix; reject it so the subscriber gets what it asked for.
  if (!isOrderbookDepth(suffix)) {
    throw new SpecError(here, raw, `has depth suffix .${match[2]}; supported: ${ORDERBOOK_DEPTHS.join(', ')}`);
  }
  return { code, suffix };
}

function isOrderbookDepth(value: unknown): value is OrderbookDepth {
  return (ORDERBOOK_DEPTHS as readonly unknown[]).includes(value);
}
