import { DEFAULTS } from '../defaults.js';
import { CapacityError } from '../errors.js';
import { ORDERBOOK_DEPTHS, type ConnectionId, type ConnectionKind, type PublicShardId } from '../protocol/upbit/types.js';
import { compareEntries, type DesiredEntry, type DesiredState } from './desired.js';
import { Delta, type Entry } from './entry.js';
import { EntryIndex } from './entry-index.js';
import { FingerprintSum } from './fingerprint.js';
import type { NormalizedSpec } from './spec.js';

/** Called synchronously once per net change of a connection's desired state. */
export type ChangeListener = (connection: ConnectionId, fingerprint: number, version: number) => void;

/** How the public desired state is split across connections. */
export interface PoolLimits {
  /** Most market codes one public connection carries. */
  readonly codesPerConnection: number;
  /** Most public connections. */
  readonly publicConnections: number;
}

/** The desired state of one connection, kept incrementally. */
class Desired {
  readonly #index = new EntryIndex();
  /** Hashes of every entry except specific myOrder codes. */
  readonly #main = new FingerprintSum();
  /** Hashes of specific myOrder codes, hidden while all markets are wanted (Upbit then sends them all anyway). */
  readonly #myOrderCodes = new FingerprintSum();
  version = 0;
  #snapshot: DesiredState;

  constructor(
    readonly kind: ConnectionKind,
    readonly connection: ConnectionId,
  ) {
    this.#snapshot = Object.freeze({ kind, connection, version: 0, fingerprint: this.fingerprint(), entries: Object.freeze([]) });
  }

  wantsAllMyOrders(): boolean {
    return this.#index.get('myOrder', '', 0)?.desired !== undefined;
  }

  fingerprint(): number {
    return this.wantsAllMyOrders() ? this.#main.value() : this.#main.value(this.#myOrderCodes);
  }

  /** Built at most once per version. */
  snapshot(): DesiredState {
    if (this.#snapshot.version === this.version) return this.#snapshot;
    const hideCodes = this.wantsAllMyOrders();
    const entries: DesiredEntry[] = [];
    for (const entry of this.#index.values()) {
      if (entry.desired !== undefined && !(hideCodes && isMyOrderCode(entry))) entries.push(entry.desired);
    }
    entries.sort(compareEntries);
    this.#snapshot = Object.freeze({
      kind: this.kind,
      connection: this.connection,
      version: this.version,
      fingerprint: this.fingerprint(),
      entries: Object.freeze(entries),
    });
    return this.#snapshot;
  }

  /** Adds (`sign` 1) or removes (-1) one spec's counts to `change`, without applying them yet. */
  stage(change: Change, spec: NormalizedSpec, sign: 1 | -1): void {
    const level = spec.type === 'orderbook' ? spec.level : 0;
    const depth = ORDERBOOK_DEPTHS.indexOf(spec.depth);
    // No codes = every market (myOrder) or no market at all (myAsset): one entry with code ''.
    for (const code of spec.codes.length === 0 ? ALL_MARKETS : spec.codes) {
      const entry = this.#index.getOrCreate(spec.type, code, level);
      let delta = change.get(entry);
      if (delta === undefined) change.set(entry, (delta = new Delta()));
      delta.refs += sign;
      if (spec.snapshot !== 'exclude') delta.snapshot += sign;
      if (spec.snapshot !== 'only') delta.realtime += sign;
      if (spec.type === 'orderbook') delta.depths[depth]! += sign;
    }
  }

  /** Undoes `stage` for a call that failed: drops the entries it created. */
  discard(change: Change): void {
    for (const entry of change.keys()) if (entry.desired === undefined) this.#index.delete(entry);
  }

  /** Applies staged counts; returns whether the desired state changed (and moves the version if so). */
  commit(change: Change): boolean {
    const allBefore = this.wantsAllMyOrders();
    let codesChanged = false;
    let othersChanged = false;
    for (const [entry, delta] of change) {
      const before = entry.text;
      const moved = entry.apply(delta);
      // Also drops entries this call created and emptied again (staged in and out).
      if (entry.text === undefined) this.#index.delete(entry);
      if (!moved) continue;
      const code = isMyOrderCode(entry);
      const sum = code ? this.#myOrderCodes : this.#main;
      if (before !== undefined) sum.remove(before);
      if (entry.text !== undefined) sum.add(entry.text);
      if (code) codesChanged = true;
      else othersChanged = true;
    }
    const changed = othersChanged || (codesChanged && !(allBefore && this.wantsAllMyOrders()));
    if (changed) this.version++;
    return changed;
  }
}

/** Staged count changes of one call, per entry. */
type Change = Map<Entry, Delta>;

const ALL_MARKETS = [''];

/**
 * Merges what every owner (a component) asks for into one desired state per connection: the
 * private one, and the public one split by market code across a pool of shards.
 *
 * Ref-counted by (connection, type, code, level): registering or removing K specs costs O(K)
 * (plus the shards, to place a new code), whatever else is registered. The version moves on every
 * net change and only then; the fingerprint is an O(1) content hash, so a flush can tell whether
 * the server already has the desired state.
 *
 * Shards: every type of a code lives on one shard, so one request still carries a code's snapshot
 * decisions. A code is placed when its first entry appears, on the shard with the fewest codes
 * below `codesPerConnection` (a new shard only when every shard is full, up to
 * `publicConnections`), stays there while any entry of it is wanted, and leaves when its last
 * entry does. A change therefore touches only the shards that hold its codes. An emptied shard
 * is kept (its lingering socket takes the next new code) until `releaseShard` drops it.
 */
export class Registry {
  readonly #owners = new Map<string, readonly NormalizedSpec[]>();
  readonly #pool: PoolLimits;
  readonly #private = new Desired('private', 'private');
  /** Public shards in creation order; `'public'` always exists. */
  readonly #shards = new Map<ConnectionId, Desired>([['public', new Desired('public', 'public')]]);
  /** How many owner specs list each public code. */
  readonly #codeRefs = new Map<string, number>();
  /** The shard of each wanted public code. */
  readonly #codeShard = new Map<string, ConnectionId>();
  /** How many codes each shard holds. */
  readonly #shardCodes = new Map<ConnectionId, number>([['public', 0]]);
  #listeners: readonly ChangeListener[] = [];

  constructor(pool: PoolLimits = DEFAULTS.pool) {
    this.#pool = pool;
  }

  /** How many owners are registered. */
  get size(): number {
    return this.#owners.size;
  }

  /** Whether `ownerId` is registered (possibly with no specs). */
  has(ownerId: string): boolean {
    return this.#owners.has(ownerId);
  }

  /**
   * Replaces the specs of `ownerId` atomically: listeners see one change per connection whose
   * desired state differs afterwards, none when the old and new specs want the same. Throws
   * `CapacityError` and changes nothing when a new code finds no room in the pool.
   */
  register(ownerId: string, specs: readonly NormalizedSpec[]): void {
    this.#replace(ownerId, specs);
  }

  /** Removes every spec of `ownerId`. Unknown owners are ignored. */
  unregister(ownerId: string): void {
    if (this.#owners.has(ownerId)) this.#replace(ownerId, undefined);
  }

  /** The connections that have a desired state: `'private'` and every public shard, in creation order. */
  connections(): ConnectionId[] {
    return ['private', ...this.#shards.keys()];
  }

  /** The shard that carries public `code`, if it is wanted. */
  shardOf(code: string): ConnectionId | undefined {
    return this.#codeShard.get(code);
  }

  /** How many market codes `connection` carries (0 for `'private'` and unknown connections). */
  codeCount(connection: ConnectionId): number {
    return this.#shardCodes.get(connection) ?? 0;
  }

  /**
   * Drops an emptied shard (never `'public'`), so its id can be reused; returns whether it did.
   * Call it once the shard's connection has closed: a shard that still holds a code stays.
   */
  releaseShard(connection: ConnectionId): boolean {
    if (connection === 'public' || connection === 'private' || this.codeCount(connection) > 0) return false;
    this.#shardCodes.delete(connection);
    return this.#shards.delete(connection);
  }

  /** Moves on every net change of `snapshot(connection)`, and only then. Starts at 0. */
  version(connection: ConnectionId): number {
    return this.#desired(connection)?.version ?? 0;
  }

  /** O(1) content hash of the desired state; `EMPTY_FINGERPRINT` when nothing is wanted (or the shard is gone). */
  fingerprint(connection: ConnectionId): number {
    return (this.#desired(connection) ?? EMPTY).fingerprint();
  }

  /** The desired state now: frozen, and the same object until the next change. */
  snapshot(connection: ConnectionId): DesiredState {
    return (this.#desired(connection) ?? new Desired('public', connection)).snapshot();
  }

  /**
   * Calls `listener(connection, fingerprint, version)` synchronously after every net change, once
   * per connection that changed. A listener that throws does not stop the others; its error is
   * rethrown asynchronously (the change itself stands). Returns a function that removes the listener.
   */
  onChange(listener: ChangeListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener);
    };
  }

  #desired(connection: ConnectionId): Desired | undefined {
    return connection === 'private' ? this.#private : this.#shards.get(connection);
  }

  /** Stages the old specs out and the new ones in, then commits every connection and tells the listeners. */
  #replace(ownerId: string, specs: readonly NormalizedSpec[] | undefined): void {
    const old = this.#owners.get(ownerId) ?? [];
    const refDeltas = new Map<string, number>();
    for (const [list, sign] of [[old, -1], [specs ?? [], 1]] as const) {
      for (const spec of list) {
        if (spec.kind !== 'public') continue;
        for (const code of spec.codes) refDeltas.set(code, (refDeltas.get(code) ?? 0) + sign);
      }
    }
    // Throws before anything is staged when a new code finds no room.
    const placement = this.#place(refDeltas);
    const changes = new Map<Desired, Change>();
    const stage = (spec: NormalizedSpec, sign: 1 | -1): void => {
      if (spec.kind === 'private') return stageOn(changes, this.#private, spec, sign);
      for (const [connection, codes] of groupByShard(spec.codes, (code) => this.#codeShard.get(code) ?? placement.added.get(code)!)) {
        stageOn(changes, this.#shards.get(connection)!, codes.length === spec.codes.length ? spec : { ...spec, codes }, sign);
      }
    };
    try {
      for (const spec of old) stage(spec, -1);
      for (const spec of specs ?? []) stage(spec, 1);
    } catch (error) {
      for (const [desired, change] of changes) desired.discard(change);
      for (const connection of placement.created) this.#shards.delete(connection);
      throw error;
    }
    if (specs === undefined) this.#owners.delete(ownerId);
    else this.#owners.set(ownerId, Object.freeze([...specs]));
    for (const [code, delta] of refDeltas) {
      const refs = (this.#codeRefs.get(code) ?? 0) + delta;
      if (refs > 0) this.#codeRefs.set(code, refs);
      else this.#codeRefs.delete(code);
    }
    for (const code of placement.freed) {
      const connection = this.#codeShard.get(code)!;
      this.#codeShard.delete(code);
      this.#shardCodes.set(connection, this.codeCount(connection) - 1);
    }
    for (const [code, connection] of placement.added) {
      this.#codeShard.set(code, connection);
      this.#shardCodes.set(connection, this.codeCount(connection) + 1);
    }
    // Every connection is committed before anyone hears of it, so a listener sees a consistent registry.
    const changed = [...changes].filter(([desired, change]) => desired.commit(change)).map(([desired]) => desired);
    for (const desired of changed) this.#notify(desired);
  }

  /**
   * Where the codes that appear go, given how many references each code gains or loses. Codes
   * that leave free their room first, so a call that swaps codes on a full pool still fits.
   * Creates the shards it needs; throws `CapacityError` (creating none) when the pool is full.
   */
  #place(refDeltas: ReadonlyMap<string, number>): { added: Map<string, ConnectionId>; freed: string[]; created: ConnectionId[] } {
    const freed: string[] = [];
    const fresh: string[] = [];
    for (const [code, delta] of refDeltas) {
      const before = this.#codeRefs.get(code) ?? 0;
      if (before > 0 && before + delta <= 0) freed.push(code);
      else if (before === 0 && delta > 0) fresh.push(code);
    }
    const added = new Map<string, ConnectionId>();
    if (fresh.length === 0) return { added, freed, created: [] };
    const room = new Map(this.#shardCodes);
    for (const code of freed) {
      const connection = this.#codeShard.get(code)!;
      room.set(connection, room.get(connection)! - 1);
    }
    const { codesPerConnection, publicConnections } = this.#pool;
    const created: ConnectionId[] = [];
    const homeless: string[] = [];
    for (const code of fresh) {
      let best: ConnectionId | undefined;
      let fewest = codesPerConnection;
      for (const [connection, count] of room) {
        if (count < fewest) {
          best = connection;
          fewest = count;
        }
      }
      if (best === undefined && room.size < publicConnections) {
        best = nextShardId(room);
        created.push(best);
      }
      if (best === undefined) {
        homeless.push(code);
        continue;
      }
      room.set(best, (room.get(best) ?? 0) + 1);
      added.set(code, best);
    }
    if (homeless.length > 0) throw new CapacityError(homeless, codesPerConnection * publicConnections);
    for (const connection of created) {
      this.#shards.set(connection, new Desired('public', connection));
      this.#shardCodes.set(connection, 0);
    }
    return { added, freed, created };
  }

  #notify(desired: Desired): void {
    const fingerprint = desired.fingerprint();
    const version = desired.version;
    for (const listener of this.#listeners) {
      try {
        listener(desired.connection, fingerprint, version);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** What an unknown (released) shard reads as: nothing wanted. */
const EMPTY = new Desired('public', 'public');

function stageOn(changes: Map<Desired, Change>, desired: Desired, spec: NormalizedSpec, sign: 1 | -1): void {
  let change = changes.get(desired);
  if (change === undefined) changes.set(desired, (change = new Map()));
  desired.stage(change, spec, sign);
}

/** The codes of one spec, per shard. */
function groupByShard(codes: readonly string[], shardOf: (code: string) => ConnectionId): Map<ConnectionId, string[]> {
  const groups = new Map<ConnectionId, string[]>();
  for (const code of codes) {
    const connection = shardOf(code);
    let group = groups.get(connection);
    if (group === undefined) groups.set(connection, (group = []));
    group.push(code);
  }
  return groups;
}

/** The lowest free shard id: `'public'`, then `'public-2'`, `'public-3'`, … */
function nextShardId(taken: ReadonlyMap<ConnectionId, unknown>): ConnectionId {
  if (!taken.has('public')) return 'public';
  for (let n = 2; ; n++) {
    const id: PublicShardId = `public-${n}`;
    if (!taken.has(id)) return id;
  }
}

function isMyOrderCode(entry: { readonly type: string; readonly code: string }): boolean {
  return entry.type === 'myOrder' && entry.code !== '';
}
