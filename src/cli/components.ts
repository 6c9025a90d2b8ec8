/**
 * The demo's population: about 50 independent components (tickers, orderbooks, trades, candles
 * and one private myOrder component) that come and go in bursts, as the widgets of a trading
 * screen do, on one orchestrator.
 */
import type { Orchestrator } from '../orchestrator.js';
import { connectionKindOf, type ConnectionKind, type DataType, type UpbitMessage } from '../protocol/upbit/types.js';
import type { Spec } from '../registry/spec.js';
import type { ExchangeHandle } from '../sim/index.js';
import { DEFAULT_MARKETS } from '../sim/index.js';
import { createPrng, type Prng } from '../sim/prng.js';

/** How many public components of each type; with the myOrder component, 50 in all. */
const MIX: readonly (readonly [DataType, number])[] = [
  ['ticker', 15],
  ['orderbook', 10],
  ['trade', 10],
  ['candle.1s', 4],
  ['candle.1m', 4],
  ['candle.5m', 3],
  ['candle.60m', 3],
];
const MY_ORDER_ID = 'myOrder';
/** Mean time between bursts. */
const BURST_MS = 1_500;
/** The first myOrder event comes after a second (the private link is open by then), then one every 3 s. */
const FIRST_MY_ORDER_MS = 1_000;
const MY_ORDER_EVERY_MS = 3_000;

export interface PopulationCounts {
  /** Distinct messages received per connection (one frame reaching several components counts once). */
  readonly frames: Readonly<Record<ConnectionKind, number>>;
  /** Messages handed to components. */
  readonly delivered: number;
  /** myOrder events the exchange sent to the demo's private connection. */
  readonly myOrderInjected: number;
  readonly myOrderReceived: number;
}

export interface Population {
  readonly total: number;
  /** Components subscribed right now. */
  active(): number;
  counts(): PopulationCounts;
  /** Stops the bursts and the injections (the orchestrator's close removes the subscriptions). */
  stop(): void;
}

/**
 * Registers a first wave at once, then every ~1.5 s a burst in which a few components leave,
 * come back or switch markets; after 1 s and then every 3 s the exchange sends the private
 * component a myOrder event.
 */
export function startPopulation(upbit: Orchestrator, exchange: ExchangeHandle, options: { readonly seed: number; readonly accessKey: string }): Population {
  const random = createPrng(options.seed);
  const ids = MIX.flatMap(([type, count]) => Array.from({ length: count }, (_, i) => ({ id: `${type}#${i + 1}`, type })));
  const active = new Set<string>();
  const frames: Record<ConnectionKind, number> = { public: 0, private: 0 };
  let delivered = 0;
  let myOrderInjected = 0;
  let myOrderReceived = 0;
  let lastMessage: UpbitMessage | undefined;

  const handler = (message: UpbitMessage): void => {
    delivered++;
    // The router hands one frame to all its subscribers in a row: count it once.
    if (message !== lastMessage) frames[connectionKindOf(message.type)]++;
    lastMessage = message;
    if (message.type === 'myOrder') myOrderReceived++;
  };
  const join = (id: string, type: DataType): void => {
    upbit.register(id, [specFor(type, random)], handler);
    active.add(id);
  };
  const leave = (id: string): void => {
    upbit.unregister(id);
    active.delete(id);
  };

  upbit.register(MY_ORDER_ID, [{ type: 'myOrder' }], handler);
  active.add(MY_ORDER_ID);
  for (const { id, type } of ids) if (random.chance(0.8)) join(id, type);

  const burst = (): void => {
    for (let n = random.int(3, 12); n > 0; n--) {
      const { id, type } = ids[random.int(0, ids.length - 1)]!;
      // Present: leave, or switch markets (one atomic replace); absent: come back.
      if (!active.has(id)) join(id, type);
      else if (random.chance(0.5)) leave(id);
      else join(id, type);
    }
    burstTimer = setTimeout(burst, random.int(BURST_MS / 2, (BURST_MS * 3) / 2));
  };
  let burstTimer = setTimeout(burst, BURST_MS);

  const injectMyOrder = (): void => {
    const code = DEFAULT_MARKETS[random.int(0, DEFAULT_MARKETS.length - 1)]!;
    const { connectionIds } = exchange.injectMyOrder(options.accessKey, { code, ask_bid: random.chance(0.5) ? 'ASK' : 'BID' });
    if (connectionIds.length > 0) myOrderInjected++;
    injectTimer = setTimeout(injectMyOrder, MY_ORDER_EVERY_MS);
  };
  let injectTimer = setTimeout(injectMyOrder, FIRST_MY_ORDER_MS);

  return {
    total: ids.length + 1,
    active: () => active.size,
    counts: () => ({ frames: { ...frames }, delivered, myOrderInjected, myOrderReceived }),
    stop() {
      clearTimeout(burstTimer);
      clearTimeout(injectTimer);
    },
  };
}

/** One to three markets of `type`; orderbooks at a random depth. */
function specFor(type: DataType, random: Prng): Spec {
  const codes = new Set<string>();
  for (let n = random.int(1, 3); n > 0; n--) codes.add(DEFAULT_MARKETS[random.int(0, DEFAULT_MARKETS.length - 1)]!);
  const depths = [1, 5, 15, 30] as const;
  return type === 'orderbook'
    ? { type, codes: [...codes], depth: depths[random.int(0, depths.length - 1)]! }
    : { type, codes: [...codes] };
}
