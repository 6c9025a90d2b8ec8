import { DEFAULT_ORDERBOOK_DEPTH, isPrivateType, ORDERBOOK_DEPTHS, type DataType, type OrderbookDepth } from '../protocol/upbit/types.js';
import { wireText, type DesiredEntry } from './desired.js';

/** A net change of one entry's reference counts, summed over one registry call. */
export class Delta {
  refs = 0;
  snapshot = 0;
  realtime = 0;
  /** Per depth, in `ORDERBOOK_DEPTHS` order. */
  readonly depths = [0, 0, 0, 0];
}

/**
 * One (type, code, level) on one connection: how many subscriber specs want it, how many of
 * them want the snapshot or the realtime stream and at which depth, and the wire entry that follows.
 */
export class Entry {
  #refs = 0;
  #snapshot = 0;
  #realtime = 0;
  readonly #depths = [0, 0, 0, 0];
  /** The merged wire entry; undefined once nobody wants it. */
  desired: DesiredEntry | undefined;
  /** `wireText(desired)`, kept for O(1) comparison and hashing. */
  text: string | undefined;

  constructor(
    readonly type: DataType,
    readonly code: string,
    readonly level: number,
  ) {}

  /** Applies a delta; returns whether the wire entry changed. */
  apply(delta: Delta): boolean {
    this.#refs += delta.refs;
    this.#snapshot += delta.snapshot;
    this.#realtime += delta.realtime;
    for (let i = 0; i < this.#depths.length; i++) this.#depths[i]! += delta.depths[i]!;
    if (this.#refs === 0) {
      if (this.desired === undefined) return false;
      this.desired = this.text = undefined;
      return true;
    }
    // Upbit streams myOrder and myAsset as events, without snapshot flags: fixed flags keep
    // include/exclude subscribers of those types from changing the wire state.
    const realtimeOnly = isPrivateType(this.type);
    const depth = this.#maxDepth();
    const snapshot = !realtimeOnly && this.#snapshot > 0;
    const realtime = realtimeOnly || this.#realtime > 0;
    const before = this.desired;
    if (before?.depth === depth && before.snapshot === snapshot && before.realtime === realtime) return false;
    const { type, code, level } = this;
    this.desired = Object.freeze({ type, code, level, depth, snapshot, realtime });
    this.text = wireText(this.desired);
    return true;
  }

  /** The largest depth anyone asked for: the server sends that and the router cuts it down per subscriber. */
  #maxDepth(): OrderbookDepth {
    for (let i = ORDERBOOK_DEPTHS.length - 1; i >= 0; i--) if (this.#depths[i]! > 0) return ORDERBOOK_DEPTHS[i]!;
    return DEFAULT_ORDERBOOK_DEPTH; // depths are counted for orderbook only
  }
}
