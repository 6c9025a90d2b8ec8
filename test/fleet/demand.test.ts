import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UpstateError } from '../../src/errors.js';
import { FLEET_PROTOCOL, LeaseTable, parseAnnouncement, specsOfDesired } from '../../src/fleet/demand.js';
import { normalizeSpecs, Registry, type Spec } from '../../src/registry/index.js';

describe('specsOfDesired', () => {
  const specArb: fc.Arbitrary<Spec> = fc.oneof(
    fc.record({
      type: fc.constantFrom('ticker' as const, 'trade' as const, 'candle.1m' as const),
      codes: fc.uniqueArray(fc.constantFrom('KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'BTC-ETH'), { minLength: 1, maxLength: 3 }),
      snapshot: fc.constantFrom('include' as const, 'only' as const, 'exclude' as const),
    }),
    fc.record({
      type: fc.constant('orderbook' as const),
      codes: fc.uniqueArray(fc.constantFrom('KRW-BTC', 'KRW-ETH'), { minLength: 1, maxLength: 2 }),
      depth: fc.constantFrom(1 as const, 5 as const, 15 as const, 30 as const),
      level: fc.constantFrom(0, 1000),
    }),
    fc.record({ type: fc.constant('myOrder' as const), codes: fc.constantFrom([], ['KRW-BTC']) }),
    fc.constant({ type: 'myAsset' as const }),
  );

  it('gives specs that, registered as one owner, ask the gateway for exactly the client’s merged state', () => {
    fc.assert(
      fc.property(fc.array(fc.array(specArb, { maxLength: 4 }), { maxLength: 5 }), (owners) => {
        const client = new Registry();
        owners.forEach((specs, i) => client.register(`c${i}`, normalizeSpecs(specs)));
        const gateway = new Registry();
        for (const kind of ['public', 'private'] as const) {
          gateway.register(kind, normalizeSpecs(specsOfDesired(client.snapshot(kind))));
          expect(gateway.snapshot(kind).entries).toEqual(client.snapshot(kind).entries);
        }
      }),
    );
  });
});

describe('parseAnnouncement', () => {
  const good = { v: FLEET_PROTOCOL, client: 'c1', kind: 'public', seq: 3, leaseMs: 10_000, specs: [] };

  it('reads a well-formed announcement', () => {
    expect(parseAnnouncement(good)).toEqual(good);
  });

  it.each([
    ['not an object', 'hello', /JSON object/],
    ['another protocol', { ...good, v: 2 }, /protocol 2/],
    ['no client', { ...good, client: '' }, /`client`/],
    ['an unknown kind', { ...good, kind: 'both' }, /`kind`/],
    ['a negative seq', { ...good, seq: -1 }, /`seq`/],
    ['a lease of 0', { ...good, leaseMs: 0 }, /`leaseMs`/],
    ['specs not a list', { ...good, specs: {} }, /`specs`/],
  ])('refuses %s with ERR_SPEC naming the field', (_, value, message) => {
    expect(() => parseAnnouncement(value)).toThrow(message);
    try {
      parseAnnouncement(value);
    } catch (error) {
      expect((error as UpstateError).code).toBe('ERR_SPEC');
    }
  });
});

describe('LeaseTable', () => {
  it('expires a lease that was not renewed, and only then', () => {
    let now = 0;
    const leases = new LeaseTable(() => now);
    leases.renew('a', 10_000);
    leases.renew('b', 10_000);
    now = 6_000;
    leases.renew('b', 10_000);
    now = 9_999;
    expect(leases.takeExpired()).toEqual([]);
    now = 10_000;
    expect(leases.takeExpired()).toEqual(['a']);
    expect(leases.has('a')).toBe(false);
    now = 16_000;
    expect(leases.takeExpired()).toEqual(['b']);
    expect(leases.size).toBe(0);
  });

  it('lets nothing expire while paused, and gives every lease a full term on resume', () => {
    let now = 0;
    const leases = new LeaseTable(() => now);
    leases.renew('a', 10_000);
    leases.pause();
    now = 60_000;
    expect(leases.takeExpired()).toEqual([]);
    leases.resume();
    now = 69_999;
    expect(leases.takeExpired()).toEqual([]);
    now = 70_000;
    expect(leases.takeExpired()).toEqual(['a']);
  });
});
