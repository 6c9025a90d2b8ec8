import { OptionError, UpstateError } from '../errors.js';
import { DATA_TYPES, DEFAULT_ORDERBOOK_DEPTH, isDataType, type DataType, type OrderbookMessage, type UpbitMessage } from '../protocol/upbit/types.js';
import type { NormalizedSpec } from '../registry/spec.js';
import { cutBook, isDeepEnough } from './orderbook.js';
import { Route, type Cut, type MessageHandler, type Owner, type Wish } from './route.js';

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
   * @default ['ticker', 'orderbook']
   */
  readonly cacheTypes?: readonly DataType[];
}

/**
 * Routes by market code for one data type; each is the head of a chain of orderbook levels
 * (`Route.next`). Code `''` is the all-markets route: myAsset (which has no code), and myOrder
 * without codes, whose wishes every myOrder code route also serves.
 */
type Routes = Map<string, Route>;
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
 * Delivery lists are precomputed when subscribers come and go, so `route()` is a property load,
 * a Map lookup and a loop over handlers, and allocates nothing beyond the cut books smaller-depth
 * subscribers receive (one per depth per frame). A handler that subscribes or unsubscribes during a delivery
 * takes effect from the next frame.
 */
export class Router {
  /** One map per data type, fixed for the router's life: a property load on the hot path. */
  readonly #routes = routesByType();
  readonly #owners = new Map<string, Owner>();
  readonly #cacheTypes: ReadonlySet<DataType>;
  readonly #onError: (error: UpstateError, ownerId: string) => void;
  #deliveries = 0;
  #routeCount = 0;

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
   * same preferences are kept as they were (no second cached value, a served snapshot stays
   * served); new ones get the cached value of a stream already flowing, in a microtask.
   */
  add(ownerId: string, specs: readonly NormalizedSpec[], handler: MessageHandler): void {
    if (typeof handler !== 'function') throw new TypeError(`The handler of "${ownerId}" must be a function`);
    const wants = wantsOf(specs);
    const previous = this.#owners.get(ownerId);
    const owner: Owner =
      previous !== undefined && previous.handler === handler
        ? previous
        : { id: ownerId, handler, reported: false, wishes: new Map() };
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
    const touched = new Set<Route>();
    this.#dropAll(owner, touched);
    this.#owners.delete(ownerId);
    for (const route of touched) this.#rebuild(route);
  }

  /** Removes every owner and every cached frame. */
  clear(): void {
    for (const ownerId of [...this.#owners.keys()]) this.remove(ownerId);
  }

  /** Delivers one frame; returns how many handlers were called. */
  route(message: UpbitMessage): number {
    const routes = this.#routes[message.type];
    let route = routes.get(message.code) ?? routes.get(ALL_MARKETS);
    if (message.type === 'orderbook') {
      const level = message.level ?? 0;
      while (route !== undefined && route.level !== level) route = route.next;
    }
    if (route === undefined) return 0;
    if (route.caches) route.last = message;
    const isSnapshot = message.stream_type === 'SNAPSHOT';
    // Lists captured once: a handler that (un)subscribes replaces them, it does not change these.
    const handlers = isSnapshot ? route.snapshotHandlers : route.realtimeHandlers;
    const owners = isSnapshot ? route.snapshotOwners : route.realtimeOwners;
    const cuts = isSnapshot ? route.snapshotCuts : route.realtimeCuts;
    for (let i = 0; i < handlers.length; i++) {
      try {
        handlers[i]!(message);
      } catch (error) {
        this.#fail(owners[i]!, error);
      }
    }
    let deliveries = handlers.length;
    if (cuts.length !== 0) deliveries += this.#deliverCuts(message as OrderbookMessage, cuts);
    if (isSnapshot && route.pendingOnly > 0) this.#markServed(route, owners, cuts);
    this.#deliveries += deliveries;
    return deliveries;
  }

  /** Delivers frames in order; returns how many handlers were called. */
  routeAll(messages: Iterable<UpbitMessage>): number {
    let deliveries = 0;
    for (const message of messages) deliveries += this.route(message);
    return deliveries;
  }

  // ── index upkeep (off the hot path) ───────────────────────────────────────

  #routeFor(want: Want): Route {
    const routes = this.#routes[want.type];
    const head = routes.get(want.code);
    for (let route = head; route !== undefined; route = route.next) if (route.level === want.level) return route;
    const route = this.#newRoute(want);
    route.next = head;
    routes.set(want.code, route);
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

  /** Recomputes a route's delivery lists, or unindexes it when nobody wants it. */
  #rebuild(route: Route): void {
    const routes = this.#routes[route.type];
    if (route.wishes.size === 0) this.#unindex(route, routes);
    const shared = routes.get(ALL_MARKETS);
    if (route.code !== ALL_MARKETS) {
      if (route.wishes.size > 0) route.rebuild(shared);
      return;
    }
    shared?.rebuild(undefined);
    // Every myOrder code route also serves the all-markets wishes.
    for (const [code, head] of routes) {
      if (code === ALL_MARKETS) continue;
      for (let r: Route | undefined = head; r !== undefined; r = r.next) r.rebuild(shared);
    }
  }

  #unindex(route: Route, routes: Routes): void {
    const head = routes.get(route.code);
    if (head === route) {
      if (route.next === undefined) routes.delete(route.code);
      else routes.set(route.code, route.next);
    } else {
      let before = head;
      while (before !== undefined && before.next !== route) before = before.next;
      if (before === undefined) return;
      before.next = route.next;
    }
    route.clear();
    this.#routeCount--;
  }

  /** Smaller-depth orderbook subscribers: one cut copy per depth per frame. */
  #deliverCuts(book: OrderbookMessage, cuts: readonly Cut[]): number {
    let deliveries = 0;
    for (const { depth, handlers, owners } of cuts) {
      const cut = cutBook(book, depth);
      for (let i = 0; i < handlers.length; i++) {
        try {
          handlers[i]!(cut);
        } catch (error) {
          this.#fail(owners[i]!, error);
        }
      }
      deliveries += handlers.length;
    }
    return deliveries;
  }

  /** Snapshot-only subscribers that just got their snapshot get nothing more from this route. */
  #markServed(route: Route, owners: readonly Owner[], cuts: readonly Cut[]): void {
    for (const owner of [...owners, ...cuts.flatMap((cut) => cut.owners)]) {
      const wish = route.wishes.get(owner);
      if (wish !== undefined && !wish.realtime) wish.served = true;
    }
    this.#rebuild(route);
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
      // A live frame routed meanwhile reached a subscriber that takes updates: the cached one is stale.
      // A snapshot-only subscriber still waiting takes whatever is latest.
      if (last === undefined || (snapshotOnly ? wish.served : last !== cached) || !isDeepEnough(last, wish.depth)) continue;
      this.#deliver(owner, route.type === 'orderbook' ? cutBook(last as OrderbookMessage, wish.depth) : last);
      if (snapshotOnly) {
        wish.served = true;
        this.#rebuild(route);
      }
    }
  }

  #deliver(owner: Owner, message: UpbitMessage): void {
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

/** An object with one map per data type (decoded frames always carry a valid `type`). */
function routesByType(): Record<DataType, Routes> {
  return Object.fromEntries(DATA_TYPES.map((type) => [type, new Map()])) as Record<DataType, Routes>;
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
