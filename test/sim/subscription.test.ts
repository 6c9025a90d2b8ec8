import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/protocol/upbit/request.js';
import type { ParsedTypeField } from '../../src/protocol/upbit/types.js';
import { Subscription } from '../../src/sim/subscription.js';

/** The fields of a request, through the real parser. */
function fieldsOf(...fields: object[]): readonly ParsedTypeField[] {
  const parsed = parseRequest(JSON.stringify([{ ticket: 't' }, ...fields]));
  if (!parsed.ok || parsed.kind !== 'subscribe') throw new Error(`not a subscription: ${JSON.stringify(parsed)}`);
  return parsed.fields;
}

describe('Subscription', () => {
  it('sends each stream’s snapshot once, in request order, and skips realtime-only fields', () => {
    const subscription = new Subscription(
      fieldsOf(
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-XRP'], isOnlyRealtime: true },
        { type: 'orderbook', codes: ['KRW-BTC.5', 'KRW-BTC'], level: 10000 },
      ),
    );
    expect(subscription.snapshots).toEqual([
      { type: 'ticker', code: 'KRW-BTC', depth: 30, level: 0 },
      { type: 'ticker', code: 'KRW-ETH', depth: 30, level: 0 },
      { type: 'orderbook', code: 'KRW-BTC', depth: 5, level: 10000 },
      { type: 'orderbook', code: 'KRW-BTC', depth: 30, level: 10000 },
    ]);
  });

  it('streams each stream once, whatever fields repeat it; snapshot-only fields stream nothing', () => {
    const subscription = new Subscription(
      fieldsOf(
        { type: 'ticker', codes: ['KRW-BTC'] },
        { type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true },
        { type: 'trade', codes: ['KRW-ETH'], isOnlySnapshot: true },
      ),
    );
    expect(subscription.realtimeOf('KRW-BTC')?.get('ticker')).toEqual([{ type: 'ticker', code: 'KRW-BTC', depth: 30, level: 0 }]);
    expect(subscription.realtimeOf('KRW-ETH')).toBeUndefined();
  });

  it('lists what streams: merged per type (orderbooks per level), depth suffixes kept, snapshot-only left out', () => {
    const subscription = new Subscription(
      fieldsOf(
        { type: 'ticker', codes: ['KRW-BTC'] },
        { type: 'orderbook', codes: ['KRW-ETH.15'] },
        { type: 'ticker', codes: ['KRW-ETH', 'KRW-BTC'], isOnlyRealtime: true },
        { type: 'orderbook', codes: ['KRW-XRP.30'], level: 1 },
        { type: 'trade', codes: ['KRW-SOL'], isOnlySnapshot: true },
      ),
    );
    expect(subscription.listing()).toEqual([
      { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
      { type: 'orderbook', codes: ['KRW-ETH.15'], level: 0 },
      { type: 'orderbook', codes: ['KRW-XRP'], level: 1 },
    ]);
  });

  it('filters myOrder by market, every market when codes are omitted or empty', () => {
    const some = new Subscription(fieldsOf({ type: 'myOrder', codes: ['KRW-BTC'] }));
    expect(some.wantsMyOrder('KRW-BTC')).toBe(true);
    expect(some.wantsMyOrder('KRW-ETH')).toBe(false);
    expect(some.listing()).toEqual([{ type: 'myOrder', codes: ['KRW-BTC'] }]);

    const all = new Subscription(fieldsOf({ type: 'myOrder', codes: ['KRW-BTC'] }, { type: 'myOrder', codes: [] }, { type: 'myAsset' }));
    expect(all.wantsMyOrder('KRW-DOGE')).toBe(true);
    expect(all.myAsset).toBe(true);
    expect(all.listing()).toEqual([{ type: 'myOrder' }, { type: 'myAsset' }]);
    expect(all.snapshots).toEqual([]);

    expect(new Subscription(fieldsOf({ type: 'ticker', codes: ['KRW-BTC'] })).wantsMyOrder('KRW-BTC')).toBe(false);
  });
});
