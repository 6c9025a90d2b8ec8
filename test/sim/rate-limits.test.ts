/**
 * Upbit's limits over the network. `Date` is faked (only `Date`: sockets and the exchange's timers
 * run normally), so "the same second" is exact and nothing depends on how fast the machine is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, connect, connectRefused, jsonOf, type TestClient } from './client.js';
import { ALICE, exchange, nextEvent, requestsRecorded } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const LIST = [{ ticket: 'limits' }, { method: 'LIST_SUBSCRIPTIONS' }];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('connection requests', () => {
  it('refuses the 6th upgrade within a rolling second with HTTP 429, and admits again once the second has passed', async () => {
    const ex = await exchange();
    for (let i = 0; i < 5; i++) await connect(ex.url);

    const refusal = await connectRefused(ex.url);
    expect(refusal.status).toBe(429);
    expect(refusal.headers['retry-after']).toBe('1');

    vi.setSystemTime(T0 + 999);
    expect((await connectRefused(ex.url)).status).toBe(429);
    vi.setSystemTime(T0 + 1_000);
    await connect(ex.url);
    expect(ex.counters).toMatchObject({ connectionsAccepted: 6, connectionsRefused: 2 });
  });

  it('does not count refused requests: a client hammering at 429 gets in as soon as the window frees', async () => {
    const ex = await exchange();
    for (let i = 0; i < 5; i++) await connect(ex.url);
    vi.setSystemTime(T0 + 500);
    for (let i = 0; i < 5; i++) expect((await connectRefused(ex.url)).status).toBe(429);
    vi.setSystemTime(T0 + 1_000);
    for (let i = 0; i < 5; i++) await connect(ex.url);
    expect(ex.counters.connectionsAccepted).toBe(10);
  });

  it('counts authenticated handshakes per account, not per IP', async () => {
    const ex = await exchange({ credentials: [ALICE] });
    for (let i = 0; i < 5; i++) await connect(ex.url);
    for (let i = 0; i < 5; i++) await connect(ex.privateUrl, bearer(ALICE));
    expect((await connectRefused(ex.privateUrl, bearer(ALICE))).status).toBe(429);
    expect((await connectRefused(ex.url)).status).toBe(429);
  });

  it('admits one request with an Origin header per 10 seconds', async () => {
    const ex = await exchange();
    const browser = { headers: { Origin: 'https://example.test' } };
    await connect(ex.url, browser);
    vi.setSystemTime(T0 + 9_999);
    expect((await connectRefused(ex.url, browser)).status).toBe(429);
    await connect(ex.url);
    vi.setSystemTime(T0 + 10_000);
    await connect(ex.url, browser);
  });

  it('can be configured, or switched off', async () => {
    const strict = await exchange({ limits: { connectPerSecond: 1 } });
    await connect(strict.url);
    expect((await connectRefused(strict.url)).status).toBe(429);

    const open = await exchange({ limits: false });
    for (let i = 0; i < 12; i++) await connect(open.url);
    expect(open.counters.connectionsAccepted).toBe(12);
  });
});

/** Sends `count` messages and waits until the exchange has recorded them all. */
async function sendAndWait(ex: Awaited<ReturnType<typeof exchange>>, client: TestClient, messages: readonly unknown[]): Promise<void> {
  const target = ex.counters.messagesReceived + messages.length;
  for (const message of messages) client.send(message);
  await requestsRecorded(ex, target);
}

describe('messages per connection', () => {
  it('answers the 6th message within a second with TOO_MANY_REQUESTS, then closes with 1008; PING counts', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const closed = nextEvent(ex, 'close');
    await sendAndWait(ex, client, ['PING', LIST, LIST, LIST, LIST]);
    expect(await client.take(5)).toHaveLength(5);

    vi.setSystemTime(T0 + 999);
    client.send(LIST);
    const error = await client.until((frame) => jsonOf(frame).error !== undefined);
    expect(jsonOf(error)).toEqual({
      error: { name: 'TOO_MANY_REQUESTS', message: 'too many requests: over the per-connection message limit' },
    });
    expect(ex.connections()).toEqual([]);
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many requests' });
    expect(await closed).toMatchObject({ id: 'c1', cause: 'rate', code: 1008 });
    expect(ex.requests.at(-1)?.result).toMatchObject({ ok: false, error: 'TOO_MANY_REQUESTS' });
    expect(ex.counters).toMatchObject({ messagesReceived: 6, messagesRejected: 1, closedForRate: 1 });
  });

  it('admits a 6th message one full second after the first', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    await sendAndWait(ex, client, [LIST, LIST, LIST, LIST, LIST]);
    vi.setSystemTime(T0 + 1_000);
    await sendAndWait(ex, client, [LIST]);
    expect(ex.counters.messagesRejected).toBe(0);
    expect(await client.take(6)).toHaveLength(6);
  });

  it('allows 100 messages in a rolling minute and refuses the 101st', async () => {
    const ex = await exchange();
    const refused = await connect(ex.url);
    const admitted = await connect(ex.url);
    // 5 a second for 20 seconds: within the per-second limit, at the per-minute limit.
    for (let second = 0; second < 20; second++) {
      vi.setSystemTime(T0 + second * 1_000);
      await sendAndWait(ex, refused, Array.from({ length: 5 }, () => LIST));
      await sendAndWait(ex, admitted, Array.from({ length: 5 }, () => LIST));
    }
    expect(ex.counters.messagesRejected).toBe(0);

    vi.setSystemTime(T0 + 59_999);
    refused.send(LIST);
    expect(await refused.closed).toEqual({ code: 1008, reason: 'too many requests' });

    vi.setSystemTime(T0 + 60_000);
    await sendAndWait(ex, admitted, [LIST]);
    expect(ex.counters.messagesRejected).toBe(1);
    expect(admitted.ws.readyState).toBe(admitted.ws.OPEN);
  });

  it('can be configured, or switched off', async () => {
    const strict = await exchange({ limits: { messagesPerSecond: 2 } });
    const client = await connect(strict.url);
    client.send(LIST);
    client.send(LIST);
    client.send(LIST);
    expect((await client.closed).code).toBe(1008);

    const open = await exchange({ limits: false });
    const free = await connect(open.url);
    await sendAndWait(open, free, Array.from({ length: 30 }, () => LIST));
    expect(open.counters.messagesRejected).toBe(0);
  });
});
