/**
 * Type tests of the public API, as a user's editor sees it: checked by `tsc` (vitest's typecheck
 * mode runs them with `npm test`). A line marked `@ts-expect-error` must be an error, so a type
 * that grows too loose fails here as surely as one that grows too strict.
 */
import { createActor, fromPromise } from 'xstate';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CandleMessage,
  type ConnectionId,
  type ConnectionKind,
  createOrchestrator,
  type MessageOf,
  type MyOrderMessage,
  type OrderbookMessage,
  type Spec,
  type Subscription,
  type TickerMessage,
  type TradeMessage,
  type UpbitMessage,
  type UpstateError,
} from '../../src/index.js';
import { flushMachine, type SendResult } from '../../machines/index.js';
import { type ConnectionInfo, type ExchangeHandle, startExchange } from '../../src/sim/index.js';

declare const upbit: ReturnType<typeof createOrchestrator>;

describe('subscribe', () => {
  it('hands a ticker handler MessageOf<"ticker">', () => {
    expectTypeOf<MessageOf<'ticker'>>().toEqualTypeOf<TickerMessage>();
    const sub = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (ticker) => {
      expectTypeOf(ticker).toEqualTypeOf<TickerMessage>();
      expectTypeOf(ticker.trade_price).toEqualTypeOf<number>();
    });
    expectTypeOf(sub).toEqualTypeOf<Subscription>();
  });

  it('makes a field the message does not have an error', () => {
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (ticker) => {
      // @ts-expect-error a ticker has no orderbook_units
      void ticker.orderbook_units;
    });
    upbit.subscribe({ type: 'trade', codes: ['KRW-BTC'] }, (trade) => {
      expectTypeOf(trade).toEqualTypeOf<TradeMessage>();
      // @ts-expect-error a trade has no acc_trade_volume_24h
      void trade.acc_trade_volume_24h;
    });
  });

  it('keeps the candle unit in the message type', () => {
    upbit.subscribe({ type: 'candle.5m', codes: ['KRW-BTC'] }, (candle) => {
      expectTypeOf(candle).toEqualTypeOf<CandleMessage<'candle.5m'>>();
      expectTypeOf(candle.type).toEqualTypeOf<'candle.5m'>();
    });
  });

  it('rejects an unknown type, a misspelt spec field and a depth Upbit does not serve', () => {
    // @ts-expect-error no such type
    upbit.subscribe({ type: 'tickers', codes: ['KRW-BTC'] }, () => {});
    // @ts-expect-error `code` is not a spec field (`codes` is)
    upbit.subscribe({ type: 'ticker', code: ['KRW-BTC'] }, () => {});
    // @ts-expect-error depth is 1, 5, 15 or 30
    upbit.subscribe({ type: 'orderbook', codes: ['KRW-BTC'], depth: 10 }, () => {});
    // @ts-expect-error a handler for another type's messages
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (message: OrderbookMessage) => void message);
  });
});

describe('register', () => {
  it('hands one handler every type, narrowed by `type`', () => {
    const specs: Spec[] = [{ type: 'orderbook', codes: ['KRW-BTC'], depth: 15 }, { type: 'myOrder' }];
    upbit.register('strategy', specs, (message) => {
      expectTypeOf(message).toEqualTypeOf<UpbitMessage>();
      if (message.type === 'orderbook') expectTypeOf(message).toEqualTypeOf<OrderbookMessage>();
      if (message.type === 'myOrder') expectTypeOf(message).toEqualTypeOf<MyOrderMessage>();
      // @ts-expect-error not every message has trade_price
      void message.trade_price;
    });
  });
});

describe('stream', () => {
  it('yields MessageOf<T>', () => {
    expectTypeOf(upbit.stream({ type: 'trade', codes: ['KRW-BTC'] })).toEqualTypeOf<AsyncIterableIterator<TradeMessage>>();
  });
});

describe('events', () => {
  it('types each event’s arguments', () => {
    upbit.on('reconnecting', (connection, attempt) => {
      expectTypeOf(connection).toEqualTypeOf<ConnectionId>();
      expectTypeOf(attempt).toEqualTypeOf<number>();
    });
    upbit.on('error', (error) => expectTypeOf(error).toEqualTypeOf<UpstateError>());
    // @ts-expect-error no such event
    upbit.on('reconnected', () => {});
  });
});

describe('createOrchestrator options', () => {
  it('makes a misspelt option or a wrong type a compile error', () => {
    createOrchestrator({ debounceMs: 50, format: 'SIMPLE', heartbeat: { intervalMs: 10_000 } });
    // @ts-expect-error debounceMS is not an option (debounceMs is)
    createOrchestrator({ debounceMS: 50 });
    // @ts-expect-error format is DEFAULT or SIMPLE
    createOrchestrator({ format: 'JSON' });
    // @ts-expect-error credentials need both keys
    createOrchestrator({ credentials: { accessKey: 'a' } });
  });
});

describe('upstate/machines', () => {
  it('takes the actors the flush needs, and sendDesired must return a whole SendResult', () => {
    const provided = flushMachine.provide({
      actors: {
        acquireSendToken: fromPromise(async () => {}),
        sendDesired: fromPromise(async ({ input }): Promise<SendResult> => ({ fingerprint: input.server, sent: true })),
      },
    });
    createActor(provided, { input: { kind: 'public' } });
    flushMachine.provide({
      actors: {
        // @ts-expect-error `sent` is missing from the SendResult
        sendDesired: fromPromise(async () => ({ fingerprint: 1 })),
      },
    });
  });
});

describe('upstate/sim', () => {
  it('untilSubscribed takes a spec and resolves with the connection', () => {
    expectTypeOf(startExchange).returns.toEqualTypeOf<Promise<ExchangeHandle>>();
    const exchange = {} as ExchangeHandle;
    expectTypeOf(exchange.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'] })).toEqualTypeOf<Promise<ConnectionInfo>>();
    // @ts-expect-error no such type
    void exchange.untilSubscribed({ type: 'tick', codes: ['KRW-BTC'] });
  });
});

describe('the optional peers in the public types', () => {
  it("takes the NATS client's own connection options as a NatsTarget", () => {
    expectTypeOf<import('@nats-io/transport-node').NodeConnectionOptions>().toExtend<import('../../src/fleet/index.js').NatsTarget>();
    // @ts-expect-error a misspelt option is still caught
    createOrchestrator({ gateway: { servers: 'nats://127.0.0.1:4222', passwrod: 'x' } });
  });

  it("takes prom-client's Registry and hands it back with its own type", async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    expectTypeOf(registry).toExtend<import('../../src/index.js').MetricsRegistry>();
    const metrics = await (await import('../../src/index.js')).registerMetrics(upbit, { registry });
    expectTypeOf(metrics.registry).toEqualTypeOf(registry);
  });
});
