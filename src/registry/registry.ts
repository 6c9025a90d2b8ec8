import { CONNECTION_KINDS, ORDERBOOK_DEPTHS, type ConnectionKind } from '../protocol/upbit/types.js';
import { compareEntries, type DesiredEntry, type DesiredState } from './desired.js';
import { Delta, type Entry } from './entry.js';
import { EntryIndex } from './entry-index.js';
import { FingerprintSum } from './fingerprint.js';
import type { NormalizedSpec } from './spec.js';

/** Called synchronously once per net change of a connection's desired state. */
export type ChangeListener = (kind: ConnectionKind, fingerprint: number, version: number) => void;

/** The desired state of one connection, kept incrementally. */
class Desired {
  readonly #index = new EntryIndex();
  /** Hashes of every entry except specific myOrder codes. */
  readonly #main = new FingerprintSum();
  /** Hashes of specific myOrder codes, hidden while all markets are wanted (Upbit then sends them all anyway). */
  readonly #myOrderCodes = new FingerprintSum();
  version = 0;
  #snapshot: DesiredState;

  constructor(readonly kind: ConnectionKind) {
    this.#snapshot = Object.freeze({ kind, version: 0, fingerprint: this.fingerprint(), entries: Object.freeze([]) });
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
 * Merges what every owner (a component) asks for into one desired state per connection kind.
 *
 * Ref-counted by (kind, type, code, level): registering or removing K specs costs O(K), whatever
 * else is registered. The version moves on every net change and only then; the fingerprint is an
 * O(1) content hash, so a flush can tell whether the server already has the desired state.
 */
export class Registry {
  readonly #owners = new Map<string, readonly NormalizedSpec[]>();
  readonly #desired = { public: new Desired('public'), private: new Desired('private') };
  #listeners: readonly ChangeListener[] = [];

  /** How many owners are registered. */
  get size(): number {
    return this.#owners.size;
  }

  /** Whether `ownerId` is registered (possibly with no specs). */
  has(ownerId: string): boolean {
    return this.#owners.has(ownerId);
  }

  /**
   * Replaces the specs of `ownerId` atomically: listeners see one change per connection kind
   * whose desired state differs afterwards, none when the old and new specs want the same.
   */
  register(ownerId: string, specs: readonly NormalizedSpec[]): void {
    this.#replace(ownerId, specs);
  }

  /** Removes every spec of `ownerId`. Unknown owners are ignored. */
  unregister(ownerId: string): void {
    if (this.#owners.has(ownerId)) this.#replace(ownerId, undefined);
  }

  /** Moves on every net change of `snapshot(kind)`, and only then. Starts at 0. */
  version(kind: ConnectionKind): number {
    return this.#desired[kind].version;
  }

  /** O(1) content hash of the desired state; `EMPTY_FINGERPRINT` when nothing is wanted. */
  fingerprint(kind: ConnectionKind): number {
    return this.#desired[kind].fingerprint();
  }

  /** The desired state now: frozen, and the same object until the next change. */
  snapshot(kind: ConnectionKind): DesiredState {
    return this.#desired[kind].snapshot();
  }

  /**
   * Calls `listener(kind, fingerprint, version)` synchronously after every net change, once per
   * kind that changed. A listener that throws does not stop the others; its error is rethrown
   * asynchronously (the change itself stands). Returns a function that removes the listener.
   */
  onChange(listener: ChangeListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((other) => other !== listener);
    };
  }

  /** Stages the old specs out and the new ones in, then commits both kinds and tells the listeners. */
  #replace(ownerId: string, specs: readonly NormalizedSpec[] | undefined): void {
    const changes: Record<ConnectionKind, Change> = { public: new Map(), private: new Map() };
    try {
      for (const spec of this.#owners.get(ownerId) ?? []) this.#desired[spec.kind].stage(changes[spec.kind], spec, -1);
      for (const spec of specs ?? []) this.#desired[spec.kind].stage(changes[spec.kind], spec, 1);
    } catch (error) {
      for (const kind of CONNECTION_KINDS) this.#desired[kind].discard(changes[kind]);
      throw error;
    }
    if (specs === undefined) this.#owners.delete(ownerId);
    else this.#owners.set(ownerId, Object.freeze([...specs]));
    // Both kinds are committed before anyone hears of it, so a listener sees a consistent registry.
    const changed = CONNECTION_KINDS.filter((kind) => this.#desired[kind].commit(changes[kind]));
    for (const kind of changed) this.#notify(kind);
  }

  #notify(kind: ConnectionKind): void {
    const fingerprint = this.#desired[kind].fingerprint();
    const version = this.#desired[kind].version;
    for (const listener of this.#listeners) {
      try {
        listener(kind, fingerprint, version);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function isMyOrderCode(entry: { readonly type: string; readonly code: string }): boolean {
  return entry.type === 'myOrder' && entry.code !== '';
}
