import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { decodeFrame } from '../../src/protocol/upbit/decode.js';
import { bearer, connect, connectRefused, jsonOf, request } from './client.js';
import { ALICE, eventsOf, exchange, nextEvent, requestsRecorded } from './fixtures.js';

const TICKER_BTC = { type: 'ticker', codes: ['KRW-BTC'] };

afterEach(() => {
  vi.useRealTimers();
});

describe('faults.drop', () => {
  it('ends one connection abruptly (no close frame) and leaves the others', async () => {
    const ex = await exchange();
    const victim = await connect(ex.url);
    const survivor = await connect(ex.url);
    const closed = nextEvent(ex, 'close');

    expect(ex.faults.drop('c1')).toBe(1);
    expect(ex.connections().map(({ id }) => id)).toEqual(['c2']);
    expect((await victim.closed).code).toBe(1006);
    expect(await closed).toEqual({ id: 'c1', cause: 'dropped', code: 1006, reason: '' });
    await survivor.roundTrip();
  });

  it('ends every connection without an id, and names an unknown id', async () => {
    const ex = await exchange();
    const clients = [await connect(ex.url), await connect(ex.url)];
    expect(() => ex.faults.drop('c9')).toThrow(OptionError);
    expect(ex.faults.drop()).toBe(2);
    for (const client of clients) expect((await client.closed).code).toBe(1006);
    expect(ex.connections()).toEqual([]);
  });
});

describe('faults.silence', () => {
  it('holds a connection half-open: no data, no pongs, nothing received is processed', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC]));
    await client.next();

    expect(ex.faults.silence(true, 'c1')).toBe(1);
    expect(ex.connections()[0]?.silenced).toBe(true);
    ex.tick(20);
    const droppedFrames = ex.counters.droppedWhileSilenced;
    expect(droppedFrames).toBeGreaterThan(0);

    const swallowed = eventsOf(ex, 'swallowed', 3);
    client.ws.ping();
    client.send(request([{ type: 'trade', codes: ['KRW-ETH'] }]));
    client.send('PING');
    expect(await swallowed).toEqual([
      { connectionId: 'c1', kind: 'ping' },
      { connectionId: 'c1', kind: 'message' },
      { connectionId: 'c1', kind: 'message' },
    ]);
    expect(ex.counters.droppedWhileSilenced).toBe(droppedFrames + 3);
    expect(ex.requests).toHaveLength(1);
    expect(ex.subscriptionOf('c1')?.map(({ type }) => type)).toEqual(['ticker']);

    expect(ex.faults.silence(false)).toBe(1);
    await client.roundTrip();
    // Nothing produced during the silence arrives late, and the swallowed ping got no pong.
    expect(client.drain()).toEqual([]);
    const resumed = (ex.tick(20), await client.roundTrip(), client.drain().map(jsonOf));
    expect(resumed.length).toBeGreaterThan(0);
  });

  it('counts only the connections whose state changed', async () => {
    const ex = await exchange();
    await connect(ex.url);
    await connect(ex.url);
    expect(ex.faults.silence(true, 'c2')).toBe(1);
    expect(ex.faults.silence(true)).toBe(1);
    expect(ex.faults.silence(false)).toBe(2);
    expect(() => ex.faults.silence('yes' as unknown as boolean)).toThrow(OptionError);
  });
});

describe('faults.refuseUpgrades', () => {
  it('refuses every upgrade with the given status for the given time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2025, 0, 1));
    const ex = await exchange();
    ex.faults.refuseUpgrades(2_000, 503);
    const refusal = await connectRefused(ex.url);
    expect(refusal.status).toBe(503);
    expect(refusal.headers['retry-after']).toBe('2');

    vi.setSystemTime(Date.UTC(2025, 0, 1) + 2_000);
    await connect(ex.url);
    ex.faults.refuseUpgrades(1_000);
    expect((await connectRefused(ex.privateUrl)).status).toBe(429);
    expect(() => ex.faults.refuseUpgrades(1_000, 200)).toThrow(OptionError);
  });
});

describe('faults.sendMalformed', () => {
  it('sends one frame no decoder can read, and keeps the connection', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const other = await connect(ex.url);
    expect(ex.faults.sendMalformed('c1')).toBe(1);
    const frame = await client.next();
    expect(frame.json).toBeUndefined();
    expect(decodeFrame(Buffer.from(frame.text)).kind).toBe('invalid');
    await client.roundTrip();
    await other.roundTrip();
    expect(other.frames).toEqual([]);
    expect(ex.faults.sendMalformed()).toBe(2);
  });
});

describe('faults.restart', () => {
  it('drops every connection and forgets subscriptions, nonces and rate windows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2025, 0, 1));
    const ex = await exchange({ credentials: [ALICE] });
    const token = bearer(ALICE);
    const privateClient = await connect(ex.privateUrl, token);
    const clients = [await connect(ex.url), await connect(ex.url), await connect(ex.url), await connect(ex.url), await connect(ex.url)];
    clients[0]?.send(request([TICKER_BTC]));
    await requestsRecorded(ex, 1);
    ex.faults.refuseUpgrades(60_000);

    const causes: string[] = [];
    ex.on('close', ({ cause }) => causes.push(cause));
    ex.faults.restart();
    expect(causes).toEqual(Array.from({ length: 6 }, () => 'restart'));
    expect(ex.connections()).toEqual([]);
    for (const client of [privateClient, ...clients]) expect((await client.closed).code).toBe(1006);

    // Same second, same IP, same token: all accepted by the "new" server.
    for (let i = 0; i < 5; i++) await connect(ex.url);
    await connect(ex.privateUrl, token);
    expect(ex.connections().every(({ subscription }) => subscription.length === 0)).toBe(true);
    expect(ex.connections().map(({ id }) => id)).toEqual(['c7', 'c8', 'c9', 'c10', 'c11', 'c12']);
  });
});
