import { DEFAULT_ORDERBOOK_DEPTH, type DataType, type UpbitMessage } from '../protocol/upbit/types.js';

/** Receives the frames its owner asked for. */
export type MessageHandler = (message: UpbitMessage) => void;

/** One registered owner (a component) and everything it wants. */
export interface Owner {
  readonly id: string;
  readonly handler: MessageHandler;
  /** Its handler threw and that was reported: later throws are not (one report per owner). */
  reported: boolean;
  /** What it wants, by route key. */
  readonly wishes: Map<string, Wish>;
}

/** What one owner wants from one route, merged over its specs. */
export interface Wish {
  readonly owner: Owner;
  readonly route: Route;
  /** Wants the current value: snapshot mode `include` or `only`. */
  readonly snapshot: boolean;
  /** Wants updates: snapshot mode `include` or `exclude`. */
  readonly realtime: boolean;
  /** Orderbook levels wanted; 30 (uncut) for every other type. */
  readonly depth: number;
  /** Snapshot-only and already given its one message: it gets nothing more from this route. */
  served: boolean;
}

/** Whether `wish` is snapshot-only and still waits for its one message. */
function isWaiting(wish: Wish): boolean {
  return wish.snapshot && !wish.realtime && !wish.served;
}

/**
 * Who gets one frame: the route they belong to first, then their handlers. The route rides in
 * the same array so that the hot path reaches the handlers straight from the index lookup and
 * the route (its cache and flags) beside them, not the handlers through the route: that extra
 * dependent load measured about 5 ns per frame. Every list has this one shape (and elements
 * kind), so the delivery loop's loads stay monomorphic.
 */
export type Receivers = readonly [Route, ...MessageHandler[]];

/**
 * The owners of each list's handlers, `owners[i - 1]` owning `receivers[i]`. Kept aside, read
 * only when a handler throws: the hot path does not carry them, and a list and its owners can
 * never disagree, though a handler that (un)subscribes replaces the route's lists mid-delivery.
 */
const OWNERS = new WeakMap<Receivers, readonly Owner[]>();

/** The owner of the handler at `receivers[i]`. */
export function ownerOf(receivers: Receivers, i: number): Owner {
  return OWNERS.get(receivers)![i - 1]!;
}

/** Orderbook subscribers of one smaller depth: they get the frame cut to `depth` levels. */
export interface Cut {
  readonly depth: number;
  readonly receivers: Receivers;
}

// Shared empty lists, never mutated.
const NO_CUTS: readonly Cut[] = [];
const NO_WISHES: readonly Wish[] = [];

/**
 * Everything delivered for one (type, code, level), with the receiver lists precomputed for each
 * stream type. The lists are replaced, never mutated (copy-on-write), so a frame in delivery
 * keeps the lists it started with when a handler subscribes or unsubscribes. The router's index
 * holds `realtime` of the first route of each code (see `Router`): after a rebuild it must pick
 * up the new list.
 *
 * A snapshot-only wish gets one message, the first that reaches it whatever its stream type (see
 * `Router`): it is in the lists of both stream types while it waits, and in neither once served.
 */
export class Route {
  readonly type: DataType;
  /** `''` for the all-markets route (myOrder without codes, myAsset). */
  readonly code: string;
  readonly level: number;
  readonly caches: boolean;
  readonly wishes = new Map<Owner, Wish>();
  /** Who gets a REALTIME frame as it is: `include` and `exclude` subscribers, and waiting snapshot-only ones. */
  realtime: Receivers;
  /** Who gets a REALTIME orderbook cut to a smaller depth, deepest first. */
  realtimeCuts = NO_CUTS;
  /** Who gets a SNAPSHOT frame as it is: `include` subscribers and waiting snapshot-only ones. */
  snapshot: Receivers;
  /** Who gets a SNAPSHOT orderbook cut to a smaller depth, deepest first. */
  snapshotCuts = NO_CUTS;
  /** Snapshot-only wishes in the lists of both stream types: the next frame is their one message. */
  waiting = NO_WISHES;
  /** There are cuts or waiting wishes, or the lists are stale: frames take the full path (one check on the hot path). */
  more = false;
  /** The wishes changed since the lists were built: they are rebuilt before the next delivery. */
  stale = false;
  /** The last frame routed here, when the type is cached. */
  last: UpbitMessage | undefined = undefined;
  /** The route of another orderbook level of the same code. */
  next: Route | undefined = undefined;

  constructor(type: DataType, code: string, level: number, caches: boolean) {
    this.type = type;
    this.code = code;
    this.level = level;
    this.caches = caches;
    this.realtime = this.snapshot = [this];
  }

  /**
   * Recomputes the receiver lists from the wishes, plus `shared` ones (all-markets myOrder
   * wishes, which every myOrder code route also serves). An owner gets each frame once.
   */
  rebuild(shared: Route | undefined): void {
    const merged = new Map<Owner, Wish>(this.wishes);
    if (shared !== undefined && shared !== this) {
      for (const [owner, wish] of shared.wishes) {
        const own = merged.get(owner);
        merged.set(owner, own === undefined ? wish : combine(own, wish));
      }
    }
    const snapshot = new ListBuilder(this);
    const realtime = new ListBuilder(this);
    const waiting: Wish[] = [];
    for (const wish of merged.values()) {
      if (isWaiting(wish)) {
        waiting.push(wish);
        snapshot.add(wish);
        realtime.add(wish);
        continue;
      }
      if (wish.realtime) realtime.add(wish);
      if (wish.snapshot && wish.realtime) snapshot.add(wish);
    }
    [this.snapshot, this.snapshotCuts] = snapshot.build();
    [this.realtime, this.realtimeCuts] = realtime.build();
    this.waiting = waiting.length === 0 ? NO_WISHES : waiting;
    this.more = this.snapshotCuts.length > 0 || this.realtimeCuts.length > 0 || waiting.length > 0;
    this.stale = false;
  }

  /** The wishes changed: the next delivery rebuilds the lists first (and takes the full path to do so). */
  markStale(): void {
    this.stale = true;
    this.more = true;
  }

  /** Forgets everything: the route is no longer indexed (its cached frame goes with it). */
  clear(): void {
    this.wishes.clear();
    this.realtime = this.snapshot = [this];
    this.realtimeCuts = this.snapshotCuts = NO_CUTS;
    this.waiting = NO_WISHES;
    this.more = false;
    this.stale = false;
    this.last = undefined;
  }
}

/**
 * One owner's wishes on a code route and on the all-markets route, as one. Only myOrder has an
 * all-markets route, and it has no snapshot-only wishes (`normalizeSpec` refuses them), so a
 * combined wish never waits and is never marked served.
 */
function combine(a: Wish, b: Wish): Wish {
  return {
    ...a,
    snapshot: a.snapshot || b.snapshot,
    realtime: a.realtime || b.realtime,
    depth: Math.max(a.depth, b.depth),
  };
}

/** Sorts the wishes of one stream type into the whole-frame list and the cuts by depth. */
class ListBuilder {
  readonly #route: Route;
  readonly #byDepth = new Map<number, { receivers: [Route, ...MessageHandler[]]; owners: Owner[] }>();

  constructor(route: Route) {
    this.#route = route;
  }

  add(wish: Wish): void {
    let list = this.#byDepth.get(wish.depth);
    if (list === undefined) this.#byDepth.set(wish.depth, (list = { receivers: [this.#route], owners: [] }));
    list.receivers.push(wish.owner.handler);
    list.owners.push(wish.owner);
  }

  /** The whole-frame list (full depth, and every type but orderbook) and the cuts, deepest first. */
  build(): [Receivers, readonly Cut[]] {
    const cuts: Cut[] = [];
    let whole: Receivers = [this.#route];
    for (const [depth, { receivers, owners }] of this.#byDepth) {
      OWNERS.set(receivers, owners);
      if (depth === DEFAULT_ORDERBOOK_DEPTH) whole = receivers;
      else cuts.push({ depth, receivers });
    }
    cuts.sort((a, b) => b.depth - a.depth);
    return [whole, cuts.length === 0 ? NO_CUTS : cuts];
  }
}
