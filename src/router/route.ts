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
  /** Admits SNAPSHOT frames (snapshot mode `include` or `only`). */
  readonly snapshot: boolean;
  /** Admits REALTIME frames (snapshot mode `include` or `exclude`). */
  readonly realtime: boolean;
  /** Orderbook levels wanted; 30 (uncut) for every other type. */
  readonly depth: number;
  /** Snapshot-only and already given its snapshot: it gets nothing more from this route. */
  served: boolean;
}

/** Orderbook subscribers of one smaller depth: they get the frame cut to `depth` levels. */
export interface Cut {
  readonly depth: number;
  readonly handlers: readonly MessageHandler[];
  /** `owners[i]` owns `handlers[i]`. */
  readonly owners: readonly Owner[];
}

// Shared empty lists, never mutated. Not frozen: a frozen array has its own elements kind, which
// would make the element loads of the delivery loop polymorphic.
const NO_HANDLERS: readonly MessageHandler[] = [];
const NO_OWNERS: readonly Owner[] = [];
const NO_CUTS: readonly Cut[] = [];

/**
 * Everything delivered for one (type, code, level), with the delivery lists precomputed for each
 * stream type. The lists sit flat on the route (no group objects to chase on the hot path) and are
 * replaced, never mutated (copy-on-write), so a frame in delivery keeps the lists it started with
 * when a handler subscribes or unsubscribes.
 */
export class Route {
  readonly wishes = new Map<Owner, Wish>();
  /** Who gets a SNAPSHOT frame as it is; `snapshotOwners[i]` owns `snapshotHandlers[i]`. */
  snapshotHandlers = NO_HANDLERS;
  snapshotOwners = NO_OWNERS;
  /** Who gets a SNAPSHOT orderbook cut to a smaller depth, deepest first. */
  snapshotCuts = NO_CUTS;
  /** Who gets a REALTIME frame as it is; `realtimeOwners[i]` owns `realtimeHandlers[i]`. */
  realtimeHandlers = NO_HANDLERS;
  realtimeOwners = NO_OWNERS;
  /** Who gets a REALTIME orderbook cut to a smaller depth, deepest first. */
  realtimeCuts = NO_CUTS;
  /** Snapshot-only wishes in the snapshot lists that have not had their snapshot yet. */
  pendingOnly = 0;
  /** The last frame routed here, when the type is cached. */
  last: UpbitMessage | undefined = undefined;
  /** The route of another orderbook level of the same code. */
  next: Route | undefined = undefined;

  constructor(
    readonly type: DataType,
    /** `''` for the all-markets route (myOrder without codes, myAsset). */
    readonly code: string,
    readonly level: number,
    readonly caches: boolean,
  ) {}

  /**
   * Recomputes the delivery lists from the wishes, plus `shared` ones (all-markets myOrder
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
    const snapshot = new DeliveryBuilder();
    const realtime = new DeliveryBuilder();
    let pendingOnly = 0;
    for (const wish of merged.values()) {
      if (wish.realtime) realtime.add(wish);
      if (!wish.snapshot || (wish.served && !wish.realtime)) continue;
      snapshot.add(wish);
      if (!wish.realtime) pendingOnly++;
    }
    [this.snapshotHandlers, this.snapshotOwners, this.snapshotCuts] = snapshot.build();
    [this.realtimeHandlers, this.realtimeOwners, this.realtimeCuts] = realtime.build();
    this.pendingOnly = pendingOnly;
  }

  /** Forgets everything: the route is no longer indexed (its cached frame goes with it). */
  clear(): void {
    this.wishes.clear();
    this.snapshotHandlers = this.realtimeHandlers = NO_HANDLERS;
    this.snapshotOwners = this.realtimeOwners = NO_OWNERS;
    this.snapshotCuts = this.realtimeCuts = NO_CUTS;
    this.pendingOnly = 0;
    this.last = undefined;
  }
}

/** One owner's wishes on a code route and on the all-markets route, as one. */
function combine(a: Wish, b: Wish): Wish {
  return {
    ...a,
    snapshot: a.snapshot || b.snapshot,
    realtime: a.realtime || b.realtime,
    depth: Math.max(a.depth, b.depth),
  };
}

/** Sorts the wishes of one stream type into the uncut list and the cuts by depth. */
class DeliveryBuilder {
  readonly #byDepth = new Map<number, { handlers: MessageHandler[]; owners: Owner[] }>();

  add(wish: Wish): void {
    let list = this.#byDepth.get(wish.depth);
    if (list === undefined) this.#byDepth.set(wish.depth, (list = { handlers: [], owners: [] }));
    list.handlers.push(wish.owner.handler);
    list.owners.push(wish.owner);
  }

  /** The uncut list (full depth, and every type but orderbook) and the cuts, deepest first. */
  build(): [readonly MessageHandler[], readonly Owner[], readonly Cut[]] {
    const whole = this.#byDepth.get(DEFAULT_ORDERBOOK_DEPTH);
    const cuts: Cut[] = [];
    for (const [depth, list] of this.#byDepth) if (depth < DEFAULT_ORDERBOOK_DEPTH) cuts.push({ depth, ...list });
    cuts.sort((a, b) => b.depth - a.depth);
    return [whole?.handlers ?? NO_HANDLERS, whole?.owners ?? NO_OWNERS, cuts.length === 0 ? NO_CUTS : cuts];
  }
}
