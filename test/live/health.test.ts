import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayStatus, healthOf, healthOfGateway, type LiveView, serveLiveView } from '../../src/live/index.js';
import type { ConnectionReport, LinkState, OrchestratorStats } from '../../src/orchestrator.js';
import { ZERO_FLUSH_STATS } from '../../machines/index.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor } from '../support/wait.js';
import { ALICE } from '../sim/fixtures.js';

function report(link: LinkState, overrides: Partial<ConnectionReport> = {}): ConnectionReport {
  return {
    link,
    flush: 'idle',
    lastError: undefined,
    headroom: 5,
    opened: 0,
    reconnects: 0,
    failures: 0,
    stale: 0,
    framesReceived: 0,
    decodeErrors: 0,
    ...ZERO_FLUSH_STATS,
    ...overrides,
  };
}

function stats(connections: Record<string, ConnectionReport>): Pick<OrchestratorStats, 'connections'> {
  return { connections } as Pick<OrchestratorStats, 'connections'>;
}

describe('healthOf', () => {
  it('is ok while every connection is open, lingering or wants nothing, whatever its flush is doing', () => {
    expect(
      healthOf(stats({ public: report('open', { flush: 'rateWaiting' }), private: report('dormant'), 'public-2': report('lingering') })),
    ).toEqual({ status: 'ok', connections: { public: 'open/rateWaiting', private: 'dormant/idle', 'public-2': 'lingering/idle' } });
  });

  it.each(['connecting', 'backoff', 'blocked', 'authFailed'] as const)('is unavailable while a wanted connection is %s', (link) => {
    const health = healthOf(stats({ public: report('open'), private: report(link, { lastError: 'HTTP 401', flush: 'rateWaiting' }) }));
    expect(health).toEqual({
      status: 'unavailable',
      reason: link,
      failing: [{ connection: 'private', reason: link, lastError: 'HTTP 401' }],
      connections: { public: 'open/idle', private: `${link}/rateWaiting` },
    });
  });

  it('lists every failing connection, whatever the keys, the first one giving the reason', () => {
    const health = healthOf(stats({ a: report('backoff'), b: report('open'), c: report('blocked') }));
    expect(health.status === 'unavailable' && health.reason).toBe('backoff');
    expect(health.status === 'unavailable' && health.failing.map((f) => `${f.connection}:${f.reason}`)).toEqual(['a:backoff', 'c:blocked']);
  });
});

function gatewayStatus(overrides: Partial<GatewayStatus>): GatewayStatus {
  return {
    role: 'standby',
    epoch: 7,
    election: 'lease',
    nats: 'connected',
    takeovers: 0,
    stepDowns: 0,
    renewalsFailed: 0,
    clients: 0,
    demands: 0,
    published: 0,
    announcements: 0,
    refused: 0,
    expired: 0,
    ...overrides,
  };
}

describe('healthOfGateway', () => {
  const failingLinks = stats({ public: report('backoff', { lastError: 'network' }), private: report('dormant') });

  it.each(['standby', 'electing', 'deposed'] as const)('is ok for a %s gateway that holds its NATS connection, whatever its last links were', (role) => {
    expect(healthOfGateway(gatewayStatus({ role }), failingLinks)).toEqual({
      status: 'ok',
      connections: {},
      gateway: { role, epoch: 7, election: 'lease', nats: 'connected' },
    });
  });

  it("is an active gateway's link health, with its role", () => {
    const active = gatewayStatus({ role: 'active', epoch: 9 });
    expect(healthOfGateway(active, stats({ public: report('open'), private: report('dormant') }))).toEqual({
      status: 'ok',
      connections: { public: 'open/idle', private: 'dormant/idle' },
      gateway: { role: 'active', epoch: 9, election: 'lease', nats: 'connected' },
    });
    expect(healthOfGateway(active, failingLinks)).toMatchObject({
      status: 'unavailable',
      reason: 'backoff',
      failing: [{ connection: 'public', reason: 'backoff', lastError: 'network' }],
      gateway: { role: 'active' },
    });
  });

  it.each([
    ['standby', 'reconnecting'],
    ['active', 'reconnecting'],
    ['active', 'closed'],
  ] as const)('is unavailable (natsDisconnected) for a %s gateway whose NATS connection is %s', (role, nats) => {
    expect(healthOfGateway(gatewayStatus({ role, nats }), stats({ public: report('open'), private: report('dormant') }))).toEqual({
      status: 'unavailable',
      reason: 'natsDisconnected',
      failing: [],
      connections: {},
      gateway: { role, epoch: 7, election: 'lease', nats },
    });
  });
});

describe('GET /healthz', () => {
  let view: LiveView | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });

  async function probe(): Promise<{ status: number; body: Record<string, unknown>; type: string | null }> {
    const response = await fetch(`${view!.url}healthz`);
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
  }

  it('answers 200 while the wanted connections are open and settled, 503 with the reason once one is refused', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: { accessKey: ALICE.accessKey, secretKey: 'not-the-secret' } });
    view = await serveLiveView(upbit);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await upbit.settled();
    expect(await probe()).toEqual({
      status: 200,
      type: 'application/json',
      body: { status: 'ok', connections: { public: 'open/idle', private: 'dormant/idle' } },
    });

    // The private endpoint refuses the signature: authFailed, and the probe fails with that reason.
    const refused = waitFor(upbit, 'state', (kind, link) => kind === 'private' && link === 'authFailed');
    upbit.on('error', () => {});
    upbit.subscribe({ type: 'myOrder' }, () => {});
    await refused;
    const { status, body } = await probe();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unavailable', reason: 'authFailed', failing: [{ connection: 'private', reason: 'authFailed' }] });
    expect(body.connections).toMatchObject({ public: 'open/idle' });
  });

  it('answers 503 backoff while the exchange cannot be reached, and stopped once the orchestrator is closed', async () => {
    const exchange = await startTestExchange();
    const url = exchange.url;
    await exchange.close();
    const upbit = orchestratorFor(exchange, { endpoints: { public: url }, backoff: { initialMs: 5_000, maxMs: 5_000 } });
    view = await serveLiveView(upbit);
    const waiting = waitFor(upbit, 'reconnecting');
    upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, () => {});
    await waiting;
    expect(await probe()).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'backoff', failing: [{ connection: 'public', reason: 'backoff' }] } });
    await upbit.close();
    expect(await probe()).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'stopped' } });
  });
});
