import { DATA_TYPES, type ConnectionId, type ConnectionKind, type DataType, type OrderbookDepth } from '../protocol/upbit/types.js';

/**
 * One stream the server should deliver: what goes on the wire for one (type, code, level),
 * merged over every subscriber that wants it.
 */
export interface DesiredEntry {
  readonly type: DataType;
  /** Market code without suffix; `''` for myAsset and for all-markets myOrder. */
  readonly code: string;
  /** Orderbook price-grouping level; 0 for every other type. */
  readonly level: number;
  /** Orderbook depth: the largest any subscriber asked for; 30 for every other type. */
  readonly depth: OrderbookDepth;
  /** Some subscriber wants the SNAPSHOT. Always false for myOrder and myAsset (Upbit sends events only). */
  readonly snapshot: boolean;
  /** Some subscriber wants the REALTIME stream. Always true for myOrder and myAsset. */
  readonly realtime: boolean;
}

/** What one connection should be subscribed to, at one registry version. Frozen. */
export interface DesiredState {
  readonly kind: ConnectionKind;
  /** The connection that carries it: `'private'`, or the public shard (`'public'`, `'public-2'`, …). */
  readonly connection: ConnectionId;
  /** Moves on every net change of `entries`, and only then. */
  readonly version: number;
  /** Content hash of `entries`: equal entries, equal fingerprint, whatever the history. */
  readonly fingerprint: number;
  /**
   * Sorted by type (in `DATA_TYPES` order), then level, then code, so the entries of one type
   * field are adjacent. Specific myOrder codes are left out while all markets are wanted.
   */
  readonly entries: readonly DesiredEntry[];
}

const TYPE_RANK = new Map<string, number>(DATA_TYPES.map((type, index) => [type, index]));

/** A type's position in `DATA_TYPES`: the order of entries and of request fields. */
export function typeRank(type: DataType): number {
  return TYPE_RANK.get(type) ?? DATA_TYPES.length;
}

/** The order of `DesiredState.entries`. */
export function compareEntries(a: DesiredEntry, b: DesiredEntry): number {
  return (
    typeRank(a.type) - typeRank(b.type) ||
    a.level - b.level ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

/** Everything about an entry that the server sees, as one string: its identity for hashing and comparing. */
export function wireText(entry: DesiredEntry): string {
  return `${entry.type} ${entry.code} ${entry.level} ${entry.depth} ${entry.snapshot ? 'S' : '-'}${entry.realtime ? 'R' : '-'}`;
}

/** The identity of a stream on the server, flags aside: (type, code, level, depth). */
export function streamKey(entry: DesiredEntry): string {
  return `${entry.type} ${entry.code} ${entry.level} ${entry.depth}`;
}
