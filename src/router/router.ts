import { OptionError, UpstateError } from '../errors.js';
import { DATA_TYPES, DEFAULT_ORDERBOOK_DEPTH, isDataType, type DataType, type OrderbookMessage, type UpbitMessage } from '../protocol/upbit/types.js';
import type { NormalizedSpec } from '../registry/spec.js';
import { cutBook, isDeepEnough } from './orderbook.js';
import { ownerOf, Route, type MessageHandler, type Owner, type Receivers, type Wish } from './route.js';

/** Types whose last value a late joiner gets at once: they are state, not events. */
export const DEFAULT_CACHE_TYPES: readonly DataType[] = Object.freeze(['ticker', 'orderbook']);

export interface RouterOptions {
  /**
   * Told when a handler throws, once per owner (a handler that throws on every frame does not
   * flood it). The error has code `ERR_HANDLER` and the thrown value as `cause`; the frame still
   * reached every other subscriber, and the owner keeps receiving frames.
   * @default rethrows the error asynchronously (an uncaught exception, like an unhandled 'error' event)
   */
  readonly onError?: (error: UpstateError, ownerId: string) => void;
  /**
   * Types whose last value per (type, code[, level]) is kept for late joiners: a subscriber that
   * joins a stream already flowing gets the latest frame at once (in a microtask after `add`),
   * as it was (its `stream_type` unchanged). Realtime-only subscribers get nothing from the cache.
   * A snapshot-only subscriber of an uncached type gets the next frame instead (see `Router`).
   * @default ['ticker', 'orderbook']
   */
  readonly cacheTypes?: readonly DataType[];
}

/**
 * The routes of one data type by market code: the REALTIME receivers of the first route of each
 * code, which leads (`receivers[0]`) a chain of orderbook levels (`Route.next`). Code `''` is the
 * all-markets route: myAsset (which has no code), and myOrder without codes, whose wishes every
 * myOrder code route also serves.
 */
type Index = Map<string, Receivers>;
const ALL_MARKETS = '';

/** What an owner wants from one route, before it becomes a `Wish`. */
interface Want {
  readonly type: DataType;
  readonly code: string;
  readonly level: number;
  snapshot: boolean;
  realtime: boolean;
  depth: number;
}

/**
 * Delivers each decoded frame to exactly the subscribers that asked for it: by (type, code),
 * orderbook level and stream preference, cut to each subscriber's orderbook depth.
 *
 * Stream preferences: `include` subscribers get every frame, `exclude` ones never a SNAPSHOT.
 * A snapshot-only (`only`) subscriber gets exactly one message per (type, code, level), the first
 * that reaches it: the cached value if there is one, else the SNAPSHOT if the server sends one,
 * else the first REALTIME frame, which is the current value as of joining (a stream already
 * flowing is sent realtime-only, so no SNAPSHOT comes for a late joiner) — and nothing after.
 * Like any subscriber's, its one orderbook is cut to its depth.
 *
 * Receiver lists are precomputed when subscribers come and go, so `route()` is a property load,
 * a Map lookup and a loop over handlers, and allocates nothing beyond the cut books smaller-depth
 * subscribers receive (one per depth per frame). A handler that subscribes during a delivery
 * takes effect from the next frame; one that unsubscribes (itself or another) takes effect at
 * once: nobody is called after `unsubscribe()` returned.
 */
export class Router {
  /** One index per data type, fixed for the router's life: a property load on the hot path. */
  readonly #index = indexByType();
  readonly #owners = new Map<string, Owner>();
  readonly #cacheTypes: ReadonlySet<DataType>;
  readonly #onError: (error: UpstateError, ownerId: string) => void;
  #deliveries = 0;
  #routeCount = 0;
  /** Moves on every `add` and `remove`: a delivery that sees it move checks each owner left to call. */
  #changes = 0;
  /** Routes whose lists wait for their rebuild (see `#rebuild`). */
  readonly #stale = new Set<Route>();

  constructor(options: RouterOptions = {}) {
    const { onError = rethrowLater, cacheTypes = DEFAULT_CACHE_TYPES } = options;
    if (typeof onError !== 'function') throw new OptionError('onError', onError, 'a function');
    if (!Array.isArray(cacheTypes) || !cacheTypes.every(isDataType)) {
      throw new OptionError('cacheTypes', cacheTypes, `an array of data types (${DATA_TYPES.join(', ')})`);
    }
    this.#onError = onError;
    this.#cacheTypes = new Set(cacheTypes);
  }

  /** Handler calls made so far, cached deliveries included. */
  get deliveries(): number {
    return this.#deliveries;
  }

  /** How many (type, code, level) routes are indexed; each holds at most one cached frame. */
  get routeCount(): number {
    return this.#routeCount;
  }

  /** Whether `ownerId` has routes. */
  has(ownerId: string): boolean {
    return this.#owners.has(ownerId);
  }

  /**
   * Replaces the routes of `ownerId`. With the same handler, routes it already had with the
   * same preferences are kept as they were (no second cached value, a served snapshot-only route
   * stays served); new ones get the cached value of a stream already flowing, in a microtask.
   */
  add(ownerId: string, specs: readonly NormalizedSpec[], handler: MessageHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`The handler of "${ownerId}" must be a function`);
    const wants = wantsOf(specs);
    const previous = this.#owners.get(ownerId);
    const owner: Owner =
      previous !== undefined && previous.handler === handler
        ? previous
        : { id: ownerId, handler, reported: false, wishes: new Map() };
    this.#changes++;
    const touched = new Set<Route>();
    if (previous !== undefined && previous !== owner) this.#dropAll(previous, touched);
    for (const [key, wish] of owner.wishes) {
      const want = wants.get(key);
      if (want === undefined || !sameWish(wish, want)) this.#drop(wish, key, touched);
    }
    const fresh: Wish[] = [];
    for (const [key, want] of wants) {
      if (owner.wishes.has(key)) continue;
      const route = this.#routeFor(want);
      const wish: Wish = { owner, route, snapshot: want.snapshot, realtime: want.realtime, depth: want.depth, served: false };
      route.wishes.set(owner, wish);
      owner.wishes.set(key, wish);
      touched.add(route);
      fresh.push(wish);
    }
    this.#owners.set(ownerId, owner);
    for (const route of touched) this.#rebuild(route);
    this.#replayCache(fresh);
  }

  /** Removes every route of `ownerId`; the cached frames of codes nobody wants any more go too. */
  remove(ownerId: string): void {
    const owner = this.#owners.get(ownerId);
    if (owner === undefined) return;
    this.#changes++;
    const touched = new Set<Route>();
    this.#dropAll(owner, touched);
    this.#owners.delete(ownerId);
    for (const route of touched) this.#rebuild(route);
  }

  /** Removes every owner and every cached frame. */
  clear(): void {
    for (const ownerId of [...this.#owners.keys()]) this.remove(ownerId);
  }

  /**
   * Delivers one frame; returns how many handlers were called. The hot path, a REALTIME frame of
   * a code with a route of its own and neither orderbook cuts nor waiting snapshot-only
   * subscribers, is a property load, a `Map` lookup straight to the handlers, the cache store and
   * a loop; every other frame takes `#routeAny`.
   */
  route(message: UpbitMessage): number {
    const receivers = this.#index[message.type].get(message.code);
    if (receivers === undefined || message.type === 'orderbook' || message.stream_type === 'SNAPSHOT') {
      return this.#routeAny(receivers, message);
    }
    const route = receivers[0];
    // `=== true`, not a truthiness test: optimised code compares one pointer instead of a full
    // ToBoolean (V8 does not track that a field only ever holds booleans).
    if (route.caches === true) route.last = message;
    if (route.more === true) return this.#deliver(route, message);
    // `#call`, written out: the call measured slower here (it changes what gets inlined where).
    const count = receivers.length;
    const changes = this.#changes;
    let skipped = 0;
    for (let i = 1; i < count; i++) {
      // A handler (un)subscribed someone: whoever no longer wants this route is not called.
      if (this.#changes !== changes && !this.#stillWants(route, ownerOf(receivers, i))) {
        skipped++;
        continue;
      }
      try {
        (receivers[i] as MessageHandler)(message);
      } catch (error) {
        this.#fail(ownerOf(receivers, i), error);
      }
    }
    this.#deliveries += count - 1 - skipped;
    return count - 1 - skipped;
  }

  /** Delivers frames in order; returns how many handlers were called. */
  routeAll(messages: Iterable<UpbitMessage>): number {
    let deliveries = 0;
    for (const message of messages) deliveries += this.route(message);
    return deliveries;
  }

  // ── index upkeep (off the hot path) ───────────────────────────────────────

  #routeFor(want: Want): Route {
    const index = this.#index[want.type];
    const head = index.get(want.code)?.[0];
    for (let route = head; route !== undefined; route = route.next) if (route.level === want.level) return route;
    const route = this.#newRoute(want);
    route.next = head;
    index.set(want.code, route.realtime);
    return route;
  }

  #newRoute({ type, code, level }: Want): Route {
    this.#routeCount++;
    // The last myOrder event of some market says nothing about another: the all-markets route keeps none.
    const caches = this.#cacheTypes.has(type) && !(type === 'myOrder' && code === ALL_MARKETS);
    return new Route(type, code, level, caches);
  }

  #drop(wish: Wish, key: string, touched: Set<Route>): void {
    wish.route.wishes.delete(wish.owner);
    wish.owner.wishes.delete(key);
    touched.add(wish.route);
  }

  #dropAll(owner: Owner, touched: Set<Route>): void {
    for (const [key, wish] of owner.wishes) this.#drop(wish, key, touched);
  }

  /**
   * A route's wishes changed: unindexes it when nobody wants it, else marks its lists stale. They
   * are rebuilt once at the end of the tick, or by the next delivery if that comes first (see
   * `#fresh`): N subscribers joining one route in a tick cost one rebuild, not N (rebuilding on
   * every change made that quadratic), and a handler that subscribes mid-delivery is in the lists
   * of the very next frame.
   */
  #rebuild(route: Route): void {
    const index = this.#index[route.type];
    if (route.wishes.size === 0) this.#unindex(route, index);
    else this.#markStale(route);
    if (route.code !== ALL_MARKETS) return;
    // Every myOrder code route also serves the all-markets wishes.
    for (const [code, receivers] of index) {
      if (code === ALL_MARKETS) continue;
      for (let r: Route | undefined = receivers[0]; r !== undefined; r = r.next) this.#markStale(r);
    }
  }

  #markStale(route: Route): void {
    if (route.stale) return;
    route.markStale();
    if (this.#stale.size === 0) queueMicrotask(() => this.#freshenAll());
    this.#stale.add(route);
  }

  #freshenAll(): void {
    for (const route of this.#stale) this.#fresh(route);
    this.#stale.clear();
  }

  /** Rebuilds `route`'s lists if its wishes changed; the first route of its code hands the index its new REALTIME list. */
  #fresh(route: Route): void {
    if (route.stale !== true) return;
    this.#stale.delete(route);
    const index = this.#index[route.type];
    route.rebuild(route.code === ALL_MARKETS ? undefined : index.get(ALL_MARKETS)?.[0]);
    if (index.get(route.code)?.[0] === route) index.set(route.code, route.realtime);
  }

  #unindex(route: Route, index: Index): void {
    const head = index.get(route.code)?.[0];
    if (head === route) {
      if (route.next === undefined) index.delete(route.code);
      else index.set(route.code, route.next.realtime);
    } else {
      let before = head;
      while (before !== undefined && before.next !== route) before = before.next;
      if (before === undefined) return;
      before.next = route.next;
    }
    route.clear();
    this.#stale.delete(route);
    this.#routeCount--;
  }

  /**
   * Calls every handler of `receivers` with `message`; a throw is reported for its owner and the
   * next handler still gets the frame. (One try around the whole loop, resuming after a throw,
   * measured no faster than a try per call.) Lists are never mutated: their length is read once.
   */
  /**
   * Calls the handlers of `receivers`, but those whose owner stopped wanting `route` since the
   * delivery began (`changes` was `#changes` then); returns how many were called.
   */
  #call(route: Route, receivers: Receivers, message: UpbitMessage, changes: number): number {
    const count = receivers.length;
    let called = 0;
    for (let i = 1; i < count; i++) {
      if (this.#changes !== changes && !this.#stillWants(route, ownerOf(receivers, i))) continue;
      called++;
      try {
        (receivers[i] as MessageHandler)(message);
      } catch (error) {
        this.#fail(ownerOf(receivers, i), error);
      }
    }
    return called;
  }

  /** Whether `owner` still has a wish on `route`, or (myOrder) on the all-markets route that serves it. */
  #stillWants(route: Route, owner: Owner): boolean {
    if (route.wishes.has(owner)) return true;
    return route.type === 'myOrder' && this.#index.myOrder.get(ALL_MARKETS)?.[0].wishes.has(owner) === true;
  }

  /** `route()` for frames of codes served by the all-markets route, and for orderbooks (found by level). */
  #routeAny(ofCode: Receivers | undefined, message: UpbitMessage): number {
    let route: Route | undefined = (ofCode ?? this.#index[message.type].get(ALL_MARKETS))?.[0];
    if (message.type === 'orderbook') {
      const level = message.level ?? 0;
      while (route !== undefined && route.level !== level) route = route.next;
    }
    if (route === undefined) return 0;
    if (route.caches) route.last = message;
    return this.#deliver(route, message);
  }

  /**
   * Delivers `message` to the receivers of its stream type, orderbook cuts included, and marks
   * waiting snapshot-only wishes served. Every list is captured before the first handler runs,
   * the waiting wishes too: one added meanwhile did not get this frame, so it is not marked served.
   */
  #deliver(route: Route, message: UpbitMessage): number {
    this.#fresh(route);
    const isSnapshot = message.stream_type === 'SNAPSHOT';
    const receivers = isSnapshot ? route.snapshot : route.realtime;
    const cuts = isSnapshot ? route.snapshotCuts : route.realtimeCuts;
    const waiting = route.waiting;
    const changes = this.#changes;
    let deliveries = this.#call(route, receivers, message, changes);
    // One cut copy per depth per frame.
    for (const cut of cuts) deliveries += this.#call(route, cut.receivers, cutBook(message as OrderbookMessage, cut.depth), changes);
    if (waiting.length > 0) this.#markServed(waiting);
    this.#deliveries += deliveries;
    return deliveries;
  }

  /** Snapshot-only wishes that just had their one message get nothing more. */
  #markServed(wishes: readonly Wish[]): void {
    const touched = new Set<Route>();
    for (const wish of wishes) {
      // Skip a wish its owner replaced or dropped during the delivery: the frame was not its.
      if (wish.served || wish.route.wishes.get(wish.owner) !== wish) continue;
      wish.served = true;
      touched.add(wish.route);
    }
    for (const route of touched) this.#rebuild(route);
  }

  /** Hands the cached frame of streams already flowing to new subscribers, in a microtask. */
  #replayCache(fresh: readonly Wish[]): void {
    const replays: { wish: Wish; cached: UpbitMessage }[] = [];
    for (const wish of fresh) {
      const cached = wish.route.last;
      if (wish.snapshot && cached !== undefined && isDeepEnough(cached, wish.depth)) replays.push({ wish, cached });
    }
    if (replays.length > 0) queueMicrotask(() => this.#replay(replays));
  }

  #replay(replays: readonly { wish: Wish; cached: UpbitMessage }[]): void {
    for (const { wish, cached } of replays) {
      const { route, owner } = wish;
      if (route.wishes.get(owner) !== wish) continue; // removed or replaced meanwhile
      const snapshotOnly = !wish.realtime;
      const last = route.last;
      // A live frame routed meanwhile reached the subscriber: for one that takes updates the cached
      // frame is stale, and a snapshot-only one has had its one message.
      if (last === undefined || (snapshotOnly ? wish.served : last !== cached) || !isDeepEnough(last, wish.depth)) continue;
      this.#deliverTo(owner, route.type === 'orderbook' ? cutBook(last as OrderbookMessage, wish.depth) : last);
      if (snapshotOnly) this.#markServed([wish]);
    }
  }

  #deliverTo(owner: Owner, message: UpbitMessage): void {
    this.#deliveries++;
    try {
      owner.handler(message);
    } catch (error) {
      this.#fail(owner, error);
    }
  }

  #fail(owner: Owner, cause: unknown): void {
    if (owner.reported) return;
    owner.reported = true;
    const error = new UpstateError(
      'ERR_HANDLER',
      `The handler of "${owner.id}" threw; it still receives its frames, and further errors from it are not reported`,
      { cause },
    );
    try {
      this.#onError(error, owner.id);
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }
}

/** An object with one index per data type (decoded frames always carry a valid `type`). */
function indexByType(): Record<DataType, Index> {
  return Object.fromEntries(DATA_TYPES.map((type) => [type, new Map()])) as Record<DataType, Index>;
}

/** Each owner's specs as one wish per route: an owner gets a frame once, at the largest depth it asked for. */
function wantsOf(specs: readonly NormalizedSpec[]): Map<string, Want> {
  const wants = new Map<string, Want>();
  for (const spec of specs) {
    const level = spec.type === 'orderbook' ? spec.level : 0;
    const depth = spec.type === 'orderbook' ? spec.depth : DEFAULT_ORDERBOOK_DEPTH;
    const snapshot = spec.snapshot !== 'exclude';
    const realtime = spec.snapshot !== 'only';
    // No codes: every market (myOrder) or no market at all (myAsset).
    for (const code of spec.codes.length === 0 ? [ALL_MARKETS] : spec.codes) {
      const key = `${spec.type} ${code} ${level}`;
      const want = wants.get(key);
      if (want === undefined) wants.set(key, { type: spec.type, code, level, snapshot, realtime, depth });
      else {
        want.snapshot ||= snapshot;
        want.realtime ||= realtime;
        want.depth = Math.max(want.depth, depth);
      }
    }
  }
  return wants;
}

function sameWish(wish: Wish, want: Want): boolean {
  return wish.snapshot === want.snapshot && wish.realtime === want.realtime && wish.depth === want.depth;
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
