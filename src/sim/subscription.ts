/**
 * A connection's current subscription, compiled from the request that set it. Upbit has no
 * unsubscribe: each accepted request replaces the whole subscription
 * (https://docs.upbit.com/kr/docs/websocket-best-practice), so this is rebuilt, never patched.
 */
import type {
  DataType,
  ListedSubscription,
  ParsedTypeField,
  PublicType,
} from '../protocol/upbit/types.js';
import { DEFAULT_ORDERBOOK_DEPTH, isPrivateType } from '../protocol/upbit/types.js';

/** One public stream: a type on a market, at a depth and level for orderbooks. */
export interface StreamTarget {
  readonly type: PublicType;
  readonly code: string;
  /** Orderbook units; 30 for other types. */
  readonly depth: number;
  /** Orderbook grouping level; 0 for other types. */
  readonly level: number;
}

/** What `handle.untilSubscribed` waits for: a type on markets, orderbooks at a depth and level or any. */
export interface StreamQuery {
  readonly type: DataType;
  /** Upper-case market codes without depth suffix; empty for myAsset and all-markets myOrder. */
  readonly codes: readonly string[];
  readonly depth?: number;
  readonly level?: number;
}

/** Which of a key's orders reach the connection: every market, or some. */
export type MyOrderFilter = { readonly all: true } | { readonly all: false; readonly codes: ReadonlySet<string> };

export class Subscription {
  /** The fields of the request that set it, as parsed. */
  readonly fields: readonly ParsedTypeField[];
  /** Streams whose current value is sent once, right after the request, in request order. */
  readonly snapshots: readonly StreamTarget[];
  /** myOrder filter, when myOrder streams. */
  readonly myOrder: MyOrderFilter | undefined;
  /** Whether myAsset streams. */
  readonly myAsset: boolean;
  /** code → type → streams that get realtime messages. */
  private readonly realtime: ReadonlyMap<string, ReadonlyMap<PublicType, readonly StreamTarget[]>>;

  constructor(fields: readonly ParsedTypeField[]) {
    this.fields = fields;
    const snapshots = new Map<string, StreamTarget>();
    const realtime = new Map<string, Map<PublicType, Map<string, StreamTarget>>>();
    let myOrder: MyOrderFilter | undefined;
    let myAsset = false;

    for (const field of fields) {
      if (isPrivateType(field.type)) {
        // Upbit sends private data only on events: no snapshot.
        if (!field.realtime) continue;
        if (field.type === 'myAsset') myAsset = true;
        else myOrder = mergeMyOrder(myOrder, field);
        continue;
      }
      const type = field.type;
      for (const { code, depth } of field.codes ?? []) {
        const target: StreamTarget = {
          type,
          code,
          depth: type === 'orderbook' ? (depth ?? DEFAULT_ORDERBOOK_DEPTH) : DEFAULT_ORDERBOOK_DEPTH,
          level: type === 'orderbook' ? (field.level ?? 0) : 0,
        };
        const key = targetKey(target);
        if (field.snapshot && !snapshots.has(key)) snapshots.set(key, target);
        if (field.realtime) {
          const byType = realtime.get(code) ?? new Map<PublicType, Map<string, StreamTarget>>();
          realtime.set(code, byType);
          const targets = byType.get(type) ?? new Map<string, StreamTarget>();
          byType.set(type, targets);
          targets.set(key, target);
        }
      }
    }

    this.snapshots = [...snapshots.values()];
    this.realtime = new Map(
      [...realtime].map(([code, byType]) => [code, new Map([...byType].map(([type, targets]) => [type, [...targets.values()]]))]),
    );
    this.myOrder = myOrder;
    this.myAsset = myAsset;
  }

  /** Realtime streams of one market, by type; `undefined` when the market streams nothing. */
  realtimeOf(code: string): ReadonlyMap<PublicType, readonly StreamTarget[]> | undefined {
    return this.realtime.get(code);
  }

  /**
   * Whether realtime messages of `want.type` reach this connection for every one of `want.codes`
   * (orderbooks: at `want.depth` and `want.level` when given, at any otherwise). myOrder without
   * codes asks for every market; myAsset has none.
   */
  streams(want: StreamQuery): boolean {
    if (want.type === 'myAsset') return this.myAsset;
    if (want.type === 'myOrder') {
      if (this.myOrder === undefined) return false;
      return want.codes.length === 0 ? this.myOrder.all : want.codes.every((code) => this.wantsMyOrder(code));
    }
    const type = want.type;
    return want.codes.every((code) =>
      (this.realtime.get(code)?.get(type) ?? []).some(
        (target) => (want.depth === undefined || target.depth === want.depth) && (want.level === undefined || target.level === want.level),
      ),
    );
  }

  /** Whether a myOrder event of this market reaches the connection. */
  wantsMyOrder(code: string): boolean {
    if (this.myOrder === undefined) return false;
    return this.myOrder.all || this.myOrder.codes.has(code);
  }

  /**
   * The LIST_SUBSCRIPTIONS `result`: what streams on this connection, one entry per type (per
   * type and level for orderbooks), codes in request order. Orderbook codes keep a `.N` suffix
   * when the depth is not the default 30. Snapshot-only fields stream nothing and are not listed.
   */
  listing(): ListedSubscription[] {
    const entries = new Map<string, { type: ListedSubscription['type']; codes: string[] | undefined; level?: number }>();
    for (const field of this.fields) {
      if (!field.realtime) continue;
      if (isPrivateType(field.type)) {
        const existing = entries.get(field.type);
        const codes = field.codes?.map(({ code }) => code);
        if (existing === undefined) entries.set(field.type, { type: field.type, codes });
        // Codes omitted anywhere means every market.
        else if (existing.codes !== undefined) existing.codes = codes === undefined ? undefined : union(existing.codes, codes);
        continue;
      }
      const level = field.type === 'orderbook' ? (field.level ?? 0) : undefined;
      const key = level === undefined ? field.type : `${field.type}|${level}`;
      const entry = entries.get(key) ?? { type: field.type, codes: [], ...(level === undefined ? {} : { level }) };
      entries.set(key, entry);
      const listed = (field.codes ?? []).map(({ code, depth }) =>
        field.type === 'orderbook' && depth !== undefined && depth !== DEFAULT_ORDERBOOK_DEPTH ? `${code}.${depth}` : code,
      );
      entry.codes = union(entry.codes ?? [], listed);
    }
    return [...entries.values()].map(({ type, codes, level }) => ({
      type,
      ...(codes === undefined || type === 'myAsset' ? {} : { codes }),
      ...(level === undefined ? {} : { level }),
    }));
  }
}

export const EMPTY_SUBSCRIPTION = new Subscription([]);

function targetKey(target: StreamTarget): string {
  return `${target.type}|${target.code}|${target.depth}|${target.level}`;
}

function mergeMyOrder(current: MyOrderFilter | undefined, field: ParsedTypeField): MyOrderFilter {
  // Upbit: codes omitted or empty = every market.
  if (field.codes === undefined || field.codes.length === 0 || current?.all === true) return { all: true };
  const codes = new Set(current?.codes ?? []);
  for (const { code } of field.codes) codes.add(code);
  return { all: false, codes };
}

function union(existing: readonly string[], added: readonly string[]): string[] {
  const seen = new Set(existing);
  const merged = [...existing];
  for (const code of added) {
    if (!seen.has(code)) {
      seen.add(code);
      merged.push(code);
    }
  }
  return merged;
}
