/**
 * The fleet client and gateway in this process, against a real nats-server and the embedded
 * exchange with no automatic ticks (the test says when the market moves).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createFleetClient, startGateway, type FleetClient, type Gateway } from '../../src/fleet/index.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';
import { NATS_SERVER, requireBinary } from '../support/outside-binaries.js';
import { eventually } from '../support/eventually.js';
import { natsServerForSuite } from '../support/nats-server.js';

const available = requireBinary(NATS_SERVER, 'test/fleet/client.test.ts');

describe.runIf(available)('fleet client and gateway (in process, real nats-server)', () => {
  const nats = natsServerForSuite();
  let exchange: ExchangeHandle;
  let gateway: Gateway;
  let clients: FleetClient[] = [];
  let tap: NatsConnection | undefined;

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await tap?.close();
    tap = undefined;
    await gateway?.close();
    await exchange?.close();
  });

  async function setUp(credentials = false): Promise<void> {
    const keys = { accessKey: 'a', secretKey: 's' };
    exchange = await startExchange({ tickMs: 0, credentials: credentials ? [keys] : [] });
    gateway = await startGateway({
      nats: nats.url,
      orchestrator: { endpoints: { public: exchange.url, private: exchange.privateUrl }, ...(credentials ? { credentials: keys } : {}) },
    });
  }

  function client(options: Partial<Parameters<typeof createFleetClient>[0]> = {}): FleetClient {
    const c = createFleetClient({ gateway: nats.url, ...options });
    clients.push(c);
    return c;
  }

  it('settled() resolves once the exchange holds the demand', async () => {
    await setUp();
    const a = client();
    a.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    a.subscribe({ type: 'orderbook', codes: ['KRW-ETH'], depth: 5 }, () => {});
    await a.settled();
    const held = exchange.connections().flatMap((c) => c.subscription.map((f) => `${f.type} ${f.codes?.map((x) => x.code).join(',')}`));
    expect(held.sort()).toEqual(['orderbook KRW-ETH', 'ticker KRW-BTC']);
    expect(a.stats().connections.public.link).toBe('open');
    expect(a.stats().connections.public.flush).toBe('idle');
  });

  it('a late joiner gets its first value from the gateway’s cache, without a new Upbit message', async () => {
    await setUp();
    const a = client();
    const first: UpbitMessage[] = [];
    a.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (m) => first.push(m));
    await a.settled();
    await eventually('the snapshot reached the first client', () => first.length === 1);
    const requests = exchange.requests.length;
    const b = client();
    const late: UpbitMessage[] = [];
    b.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (m) => late.push(m));
    await b.settled();
    await eventually('the late joiner has a value', () => late.length === 1);
    expect(late[0]).toEqual(first[0]);
    expect(exchange.requests.length).toBe(requests);
    expect(b.stats().fleet.lastValues).toBe(1);
    expect(exchange.counters.ticks).toBe(0);
  });

  it('publishes every frame once, whatever the number of clients or their orderbook depths', async () => {
    await setUp();
    tap = await connect({ servers: nats.url });
    const published = new Map<string, number>();
    tap.subscribe('upstate.>', {
      callback: (_, msg) => {
        if (!msg.subject.startsWith('upstate.ctl.')) published.set(msg.subject, (published.get(msg.subject) ?? 0) + 1);
      },
    });
    await tap.flush();
    const received = [0, 0, 0];
    const depths = [5, 15, 30] as const;
    for (const [i, depth] of depths.entries()) {
      const c = client();
      c.subscribe({ type: 'orderbook', codes: ['KRW-BTC'], depth }, (m) => {
        received[i]!++;
        expect(m.orderbook_units.length).toBeLessThanOrEqual(depth);
      });
      c.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
      await c.settled();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    received.fill(0);
    const framesBefore = exchange.counters.framesSent;
    exchange.tick(20);
    await eventually('the frames of 20 ticks were published', () => gateway.stats().published >= exchange.counters.framesSent - exchange.counters.statusSent);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frames = exchange.counters.framesSent - exchange.counters.statusSent - exchange.counters.errorsSent;
    const onNats = [...published.values()].reduce((a, b) => a + b, 0);
    expect(onNats).toBe(frames);
    expect(gateway.stats().published).toBe(frames);
    expect(exchange.counters.framesSent).toBeGreaterThan(framesBefore);
    // Every client gets every book of the ticks, cut to its own depth (on a loaded machine one may lag the others).
    await eventually('every client got the same books', () => received[0]! > 0 && new Set(received).size === 1);
  });

  it('drops a closed client’s demand at once, and its exclusive codes leave the exchange', async () => {
    await setUp();
    const a = client();
    const b = client();
    a.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    b.subscribe({ type: 'ticker', codes: ['KRW-BTC', 'KRW-XRP'] }, () => {});
    await Promise.all([a.settled(), b.settled()]);
    const released = new Promise<string>((resolve) => gateway.once('release', (_, __, why) => resolve(why)));
    await b.close();
    expect(await released).toBe('released');
    await a.settled();
    const held = exchange.connections().flatMap((c) => c.subscription.flatMap((f) => (f.codes ?? []).map((x) => x.code)));
    expect(held).toEqual(['KRW-BTC']);
  });

  it('after a gateway restart, settled() waits until the new gateway holds the demand and Upbit has it', async () => {
    await setUp();
    const a = client({ renewMs: 60_000, leaseMs: 120_000 });
    a.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, () => {});
    await a.settled();
    await gateway.close();
    gateway = await startGateway({ nats: nats.url, orchestrator: { endpoints: { public: exchange.url, private: exchange.privateUrl } } });
    // Renewals are a minute apart: only the new gateway's hello (or settled's own check) brings the demand back.
    await a.settled();
    expect(gateway.stats().demands).toBe(1);
    const held = exchange.connections().flatMap((c) => c.subscription.flatMap((f) => (f.codes ?? []).map((x) => x.code)));
    expect(held).toEqual(['KRW-ETH']);
  });

  it('refuses private streams with a clear ERR_AUTH when the gateway holds no credentials', async () => {
    await setUp(false);
    const a = client({ privateStreams: true });
    const errors: string[] = [];
    a.on('error', (error) => errors.push(`${error.code} ${error.message}`));
    a.subscribe({ type: 'myOrder', codes: ['KRW-BTC'] }, () => {});
    await expect(a.settled()).rejects.toMatchObject({ code: 'ERR_AUTH', message: expect.stringMatching(/holds no Upbit credentials/) });
    expect(errors).toHaveLength(1);
    expect(a.stats().connections.private.link).toBe('authFailed');
    expect(exchange.connections()).toEqual([]);
  });

  it('passes private streams through a gateway with credentials', async () => {
    await setUp(true);
    const a = client({ privateStreams: true });
    const orders: UpbitMessage[] = [];
    a.subscribe({ type: 'myOrder' }, (m) => orders.push(m));
    await a.settled();
    exchange.injectMyOrder('a', { code: 'KRW-ETH' });
    await eventually('the order reached the client', () => orders.length === 1);
    expect(orders[0]).toMatchObject({ type: 'myOrder', code: 'KRW-ETH' });
  });

  it('answers a malformed announcement with ERR_SPEC and changes nothing', async () => {
    await setUp();
    tap = await connect({ servers: nats.url });
    const reply = await tap.request('upstate.ctl.demand', JSON.stringify({ v: 1, client: 'x', kind: 'public', seq: 1, leaseMs: 1000, specs: [{ type: 'ticker', codes: ['btc'] }] }));
    expect(reply.json()).toMatchObject({ ok: false, code: 'ERR_SPEC', message: expect.stringMatching(/codes\[0\]/) });
    const garbage = await tap.request('upstate.ctl.demand', 'not json');
    expect(garbage.json()).toMatchObject({ ok: false, code: 'ERR_SPEC' });
    expect(gateway.stats()).toMatchObject({ demands: 0, refused: 2 });
  });
});
