import { describe, expect, it } from 'vitest';
import { normalizeSpec, planRequest, Registry, type Spec } from '../../src/registry/index.js';

/** A registry holding one owner per spec. */
function registryOf(...specs: Spec[]): Registry {
  const registry = new Registry();
  specs.forEach((spec, index) => registry.register(`owner-${index}`, [normalizeSpec(spec)]));
  return registry;
}

describe('planRequest', () => {
  describe('after a (re)connect', () => {
    it('asks for snapshot and realtime in one field per type', () => {
      const desired = registryOf(
        { type: 'ticker', codes: ['KRW-ETH', 'KRW-BTC'] },
        { type: 'trade', codes: ['KRW-BTC'] },
      ).snapshot('public');
      expect(planRequest(desired, undefined)).toEqual([
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'trade', codes: ['KRW-BTC'] },
      ]);
    });

    it('follows the merged stream wishes', () => {
      const desired = registryOf(
        { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' },
        { type: 'ticker', codes: ['KRW-ETH'], snapshot: 'exclude' },
        { type: 'ticker', codes: ['KRW-XRP'], snapshot: 'only' },
        { type: 'ticker', codes: ['KRW-XRP'], snapshot: 'exclude' },
      ).snapshot('public');
      expect(planRequest(desired, undefined)).toEqual([
        { type: 'ticker', codes: ['KRW-XRP'] },
        { type: 'ticker', codes: ['KRW-BTC'], isOnlySnapshot: true },
        { type: 'ticker', codes: ['KRW-ETH'], isOnlyRealtime: true },
      ]);
    });

    it('asks for every snapshot again: nothing is acknowledged on a new connection', () => {
      const registry = registryOf({ type: 'ticker', codes: ['KRW-BTC'] });
      const desired = registry.snapshot('public');
      expect(planRequest(desired, desired)).toEqual([{ type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true }]);
      expect(planRequest(desired, undefined)).toEqual([{ type: 'ticker', codes: ['KRW-BTC'] }]);
    });
  });

  describe('against what the server already has', () => {
    it('asks a snapshot for new codes only and keeps streaming ones realtime-only', () => {
      const registry = registryOf({ type: 'ticker', codes: ['KRW-BTC'] });
      const acknowledged = registry.snapshot('public');
      registry.register('late', [normalizeSpec({ type: 'ticker', codes: ['KRW-ETH'] })]);
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([
        { type: 'ticker', codes: ['KRW-ETH'] },
        { type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true },
      ]);
    });

    it('sends a removal as the full remaining state', () => {
      const registry = registryOf({ type: 'ticker', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-ETH'] });
      const acknowledged = registry.snapshot('public');
      registry.unregister('owner-1');
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([
        { type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true },
      ]);
    });

    it('leaves out acknowledged snapshot-only codes', () => {
      const registry = registryOf({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' });
      const acknowledged = registry.snapshot('public');
      registry.register('late', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })]);
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([{ type: 'trade', codes: ['KRW-BTC'] }]);
    });

    it('re-asks acknowledged snapshots when that is the only way to stop a stream', () => {
      const registry = registryOf(
        { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' },
        { type: 'trade', codes: ['KRW-BTC'] },
      );
      const acknowledged = registry.snapshot('public');
      registry.unregister('owner-1');
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([
        { type: 'ticker', codes: ['KRW-BTC'], isOnlySnapshot: true },
      ]);
    });

    it('sends nothing when the server delivered everything wanted and streams nothing', () => {
      const registry = registryOf(
        { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' },
        { type: 'ticker', codes: ['KRW-ETH'], snapshot: 'only' },
      );
      const acknowledged = registry.snapshot('public');
      registry.unregister('owner-1');
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([]);
    });

    it('treats a new orderbook depth as a new stream, with a snapshot', () => {
      const registry = registryOf({ type: 'orderbook', codes: ['KRW-BTC'], depth: 5 });
      const acknowledged = registry.snapshot('public');
      registry.register('deeper', [normalizeSpec({ type: 'orderbook', codes: ['KRW-BTC'], depth: 15 })]);
      expect(planRequest(registry.snapshot('public'), acknowledged)).toEqual([
        { type: 'orderbook', codes: ['KRW-BTC.15'] },
      ]);
    });
  });

  describe('on the wire', () => {
    it('gives orderbook codes a .N suffix unless the depth is 30, and one field per level', () => {
      const desired = registryOf(
        { type: 'orderbook', codes: ['KRW-BTC'], depth: 5 },
        { type: 'orderbook', codes: ['KRW-ETH'] },
        { type: 'orderbook', codes: ['KRW-BTC'], level: 10000 },
      ).snapshot('public');
      expect(planRequest(desired, undefined)).toEqual([
        { type: 'orderbook', codes: ['KRW-BTC.5', 'KRW-ETH'] },
        { type: 'orderbook', codes: ['KRW-BTC'], level: 10000 },
      ]);
    });

    it('sends private types without flags, and without codes for all markets and myAsset', () => {
      const registry = registryOf({ type: 'myOrder', codes: ['KRW-BTC'] }, { type: 'myAsset', snapshot: 'exclude' });
      const acknowledged = registry.snapshot('private');
      expect(planRequest(acknowledged, undefined)).toEqual([
        { type: 'myOrder', codes: ['KRW-BTC'] },
        { type: 'myAsset' },
      ]);
      registry.register('all', [normalizeSpec({ type: 'myOrder' })]);
      expect(planRequest(registry.snapshot('private'), acknowledged)).toEqual([
        { type: 'myOrder' },
        { type: 'myAsset' },
      ]);
    });

    it('returns nothing for an empty state', () => {
      expect(planRequest(new Registry().snapshot('public'), undefined)).toEqual([]);
    });

    it('is deterministic whatever the registration order', () => {
      const specs: Spec[] = [
        { type: 'candle.1m', codes: ['KRW-XRP', 'KRW-BTC'] },
        { type: 'ticker', codes: ['KRW-ETH'], snapshot: 'exclude' },
        { type: 'orderbook', codes: ['KRW-BTC.1'], level: 100 },
        { type: 'ticker', codes: ['KRW-BTC'] },
      ];
      const forward = registryOf(...specs).snapshot('public');
      const backward = registryOf(...[...specs].reverse()).snapshot('public');
      expect(planRequest(forward, undefined)).toEqual(planRequest(backward, undefined));
      expect(JSON.stringify(planRequest(forward, undefined))).toBe(
        JSON.stringify([
          { type: 'ticker', codes: ['KRW-BTC'] },
          { type: 'ticker', codes: ['KRW-ETH'], isOnlyRealtime: true },
          { type: 'orderbook', codes: ['KRW-BTC.1'], level: 100 },
          { type: 'candle.1m', codes: ['KRW-BTC', 'KRW-XRP'] },
        ]),
      );
    });
  });
});
