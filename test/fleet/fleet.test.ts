/**
 * Fleet mode end to end: a real nats-server (spawned here, its own config and port), the real
 * `upstate gateway` command in its own process, fleet clients in processes of their own, and the
 * embedded exchange on 127.0.0.1 standing in for Upbit.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Spec } from '../../src/registry/index.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';
import { NATS_SERVER, requireBinary } from '../support/outside-binaries.js';
import { eventually } from '../support/eventually.js';
import { publicConnections } from '../support/exchange-requests.js';
import { natsServerForSuite } from '../support/nats-server.js';
import { ClientProcess, killWith, startGatewayProcess, startTogether } from './processes.js';

const KEYS = { UPBIT_ACCESS_KEY: 'fleet-access', UPBIT_SECRET_KEY: 'fleet-secret' };
/** NATS users: the gateway, a client allowed private streams, and one that is not. */
const AUTH = `
authorization {
  users = [
    { user: gateway, password: gateway-pw }
    { user: trader, password: trader-pw, permissions: {
        publish: ["upstate.ctl.>", "upstate-private.ctl.>"],
        subscribe: ["upstate.>", "upstate-private.>", "_INBOX.>"] } }
    { user: viewer, password: viewer-pw, permissions: {
        publish: ["upstate.ctl.>"],
        subscribe: ["upstate.>", "_INBOX.>"] } }
  ]
}`;
const LEASE_MS = 4_000;
const RENEW_MS = 1_000;

/** `type code` of every stream the exchange's public connections carry. */
function exchangeStreams(exchange: ExchangeHandle): Set<string> {
  const streams = new Set<string>();
  for (const connection of exchange.connections()) {
    if (connection.kind !== 'public') continue;
    for (const field of connection.subscription) for (const { code } of field.codes ?? []) streams.add(`${field.type} ${code}`);
  }
  return streams;
}

function sameSet(a: Iterable<string>, b: Iterable<string>): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

const available = requireBinary(NATS_SERVER, 'test/fleet/fleet.test.ts');

describe.runIf(available)('fleet mode (nats-server, gateway and clients as processes)', () => {
  const nats = natsServerForSuite(AUTH, { startTimeoutMs: 30_000 });
  let exchange: ExchangeHandle;
  let gateway: ChildProcess | undefined;
  let clients: ClientProcess[] = [];
  const refused429: number[] = [];

  async function setUp(): Promise<void> {
    exchange = await startExchange({ credentials: [{ accessKey: KEYS.UPBIT_ACCESS_KEY, secretKey: KEYS.UPBIT_SECRET_KEY }] });
    refused429.length = 0;
    exchange.on('refused', (event) => {
      if (event.status === 429) refused429.push(Date.now());
    });
    gateway = await launchGateway();
  }

  function launchGateway(): Promise<ChildProcess> {
    return startGatewayProcess(['--nats', nats.url, '--endpoint', exchange.url, '--private-endpoint', exchange.privateUrl], {
      ...KEYS,
      NATS_USER: 'gateway',
      NATS_PASSWORD: 'gateway-pw',
    });
  }

  function client(specs: readonly Spec[], extra: Partial<ConstructorParameters<typeof ClientProcess>[0]> = {}): ClientProcess {
    const c = new ClientProcess({ nats: nats.url, user: 'viewer', pass: 'viewer-pw', specs, leaseMs: LEASE_MS, renewMs: RENEW_MS, ...extra });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    clients = [];
    if (gateway) await killWith(gateway, 'SIGTERM');
    gateway = undefined;
    await nats.start().catch(() => undefined);
    await exchange?.close();
  });

  /** Five clients with overlapping demand; the union they make. */
  const FIVE: readonly (readonly Spec[])[] = [
    [{ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }],
    [{ type: 'ticker', codes: ['KRW-ETH', 'KRW-XRP'] }],
    [{ type: 'trade', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] }],
    [{ type: 'orderbook', codes: ['KRW-SOL'] }, { type: 'ticker', codes: ['KRW-BTC'] }],
    [{ type: 'ticker', codes: ['KRW-DOGE'] }],
  ];
  const union = (sets: readonly ClientProcess[]): Set<string> => new Set(sets.flatMap((c) => c.keys));

  async function allStreaming(which: readonly ClientProcess[]): Promise<void> {
    const before = which.map((c) => ({ ...c.seen }));
    await eventually('every client receiving each of its streams again', () =>
      which.every((c, i) => c.keys.every((key) => (c.seen[key] ?? 0) > (before[i]![key] ?? 0))),
    );
  }

  it('5 client processes: one public connection carrying exactly the union; each client gets only its streams; kill -9 drops exclusive codes within the lease', async () => {
    await setUp();
    // Client 4 keeps the default lease and renewal (10 s, 3 s); the others use the short test lease.
    const five = FIVE.map((specs, i) => client(specs, i === 4 ? { leaseMs: undefined, renewMs: undefined } : {}));
    await startTogether(five);
    await eventually('all five settled', () => five.every((c) => c.settled !== undefined), 20_000);
    await eventually('the exchange carries the union', () => sameSet(exchangeStreams(exchange), union(five)), 15_000);
    expect(publicConnections(exchange).length).toBe(1);
    expect(exchange.counters.connectionsAccepted).toBe(1);
    await allStreaming(five);
    for (const c of five) expect(Object.keys(c.seen).filter((key) => !c.keys.includes(key))).toEqual([]);

    // Client 1 alone wants KRW-XRP (its KRW-ETH is shared with client 0); client 4 alone KRW-DOGE.
    const killedAt = Date.now();
    await Promise.all([five[4]!.kill9(), five[1]!.kill9()]);
    const short = await eventually('the short-lease client’s exclusive code leaves the exchange', () => !exchangeStreams(exchange).has('ticker KRW-XRP'), 15_000);
    const byDefault = await eventually('the default-lease client’s exclusive code leaves the exchange', () => !exchangeStreams(exchange).has('ticker KRW-DOGE'), 20_000);
    const defaultElapsed = Date.now() - killedAt;
    console.log(`fleet: after kill -9, exclusive codes left the exchange in ${short} ms (lease ${LEASE_MS} ms) and ${defaultElapsed} ms (default lease 10 s)`);
    expect(short).toBeLessThanOrEqual(LEASE_MS + 2_000);
    // The promise of the defaults: a crashed client stops costing Upbit anything within 15 s.
    expect(defaultElapsed).toBeLessThanOrEqual(15_000);
    expect(byDefault).toBeGreaterThan(0);
    expect(exchangeStreams(exchange).has('ticker KRW-ETH')).toBe(true);
    expect(sameSet(exchangeStreams(exchange), union([five[0]!, five[2]!, five[3]!]))).toBe(true);
    expect(publicConnections(exchange).length).toBe(1);
  }, 180_000);

  it('kill -9 the gateway and start it again: every client streams again and the exchange holds the union', async () => {
    await setUp();
    const five = FIVE.map((specs) => client(specs));
    await startTogether(five);
    await eventually('all five settled', () => five.every((c) => c.settled !== undefined), 20_000);
    await allStreaming(five);
    await killWith(gateway!, 'SIGKILL');
    await eventually('the exchange sees the gateway gone', () => publicConnections(exchange).length === 0, 15_000);
    const restartedAt = Date.now();
    gateway = await launchGateway();
    await eventually('the exchange carries the union again', () => sameSet(exchangeStreams(exchange), union(five)), 15_000);
    await allStreaming(five);
    console.log(`fleet: after a gateway kill -9 and restart, every client streamed again ${Date.now() - restartedAt} ms after the restart`);
    expect(publicConnections(exchange).length).toBe(1);
  }, 180_000);

  it('stop and restart nats-server: both sides reconnect and converge', async () => {
    await setUp();
    const five = FIVE.map((specs) => client(specs));
    await startTogether(five);
    await eventually('all five settled', () => five.every((c) => c.settled !== undefined), 20_000);
    await allStreaming(five);
    await nats.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const restartedAt = Date.now();
    await nats.start();
    await allStreaming(five);
    console.log(`fleet: after a nats-server restart, every client streamed again ${Date.now() - restartedAt} ms after the restart`);
    await eventually('the exchange carries the union', () => sameSet(exchangeStreams(exchange), union(five)), 15_000);
    // The outage was shorter than a lease, and no lease runs out while NATS is away: one connection throughout.
    expect(publicConnections(exchange).length).toBe(1);
    expect(exchange.counters.connectionsAccepted).toBe(1);
  }, 180_000);

  it('20 clients starting in the same second: one Upbit connection attempt, zero 429s', async () => {
    await setUp();
    const codes = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA', 'KRW-TRX', 'KRW-LINK'];
    const twenty = Array.from({ length: 20 }, (_, i) => client([{ type: 'ticker', codes: [codes[i % 8]!, codes[(i + 3) % 8]!] }]));
    const startAt = await startTogether(twenty);
    await eventually('all twenty settled', () => twenty.every((c) => c.settled !== undefined), 30_000);
    const spread = Math.max(...twenty.map((c) => c.settled!.at)) - startAt;
    console.log(`fleet: 20 clients started at one instant all settled within ${spread} ms`);
    expect(exchange.counters.connectionsAccepted + exchange.counters.connectionsRefused).toBe(1);
    expect(refused429).toEqual([]);
    expect(sameSet(exchangeStreams(exchange), union(twenty))).toBe(true);
    await allStreaming(twenty);
  }, 180_000);

  it('private streams reach NATS users allowed the private prefix only; another gets none and a clear ERR_AUTH', async () => {
    await setUp();
    const trader = client([{ type: 'myOrder', codes: ['KRW-BTC'] }], { user: 'trader', pass: 'trader-pw', privateStreams: true });
    const viewer = client([{ type: 'myOrder', codes: ['KRW-BTC'] }], { privateStreams: true });
    await startTogether([trader, viewer]);
    await eventually('the trader settled', () => trader.settled !== undefined, 20_000);
    await eventually('the viewer was refused', () => viewer.unsettled !== undefined, 20_000);
    expect(viewer.unsettled!.code).toBe('ERR_AUTH');
    expect(viewer.errors.map((e) => e.code)).toContain('ERR_AUTH');
    expect(viewer.errors.find((e) => e.code === 'ERR_AUTH')!.message).toMatch(/NATS refused this client's user .*private/);
    for (let i = 0; i < 3; i++) {
      exchange.injectMyOrder(KEYS.UPBIT_ACCESS_KEY, { code: 'KRW-BTC' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually('the trader received its orders', () => (trader.seen['myOrder KRW-BTC'] ?? 0) >= 3, 15_000);
    expect(viewer.seen).toEqual({});
  }, 180_000);
});
