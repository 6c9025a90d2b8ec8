import { Counter, register as globalRegistry, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { FLUSH_STATES, GATEWAY_ROLES, LINK_STATES } from '../../machines/index.js';
import { type GatewayStatus, type LiveSource, type LiveView, registerMetrics, serveLiveView } from '../../src/live/index.js';
import type { ConnectionReport } from '../../src/orchestrator.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { ALICE } from '../sim/fixtures.js';
import { parseMetrics } from './prometheus.js';


/** Metric → the `ConnectionReport` field it must equal, per connection. */
const PER_CONNECTION: Readonly<Record<string, keyof ConnectionReport>> = {
  upstate_flushes_started_total: 'flushesStarted',
  upstate_changes_total: 'changes',
  upstate_changes_absorbed_total: 'changesAbsorbed',
  upstate_messages_sent_total: 'messagesSent',
  upstate_rate_limit_waits_total: 'rateWaits',
  upstate_duplicates_prevented_total: 'duplicatesPrevented',
  upstate_send_failures_total: 'sendFailures',
  upstate_refusals_total: 'refusals',
  upstate_connections_opened_total: 'opened',
  upstate_reconnects_total: 'reconnects',
  upstate_link_failures_total: 'failures',
  upstate_frames_received_total: 'framesReceived',
  upstate_decode_errors_total: 'decodeErrors',
  upstate_rate_headroom: 'headroom',
};

let view: LiveView | undefined;
afterEach(async () => {
  await view?.close();
  view = undefined;
});

describe('/metrics', () => {
  it('serves every figure of stats() in Prometheus text format', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: ALICE });
    view = await serveLiveView(upbit);
    const inbox = new Inbox();
    // A burst: one flush absorbs most of it; a duplicate (subscribe then leave) is prevented.
    for (const code of ['KRW-BTC', 'KRW-ETH', 'KRW-XRP']) upbit.subscribe({ type: 'ticker', codes: [code] }, inbox.handler);
    upbit.subscribe({ type: 'myOrder' }, inbox.handler);
    await upbit.settled();
    upbit.subscribe({ type: 'trade', codes: ['KRW-SOL'] }, () => {}).unsubscribe();
    await upbit.settled();
    await inbox.until((m) => m.type === 'ticker', 3, 'ticker snapshots');
    exchange.tick();
    await inbox.until((m) => m.type === 'ticker', 6, 'ticker updates');

    const response = await fetch(`${view.url}metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await response.text());
    const stats = upbit.stats();

    expect(stats.duplicatesPrevented).toBeGreaterThan(0);
    expect(stats.changesAbsorbed).toBeGreaterThan(0);
    expect(stats.connections.public.framesReceived).toBeGreaterThan(0);
    for (const [connection, report] of Object.entries(stats.connections)) {
      for (const [metric, field] of Object.entries(PER_CONNECTION)) {
        expect(samples.get(`${metric}{connection="${connection}"}`), `${metric} for ${connection}`).toBe(report[field]);
      }
      for (const state of LINK_STATES) {
        expect(samples.get(`upstate_link_state{connection="${connection}",state="${state}"}`)).toBe(state === report.link ? 1 : 0);
      }
      for (const state of FLUSH_STATES) {
        expect(samples.get(`upstate_flush_state{connection="${connection}",state="${state}"}`)).toBe(state === report.flush ? 1 : 0);
      }
    }
    expect(samples.get('upstate_deliveries_total')).toBe(stats.deliveries);
    expect(samples.get('upstate_batch_efficiency')).toBeCloseTo(stats.batchEfficiency, 12);
    expect(samples.get('upstate_average_batch_size')).toBeCloseTo(stats.averageBatchSize, 12);
    expect(samples.get('upstate_subscribers')).toBe(stats.subscribers);
    // Nothing else: every sample is one of the figures above.
    const connections = Object.keys(stats.connections).length;
    expect(samples.size).toBe(connections * (Object.keys(PER_CONNECTION).length + LINK_STATES.length + FLUSH_STATES.length) + 4);
  });

  it('reads stats() at scrape time: a change shows on the next scrape', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const { registry } = await registerMetrics(upbit);
    const before = parseMetrics(await registry.metrics());
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await upbit.settled();
    const after = parseMetrics(await registry.metrics());
    expect(before.get('upstate_messages_sent_total{connection="public"}')).toBe(0);
    expect(after.get('upstate_messages_sent_total{connection="public"}')).toBe(1);
    expect(after.get('upstate_link_state{connection="public",state="open"}')).toBe(1);
  });
});

describe('/metrics of a fleet gateway', () => {
  it('adds the role gauge, the epoch and the counters of gateway(), read at scrape time', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    let status: GatewayStatus = {
      role: 'standby',
      epoch: 4,
      election: 'lease',
      nats: 'connected',
      takeovers: 0,
      stepDowns: 0,
      renewalsFailed: 0,
      clients: 3,
      demands: 5,
      published: 0,
      announcements: 12,
      refused: 1,
      expired: 2,
    };
    const source: LiveSource = { actor: upbit.actor, stats: () => upbit.stats(), gateway: () => status };
    const { registry } = await registerMetrics(source);
    const before = parseMetrics(await registry.metrics());
    for (const role of GATEWAY_ROLES) expect(before.get(`upstate_gateway_role{role="${role}"}`), role).toBe(role === 'standby' ? 1 : 0);
    expect(before.get('upstate_gateway_epoch')).toBe(4);
    expect(before.get('upstate_gateway_nats_connected')).toBe(1);
    expect(before.get('upstate_gateway_clients')).toBe(3);
    expect(before.get('upstate_gateway_demands')).toBe(5);
    expect(before.get('upstate_gateway_announcements_total')).toBe(12);
    expect(before.get('upstate_gateway_announcements_refused_total')).toBe(1);
    expect(before.get('upstate_gateway_demands_expired_total')).toBe(2);
    expect(before.get('upstate_gateway_takeovers_total')).toBe(0);

    status = { ...status, role: 'active', epoch: 9, takeovers: 1, renewalsFailed: 2, published: 40, nats: 'reconnecting' };
    const after = parseMetrics(await registry.metrics());
    for (const role of GATEWAY_ROLES) expect(after.get(`upstate_gateway_role{role="${role}"}`), role).toBe(role === 'active' ? 1 : 0);
    expect(after.get('upstate_gateway_epoch')).toBe(9);
    expect(after.get('upstate_gateway_takeovers_total')).toBe(1);
    expect(after.get('upstate_gateway_step_downs_total')).toBe(0);
    expect(after.get('upstate_gateway_lease_renewals_failed_total')).toBe(2);
    expect(after.get('upstate_gateway_frames_published_total')).toBe(40);
    expect(after.get('upstate_gateway_nats_connected')).toBe(0);
  });

  it('has no gateway metrics for an orchestrator', async () => {
    const exchange = await startTestExchange();
    const { registry } = await registerMetrics(orchestratorFor(exchange));
    expect([...parseMetrics(await registry.metrics()).keys()].filter((name) => name.startsWith('upstate_gateway_'))).toEqual([]);
  });
});

describe('registerMetrics', () => {
  it('never touches the global default registry', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    await registerMetrics(upbit);
    view = await serveLiveView(upbit);
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('upstate_'))).toEqual([]);
  });

  it("adds to a service's own registry, next to its metrics, and takes them out again", async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const registry = new Registry();
    new Counter({ name: 'service_jobs_total', help: 'Jobs done.', registers: [registry] }).inc(3);
    view = await serveLiveView(upbit, { registry });
    const samples = parseMetrics(await (await fetch(`${view.url}metrics`)).text());
    expect(samples.get('service_jobs_total')).toBe(3);
    expect(samples.get('upstate_subscribers')).toBe(0);
    await view.close();
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(['service_jobs_total']);
  });

  it('refuses a name already in the registry and a bad prefix, with OptionError, and adds nothing', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const registry = new Registry();
    await registerMetrics(upbit, { registry });
    const count = registry.getMetricsAsArray().length;
    await expect(registerMetrics(upbit, { registry })).rejects.toThrow(OptionError);
    await expect(registerMetrics(upbit, { registry, prefix: '9bad-' })).rejects.toThrow(/Expected `prefix` to be a Prometheus metric name prefix/);
    await expect(registerMetrics(upbit, { registry: {} as Registry })).rejects.toThrow(OptionError);
    expect(registry.getMetricsAsArray()).toHaveLength(count);
    await registerMetrics(upbit, { registry, prefix: 'upstate_second_' });
    expect(registry.getMetricsAsArray()).toHaveLength(count * 2);

    // A clash halfway through the list leaves the registry as it was.
    const own = new Registry();
    new Counter({ name: 'upstate_deliveries_total', help: 'A name of its own.', registers: [own] });
    await expect(registerMetrics(upbit, { registry: own })).rejects.toThrow(/upstate_deliveries_total exists/);
    expect(own.getMetricsAsArray().map((m) => m.name)).toEqual(['upstate_deliveries_total']);
  });
});
