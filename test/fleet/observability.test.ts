/**
 * A fleet gateway behind `serveLiveView(gateway.live)`: `/healthz` and `/metrics` by role, on a
 * real nats-server with JetStream (two gateways elect one active through the lease), and a
 * gateway cut off from NATS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, type GatewayOptions, type GatewayRoleState, startGateway } from '../../src/fleet/index.js';
import { type LiveView, serveLiveView } from '../../src/live/index.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';
import { parseMetrics } from '../live/prometheus.js';
import { NATS_SERVER, requireBinary } from '../support/outside-binaries.js';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';

/** Short, so a gateway cut off from NATS is seen to step down quickly. */
const ACTIVE_LEASE_MS = 1_500;
const STANDBY_POLL_MS = 100;

interface Probe {
  readonly status: number;
  readonly body: { status: string; reason?: string; gateway?: { role: string; epoch: number; election: string; nats: string } };
}

async function healthz(view: LiveView): Promise<Probe> {
  const response = await fetch(`${view.url}healthz`);
  return { status: response.status, body: (await response.json()) as Probe['body'] };
}

async function metrics(view: LiveView): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${view.url}metrics`)).text());
}

/** Polls `check` (real time: the lease runs on nats-server's clock) until it holds; the time it took. */
async function pollUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

const available = requireBinary(NATS_SERVER, 'test/fleet/observability.test.ts');

describe.runIf(available)('a fleet gateway observed through serveLiveView (nats-server -js)', () => {
  let nats: NatsServer;
  let exchange: ExchangeHandle;
  let gateways: Gateway[] = [];
  let views: LiveView[] = [];

  beforeAll(async () => {
    [nats, exchange] = await Promise.all([startNatsServer('', { jetstream: true }), startExchange({ tickMs: 0 })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([nats?.close(), exchange?.close()]);
  });
  afterEach(async () => {
    await Promise.all(views.map((v) => v.close()));
    views = [];
    // A test that stopped the server starts it again, so every gateway closes cleanly.
    await nats.start();
    await Promise.all(gateways.map((g) => g.close()));
    gateways = [];
  });

  async function observed(prefix: string, extra: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; view: LiveView }> {
    const gateway = await startGateway({
      nats: nats.url,
      prefix,
      activeLeaseMs: ACTIVE_LEASE_MS,
      standbyPollMs: STANDBY_POLL_MS,
      orchestrator: { endpoints: { public: exchange.url, private: exchange.privateUrl } },
      ...extra,
    });
    gateways.push(gateway);
    const view = await serveLiveView(gateway.live);
    views.push(view);
    return { gateway, view };
  }

  it('answers 200 for the active gateway and for the standby, each with its role; the role gauge is 1 for it', async () => {
    const first = await observed('roles');
    const second = await observed('roles');
    expect(first.gateway.role().role).toBe('active');
    expect(second.gateway.role().role).toBe('standby');

    const active = await healthz(first.view);
    expect(active).toEqual({
      status: 200,
      body: { status: 'ok', connections: { public: 'dormant/idle', private: 'dormant/idle' }, gateway: { role: 'active', epoch: first.gateway.role().epoch, election: 'lease', nats: 'connected' } },
    });
    const standby = await healthz(second.view);
    expect(standby).toEqual({
      status: 200,
      body: { status: 'ok', connections: {}, gateway: { role: 'standby', epoch: 0, election: 'lease', nats: 'connected' } },
    });

    const activeSamples = await metrics(first.view);
    expect(activeSamples.get('upstate_gateway_role{role="active"}')).toBe(1);
    expect(activeSamples.get('upstate_gateway_role{role="standby"}')).toBe(0);
    expect(activeSamples.get('upstate_gateway_epoch')).toBe(first.gateway.role().epoch);
    expect(activeSamples.get('upstate_gateway_takeovers_total')).toBe(1);
    expect(activeSamples.get('upstate_gateway_nats_connected')).toBe(1);
    const standbySamples = await metrics(second.view);
    expect(standbySamples.get('upstate_gateway_role{role="standby"}')).toBe(1);
    expect(standbySamples.get('upstate_gateway_role{role="active"}')).toBe(0);
    expect(standbySamples.get('upstate_gateway_role{role="electing"}')).toBe(0);
    expect(standbySamples.get('upstate_gateway_takeovers_total')).toBe(0);
  });

  it("the page's stream draws the role chart and shows the gateway's role actor", async () => {
    const { view } = await observed('page');
    const controller = new AbortController();
    const response = await fetch(`${view.url}events`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    try {
      while (!text.includes('"type":"upstate.stats"')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    const messages = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; chart?: { id: string; states: { label: string }[] }; machineId?: string; snapshot?: { value?: unknown } });
    const chart = messages.find((m) => m.type === 'upstate.chart')?.chart;
    expect(chart?.id).toBe('gatewayRole');
    expect(chart?.states.map((state) => state.label).sort()).toEqual(['active', 'deposed', 'electing', 'standby']);
    const actor = messages.find((m) => m.type === '@xstate.actor' && m.machineId === 'gatewayRole');
    expect(actor?.snapshot?.value).toBe('active');
  });

  it('a standby claims the lease every poll without reporting a role change; after a takeover the epoch is higher', async () => {
    const first = await observed('takeover');
    const second = await observed('takeover');
    const roles: GatewayRoleState[] = [];
    second.gateway.on('role', (state) => roles.push(state));
    const epochBefore = (await metrics(first.view)).get('upstate_gateway_epoch')!;
    expect(epochBefore).toBeGreaterThan(0);
    // Several claims of the lease (one every STANDBY_POLL_MS), none of them a role change.
    await new Promise((resolve) => setTimeout(resolve, STANDBY_POLL_MS * 5));
    expect(roles).toEqual([]);
    expect((await healthz(second.view)).body.gateway?.role).toBe('standby');

    await first.gateway.close();
    await pollUntil('the standby takes over', () => second.gateway.role().role === 'active', ACTIVE_LEASE_MS * 3);
    const after = await metrics(second.view);
    expect(after.get('upstate_gateway_role{role="active"}')).toBe(1);
    expect(after.get('upstate_gateway_epoch')).toBeGreaterThan(epochBefore);
    expect(after.get('upstate_gateway_epoch')).toBe(second.gateway.role().epoch);
    expect(after.get('upstate_gateway_takeovers_total')).toBe(1);
    expect(roles.map((r) => r.role)).toEqual(['active']);
    expect(await healthz(second.view)).toMatchObject({ status: 200, body: { gateway: { role: 'active', epoch: after.get('upstate_gateway_epoch') } } });
  });

  it('answers 503 natsDisconnected within the lease term once its NATS server is gone; the active one steps down', async () => {
    const { gateway, view } = await observed('cutoff');
    expect((await healthz(view)).status).toBe(200);
    await nats.stop();
    const took = await pollUntil('the probe fails', async () => (await healthz(view)).status === 503, ACTIVE_LEASE_MS);
    expect(await healthz(view)).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'natsDisconnected', gateway: { nats: 'reconnecting' } } });
    await pollUntil('it steps down', () => gateway.role().role !== 'active', ACTIVE_LEASE_MS + 1_000);
    const samples = await metrics(view);
    expect(samples.get('upstate_gateway_nats_connected')).toBe(0);
    expect(samples.get('upstate_gateway_step_downs_total')).toBe(1);
    expect(samples.get('upstate_gateway_role{role="active"}')).toBe(0);
    console.log(`observability: /healthz said 503 ${took} ms after nats-server stopped`);

    await nats.start();
    await pollUntil('healthy again once NATS is back', async () => (await healthz(view)).status === 200, 10_000);
  }, 30_000);
});
