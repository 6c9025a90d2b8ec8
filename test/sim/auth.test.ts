import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createToken, type UpbitCredentials } from '../../src/protocol/upbit/jwt.js';
import { PrivateAuth } from '../../src/sim/auth.js';
import { bearer, connect, connectRefused, jsonOf } from './client.js';
import { ALICE, BOB, exchange, nextEvent, requestsRecorded } from './fixtures.js';

const withToken = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

const badHandshakes = [
  ['a bad signature', withToken(createToken({ accessKey: ALICE.accessKey, secretKey: 'wrong-secret' })), 'signature mismatch'],
  ['an unknown access key', bearer({ accessKey: 'mallory', secretKey: 'whatever' }), 'unknown access key'],
  ['no Authorization header', {}, 'missing Authorization header'],
  ['a non-Bearer Authorization header', { headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } }, 'Authorization is not a Bearer token'],
] as const;

describe('private endpoint authentication', () => {
  it.each(['HS256', 'HS512'] as const)('accepts a JWT signed with %s', async (algorithm) => {
    const ex = await exchange({ credentials: [ALICE, BOB] });
    const connected = nextEvent(ex, 'connection');
    const client = await connect(ex.privateUrl, bearer(ALICE, { algorithm }));
    expect(await connected).toMatchObject({ path: '/websocket/v1/private', kind: 'private', accessKey: ALICE.accessKey });
    client.send([{ ticket: 't' }, { type: 'myOrder' }]);
    await nextEvent(ex, 'request');
    expect(ex.subscriptionOf('c1')).toEqual([{ type: 'myOrder', codes: undefined, snapshot: true, realtime: true }]);
  });

  describe("with authFailure: 'http'", () => {
    it.each(badHandshakes)('refuses %s with HTTP 401', async (_, options, reason) => {
      const ex = await exchange({ credentials: [ALICE], authFailure: 'http' });
      const refused = nextEvent(ex, 'refused');
      const refusal = await connectRefused(ex.privateUrl, options);
      expect(refusal.status).toBe(401);
      expect(refusal.headers['www-authenticate']).toBe('Bearer');
      expect(await refused).toMatchObject({ status: 401, reason });
      expect(ex.counters.connectionsAccepted).toBe(0);
    });

    it('refuses a reused nonce with HTTP 401', async () => {
      const ex = await exchange({ credentials: [ALICE], authFailure: 'http' });
      const replayed = bearer(ALICE);
      await connect(ex.privateUrl, replayed);
      expect((await connectRefused(ex.privateUrl, replayed)).status).toBe(401);
      // A nonce is spent per key: another key may use the same one.
      const ex2 = await exchange({ credentials: [ALICE, BOB], authFailure: 'http' });
      await connect(ex2.privateUrl, bearer(ALICE, { nonce: 'same-nonce' }));
      await connect(ex2.privateUrl, bearer(BOB, { nonce: 'same-nonce' }));
      expect((await connectRefused(ex2.privateUrl, bearer(BOB, { nonce: 'same-nonce' }))).status).toBe(401);
    });
  });

  describe("with authFailure: 'frame' (the default, Upbit's documented INVALID_AUTH error)", () => {
    it.each(badHandshakes)('accepts %s, sends INVALID_AUTH, then closes with 1008', async (_, options, reason) => {
      const ex = await exchange({ credentials: [ALICE] });
      const closed = nextEvent(ex, 'close');
      const client = await connect(ex.privateUrl, options);
      const frame = await client.next();
      expect(frame.binary).toBe(true);
      expect(jsonOf(frame)).toEqual({ error: { name: 'INVALID_AUTH', message: `authentication failed: ${reason}` } });
      expect(await client.closed).toEqual({ code: 1008, reason: 'invalid auth' });
      expect(await closed).toMatchObject({ cause: 'auth', code: 1008 });
      expect(ex.counters).toMatchObject({ closedForAuth: 1, errorsSent: 1 });
    });

    it('refuses a reused nonce with INVALID_AUTH', async () => {
      const ex = await exchange({ credentials: [ALICE] });
      const replayed = bearer(ALICE, { algorithm: 'HS512' });
      const first = await connect(ex.privateUrl, replayed);
      const second = await connect(ex.privateUrl, replayed);
      expect(jsonOf(await second.next())).toEqual({ error: { name: 'INVALID_AUTH', message: 'authentication failed: nonce already used' } });
      await first.roundTrip();
      expect(first.frames).toEqual([]);
    });
  });

  it('remembers `keepNonces` nonces per key: an older one is accepted again', async () => {
    const ex = await exchange({ credentials: [ALICE], authFailure: 'http', keepNonces: 1 });
    await connect(ex.privateUrl, bearer(ALICE, { nonce: 'a' }));
    expect((await connectRefused(ex.privateUrl, bearer(ALICE, { nonce: 'a' }))).status).toBe(401);
    await connect(ex.privateUrl, bearer(ALICE, { nonce: 'b' }));
    await connect(ex.privateUrl, bearer(ALICE, { nonce: 'a' }));
    expect(ex.counters).toMatchObject({ connectionsAccepted: 3, connectionsRefused: 1 });
  });

  it('takes no credentials at all on the public endpoint', async () => {
    const ex = await exchange();
    const connected = nextEvent(ex, 'connection');
    await connect(ex.url);
    expect(await connected).not.toHaveProperty('accessKey');
  });
});

describe('injected private events', () => {
  it('reach only the connections of that key subscribed to myOrder for that market', async () => {
    const ex = await exchange({ credentials: [ALICE, BOB] });
    const aliceBtc = await connect(ex.privateUrl, bearer(ALICE));
    const aliceAll = await connect(ex.privateUrl, bearer(ALICE));
    const aliceAssets = await connect(ex.privateUrl, bearer(ALICE));
    const bobAll = await connect(ex.privateUrl, bearer(BOB));
    aliceBtc.send([{ ticket: 't' }, { type: 'myOrder', codes: ['KRW-BTC'] }]);
    aliceAll.send([{ ticket: 't' }, { type: 'myOrder', codes: [] }, { format: 'SIMPLE' }]);
    aliceAssets.send([{ ticket: 't' }, { type: 'myAsset' }]);
    bobAll.send([{ ticket: 't' }, { type: 'myOrder' }]);
    await requestsRecorded(ex, 4);

    const eth = ex.injectMyOrder(ALICE.accessKey, { code: 'KRW-ETH', state: 'trade', ask_bid: 'ASK' });
    expect(eth.connectionIds).toEqual(['c2']);
    expect(eth.message).toMatchObject({ type: 'myOrder', code: 'KRW-ETH', state: 'trade', ask_bid: 'ASK', stream_type: 'REALTIME' });
    const simple = jsonOf(await aliceAll.next());
    expect(simple).toMatchObject({ ty: 'myOrder', cd: 'KRW-ETH', s: 'trade', ab: 'ASK', uid: eth.message.uuid, st: 'REALTIME' });

    const btc = ex.injectMyOrder(ALICE.accessKey, { code: 'KRW-BTC' });
    expect(btc.connectionIds).toEqual(['c1', 'c2']);
    expect(jsonOf(await aliceBtc.next())).toEqual(btc.message);

    await Promise.all([aliceBtc, aliceAll, aliceAssets, bobAll].map((client) => client.roundTrip()));
    expect(aliceBtc.drain()).toEqual([]);
    expect(aliceAll.drain()).toHaveLength(1);
    expect(aliceAssets.drain()).toEqual([]);
    expect(bobAll.drain()).toEqual([]);
  });

  it('sends myAsset without a market code to the key’s myAsset subscribers', async () => {
    const ex = await exchange({ credentials: [ALICE] });
    const client = await connect(ex.privateUrl, bearer(ALICE));
    client.send([{ ticket: 't' }, { type: 'myAsset' }]);
    await nextEvent(ex, 'request');
    const assets = [{ currency: 'BTC', balance: 0.5, locked: 0.1 }];
    const injected = ex.injectMyAsset(ALICE.accessKey, { assets });
    expect(injected.connectionIds).toEqual(['c1']);
    expect(injected.message).toMatchObject({ type: 'myAsset', code: '', assets, stream_type: 'REALTIME' });
    const wire = jsonOf(await client.next());
    expect(wire).not.toHaveProperty('code');
    expect(wire).toMatchObject({ type: 'myAsset', assets, asset_uuid: injected.message.asset_uuid });
    expect(ex.injectMyAsset(BOB.accessKey).connectionIds).toEqual([]);
  });
});

describe('spent nonces (PrivateAuth)', () => {
  const header = (nonce: string, credentials: UpbitCredentials = ALICE) => `Bearer ${createToken(credentials, { nonce })}`;
  const accepts = (auth: PrivateAuth, nonce: string, credentials: UpbitCredentials = ALICE) =>
    auth.authenticate(header(nonce, credentials)).ok;

  it('refuses a nonce among the last `keepNonces` of its key and forgets the oldest beyond them', () => {
    const auth = new PrivateAuth([ALICE, BOB], 3);
    for (const nonce of ['n1', 'n2', 'n3']) expect(auth.authenticate(header(nonce))).toEqual({ ok: true, accessKey: ALICE.accessKey });
    expect(auth.authenticate(header('n1'))).toEqual({ ok: false, reason: 'nonce already used' });
    // Another key's tokens never push ALICE's nonces out.
    for (const nonce of ['b1', 'b2', 'b3', 'b4']) expect(accepts(auth, nonce, BOB)).toBe(true);
    expect(accepts(auth, 'n1')).toBe(false);
    // n4 pushes n1, the oldest, out; a refused reuse changes nothing.
    expect(accepts(auth, 'n4')).toBe(true);
    expect([accepts(auth, 'n2'), accepts(auth, 'n3'), accepts(auth, 'n4')]).toEqual([false, false, false]);
    expect(accepts(auth, 'n1')).toBe(true);
    expect(accepts(auth, 'n1')).toBe(false);
  });

  it('never remembers a token that fails verification', () => {
    const auth = new PrivateAuth([ALICE], 1);
    expect(auth.authenticate(header('n1', { accessKey: ALICE.accessKey, secretKey: 'wrong-secret' })).ok).toBe(false);
    expect(accepts(auth, 'n1')).toBe(true);
  });

  it('agrees with the rule "refused iff among the last N accepted nonces of the key"', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')), { maxLength: 60 }),
        (keepNonces, attempts) => {
          const auth = new PrivateAuth([ALICE, BOB], keepNonces);
          const accepted = new Map<string, string[]>([[ALICE.accessKey, []], [BOB.accessKey, []]]);
          for (const [isBob, nonce] of attempts) {
            const credentials = isBob ? BOB : ALICE;
            const history = accepted.get(credentials.accessKey)!;
            const expected = !history.slice(-keepNonces).includes(nonce);
            expect(accepts(auth, nonce, credentials)).toBe(expected);
            if (expected) history.push(nonce);
          }
        },
      ),
    );
  });
});
