import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { controlSubjects, messageSubject, resolvePrefixes, streamSubject } from '../../src/fleet/subjects.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';

const prefixes = resolvePrefixes();

describe('fleet subjects', () => {
  it('puts each stream on <prefix>.<type>.<code>, a dotted type as one token', () => {
    expect(streamSubject(prefixes, 'ticker', 'KRW-BTC')).toBe('upstate.ticker.KRW-BTC');
    expect(streamSubject(prefixes, 'trade', 'BTC-ETH')).toBe('upstate.trade.BTC-ETH');
    expect(streamSubject(prefixes, 'candle.1s', 'KRW-BTC')).toBe('upstate.candle_1s.KRW-BTC');
    expect(streamSubject(prefixes, 'candle.240m', 'KRW-BTC')).toBe('upstate.candle_240m.KRW-BTC');
  });

  it('gives orderbook levels a token of their own, a decimal level without its dot', () => {
    expect(streamSubject(prefixes, 'orderbook', 'KRW-BTC')).toBe('upstate.orderbook.0.KRW-BTC');
    expect(streamSubject(prefixes, 'orderbook', 'KRW-BTC', 10_000)).toBe('upstate.orderbook.10000.KRW-BTC');
    expect(streamSubject(prefixes, 'orderbook', 'KRW-XRP', 0.5)).toBe('upstate.orderbook.0_5.KRW-XRP');
  });

  it('puts private streams under their own prefix; all-markets myOrder is a wildcard', () => {
    expect(streamSubject(prefixes, 'myOrder', 'KRW-BTC')).toBe('upstate-private.myOrder.KRW-BTC');
    expect(streamSubject(prefixes, 'myOrder', '')).toBe('upstate-private.myOrder.*');
    expect(streamSubject(prefixes, 'myAsset', '')).toBe('upstate-private.myAsset');
  });

  it('publishes a frame to the subject its stream is subscribed on', () => {
    const book = { type: 'orderbook', code: 'KRW-ETH', level: 1000, orderbook_units: [] } as unknown as UpbitMessage;
    expect(messageSubject(prefixes, book)).toBe('upstate.orderbook.1000.KRW-ETH');
    const order = { type: 'myOrder', code: 'KRW-BTC' } as unknown as UpbitMessage;
    expect(messageSubject(prefixes, order)).toBe('upstate-private.myOrder.KRW-BTC');
    const asset = { type: 'myAsset' } as unknown as UpbitMessage;
    expect(messageSubject(prefixes, asset)).toBe('upstate-private.myAsset');
  });

  it('keeps control subjects apart from every data type, private demand under the private prefix', () => {
    expect(controlSubjects(prefixes)).toEqual({
      demand: { public: 'upstate.ctl.demand', private: 'upstate-private.ctl.demand' },
      lastValues: 'upstate.ctl.last',
      settled: 'upstate.ctl.settled',
      hello: 'upstate.ctl.hello',
      gateways: 'upstate.ctl.gateways',
    });
  });

  it('rejects a prefix NATS would split or match wrongly, and private streams inside the public prefix', () => {
    expect(() => resolvePrefixes('up state')).toThrow(OptionError);
    expect(() => resolvePrefixes('upstate.>')).toThrow(/`prefix`/);
    expect(() => resolvePrefixes('fleet', 'fleet.private')).toThrow(/`privatePrefix`/);
    expect(() => resolvePrefixes('fleet.a', 'fleet')).toThrow(/`privatePrefix`/);
    expect(resolvePrefixes('desk.one', 'desk-private.one')).toEqual({ public: 'desk.one', private: 'desk-private.one' });
  });
});
