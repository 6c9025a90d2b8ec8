/**
 * Electing one active gateway, in this process against real nats-servers: with JetStream (the KV
 * lease) and without (one gateway alone, a second refused). And the clients' side of fencing:
 * frames from a lower epoch than one already seen are dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { createFleetClient, EPOCH_HEADER, startGateway, type FleetClient, type Gateway, type GatewayChange, type GatewayRoleState } from '../../src/fleet/index.js';
import { UpstateError } from '../../src/errors.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';
import { NATS_SERVER, requireBinary } from '../support/outside-binaries.js';
import { eventually } from '../support/eventually.js';
import { natsServerForSuite } from '../support/nats-server.js';

const available = requireBinary(NATS_SERVER, 'test/fleet/election.test.ts');

describe.runIf(available)('electing the active gateway (in process)', () => {
  const plain = natsServerForSuite('', { startTimeoutMs: 30_000 });
  const js = natsServerForSuite('', { jetstream: true, startTimeoutMs: 30_000 });
  let exchange: ExchangeHandle;
  let gateways: Gateway[] = [];
  let clients: FleetClient[] = [];
  let tap: NatsConnection | undefined;

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await tap?.close();
    tap = undefined;
    await Promise.all(gateways.map((g) => g.close()));
    gateways = [];
    await exchange?.close();
  });

  async function gateway(url: string, extra: Record<string, unknown> = {}): Promise<Gateway> {
    const g = await startGateway({ nats: url, orchestrator: { endpoints: { public: exchange.url, private: exchange.privateUrl } }, ...extra });
    gateways.push(g);
    return g;
  }

  it('without JetStream: one gateway runs alone with epoch 0; a second one refuses to start, naming JetStream', async () => {
    exchange = await startExchange({ tickMs: 0 });
    const first = await gateway(plain.url);
    expect(first.role()).toEqual({ role: 'active', epoch: 0, election: 'alone' });
    const second = gateway(plain.url);
    await expect(second).rejects.toThrow(UpstateError);
    await expect(second).rejects.toThrow(/Another gateway already serves the prefix 'upstate'.*no JetStream.*nats-server -js/);
    await expect(gateway(plain.url, { prefix: 'other', requireJetStream: true })).rejects.toMatchObject({ code: 'ERR_OPTION', message: expect.stringMatching(/no JetStream/) });
    expect(first.role().role).toBe('active');
  });

  it('with JetStream: one active, one standby; frames carry the epoch; a clean stop hands over at once to a higher epoch', async () => {
    exchange = await startExchange({ tickMs: 50 });
    const first = await gateway(js.url, { prefix: 'elect' });
    const second = await gateway(js.url, { prefix: 'elect' });
    expect(first.role()).toMatchObject({ role: 'active', election: 'lease' });
    expect(second.role()).toMatchObject({ role: 'standby', election: 'lease' });
    expect(first.orchestrator).toBeDefined();
    expect(second.orchestrator).toBeUndefined();

    const client = createFleetClient({ gateway: js.url, prefix: 'elect' });
    clients.push(client);
    const changes: GatewayChange[] = [];
    client.on('gateway', (change) => changes.push(change));
    let frames = 0;
    client.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => frames++);
    await client.settled();
    await eventually('frames flow', () => frames > 2);
    expect(client.stats().fleet.epoch).toBe(first.role().epoch);
    expect(exchange.connections().filter((c) => c.kind === 'public')).toHaveLength(1);

    const roles: GatewayRoleState[] = [];
    second.on('role', (state) => roles.push(state));
    const stoppedAt = Date.now();
    await first.close();
    await eventually('the standby is active', () => second.role().role === 'active', 5_000);
    const handover = Date.now() - stoppedAt;
    // A standby's claims of the lease are not role changes: the one change is the takeover.
    expect(roles.map((r) => r.role)).toEqual(['active']);
    expect(second.role().epoch).toBeGreaterThan(first.role().epoch);
    const seen = frames;
    await eventually('frames flow from the new active gateway', () => frames > seen + 2);
    await eventually('the client reported the change', () => changes.length === 1);
    expect(changes[0]).toMatchObject({ epoch: second.role().epoch, previous: first.role().epoch });
    expect(changes[0]!.gapMs).toBeGreaterThan(0);
    console.log(`election: a clean stop handed over in ${handover} ms; the client's gap ${changes[0]!.gapMs} ms`);
    expect(exchange.connections().filter((c) => c.kind === 'public')).toHaveLength(1);
  });

  it('a client drops frames from an epoch lower than one it has seen, and reports a higher one as a gateway change', async () => {
    exchange = await startExchange({ tickMs: 0 });
    const client = createFleetClient({ gateway: plain.url, prefix: 'fence', retryMs: 5_000 });
    clients.push(client);
    const changes: GatewayChange[] = [];
    client.on('gateway', (change) => changes.push(change));
    const prices: number[] = [];
    client.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (t) => prices.push(t.trade_price));
    await eventually('the client subscribed its subject', () => client.stats().fleet.subjects === 1);
    tap = await connect({ servers: plain.url });
    await tap.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const send = async (epoch: number, price: number): Promise<void> => {
      const h = headers();
      h.set(EPOCH_HEADER, String(epoch));
      tap!.publish('fence.ticker.KRW-BTC', JSON.stringify({ type: 'ticker', code: 'KRW-BTC', trade_price: price, stream_type: 'REALTIME', timestamp: price }), { headers: h });
      await tap!.flush();
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await send(5, 1);
    await send(3, 2); // a deposed gateway's frame
    await send(5, 3);
    await send(7, 4); // a new active gateway
    await send(5, 5); // the old one again
    await eventually('the frames were handled', () => client.stats().fleet.staleFrames === 2);
    expect(prices).toEqual([1, 3, 4]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ epoch: 7, previous: 5 });
    expect(client.stats().fleet).toMatchObject({ epoch: 7, staleFrames: 2, gatewayChanges: 1 });
  });

  it('adopts a lower epoch once the highest one has been silent for epochSilenceMs (the lease store was reset)', async () => {
    exchange = await startExchange({ tickMs: 0 });
    const client = createFleetClient({ gateway: plain.url, prefix: 'reset', retryMs: 5_000, epochSilenceMs: 300 });
    clients.push(client);
    const changes: GatewayChange[] = [];
    client.on('gateway', (change) => changes.push(change));
    const prices: number[] = [];
    client.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (t) => prices.push(t.trade_price));
    await eventually('the client subscribed its subject', () => client.stats().fleet.subjects === 1);
    tap = await connect({ servers: plain.url });
    const send = async (epoch: number, price: number, pauseMs = 50): Promise<void> => {
      const h = headers();
      h.set(EPOCH_HEADER, String(epoch));
      tap!.publish('reset.ticker.KRW-BTC', JSON.stringify({ type: 'ticker', code: 'KRW-BTC', trade_price: price, stream_type: 'REALTIME', timestamp: price }), { headers: h });
      await tap!.flush();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    };
    await send(40, 1, 100);
    await send(2, 2, 400); // within 300 ms of epoch 40's frame: dropped
    await send(2, 3); // epoch 40 silent for 400 ms: adopted
    await send(40, 4); // the old epoch again: now it is the higher one, so a change
    await eventually('the frames were handled', () => prices.length === 3);
    expect(prices).toEqual([1, 3, 4]);
    expect(changes.map((c) => [c.previous, c.epoch])).toEqual([[40, 2], [2, 40]]);
  });
});
