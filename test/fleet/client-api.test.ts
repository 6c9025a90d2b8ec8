/**
 * The fleet client's API checks, which need no NATS server: they happen before anything is sent.
 * The client points at a port with nothing listening and keeps trying until it is closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OptionError, SpecError, UpstateError } from '../../src/errors.js';
import { createFleetClient, type FleetClient } from '../../src/fleet/index.js';
import type { EventEmitter } from 'eventemitter3';
import { createOrchestrator, type Orchestrator, type OrchestratorEvents } from '../../src/orchestrator.js';
import type { Spec } from '../../src/registry/index.js';
import { freePort } from '../support/nats-server.js';

let client: FleetClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function offline(options: Partial<Parameters<typeof createFleetClient>[0]> = {}): Promise<FleetClient> {
  client = createFleetClient({ gateway: `nats://127.0.0.1:${await freePort()}`, retryMs: 50, ...options });
  return client;
}

/** What `fn` throws, for comparing the client's errors with the orchestrator's. */
function thrown(fn: () => unknown): { name: string; code: string; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    const e = error as UpstateError;
    return { name: e.name, code: e.code, message: e.message };
  }
  return undefined;
}

describe('FleetClient: the orchestrator’s API', () => {
  it('has every public method of Orchestrator', async () => {
    const fleet = await offline();
    const methods = ['subscribe', 'register', 'unregister', 'stream', 'settled', 'stats', 'close', 'retry', 'on', 'off', 'once'] as const;
    for (const method of methods) expect(typeof fleet[method], method).toBe('function');
    // The compiler agrees: a fleet client stands wherever these members of an orchestrator are used.
    const asOrchestrator: Pick<Orchestrator, Exclude<(typeof methods)[number], 'on' | 'off' | 'once'>> = fleet;
    // Listening as to an orchestrator's events (the client adds one of its own, `gateway`).
    const emitter: { on<E extends keyof OrchestratorEvents>(event: E, fn: (...args: OrchestratorEvents[E]) => void): unknown } = fleet;
    expect(asOrchestrator).toBe(emitter);
  });

  const BAD: readonly [string, unknown][] = [
    ['an unknown type', { type: 'tick', codes: ['KRW-BTC'] }],
    ['lower-case codes', { type: 'ticker', codes: ['krw-btc'] }],
    ['a field typo', { type: 'ticker', code: ['KRW-BTC'] }],
    ['a depth on a ticker', { type: 'ticker', codes: ['KRW-BTC'], depth: 5 }],
    ['conflicting orderbook depths', { type: 'orderbook', codes: ['KRW-BTC.5', 'KRW-ETH.15'] }],
  ];

  it.each(BAD)('throws the same SpecError as the orchestrator for %s, and changes nothing', async (_, spec) => {
    const fleet = await offline();
    const local = createOrchestrator({ endpoints: { public: 'ws://127.0.0.1:9/x', private: 'ws://127.0.0.1:9/y' } });
    try {
      const expected = thrown(() => local.subscribe(spec as Spec, () => {}));
      expect(expected?.name).toBe('SpecError');
      expect(thrown(() => fleet.subscribe(spec as Spec, () => {}))).toEqual(expected);
      expect(thrown(() => fleet.register('chart', [spec as Spec], () => {}))).toEqual(thrown(() => local.register('chart', [spec as Spec], () => {})));
      expect(fleet.stats().subscribers).toBe(0);
    } finally {
      await local.close();
    }
  });

  it('refuses private types unless `privateStreams` is on', async () => {
    const fleet = await offline();
    expect(() => fleet.subscribe({ type: 'myOrder', codes: ['KRW-BTC'] }, () => {})).toThrow(SpecError);
    expect(() => fleet.subscribe({ type: 'myAsset' }, () => {})).toThrow(/privateStreams: true/);
    expect(fleet.stats().subscribers).toBe(0);
    const allowed = createFleetClient({ gateway: `nats://127.0.0.1:${await freePort()}`, privateStreams: true, retryMs: 50 });
    try {
      expect(() => allowed.subscribe({ type: 'myAsset' }, () => {})).not.toThrow();
    } finally {
      await allowed.close();
    }
  });

  it('rejects bad options with an OptionError naming the option', () => {
    expect(() => createFleetClient({ gateway: 'http://example' })).toThrow(OptionError);
    expect(() => createFleetClient({ gateway: 42 as unknown as string })).toThrow(/`gateway`/);
    expect(() => createFleetClient({ gateway: 'nats://127.0.0.1:4222', leaseMs: 1_000, renewMs: 1_000 })).toThrow(/`leaseMs`/);
    expect(() => createFleetClient({ gateway: 'nats://127.0.0.1:4222', renewMs: -1 })).toThrow(/`renewMs`/);
    expect(() => createFleetClient({ gateway: 'nats://127.0.0.1:4222', prefix: 'a b' })).toThrow(/`prefix`/);
    expect(() => createFleetClient({ gateway: 'nats://127.0.0.1:4222', cacheTypes: ['tick' as 'ticker'] })).toThrow(/`cacheTypes`/);
  });

  it('settled() without a gateway waits until its signal aborts (ERR_ABORTED); a closed client throws ERR_CLOSED', async () => {
    const fleet = await offline();
    fleet.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await expect(fleet.settled({ signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    const pending = expect(fleet.settled()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await fleet.close();
    await pending;
    expect(() => fleet.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {})).toThrow(UpstateError);
    await expect(fleet.settled()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('reports the unreachable NATS server once on `error`, as ERR_LINK', async () => {
    const fleet = await offline();
    const errors: UpstateError[] = [];
    fleet.on('error', (error) => errors.push(error));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(errors.map((e) => e.code)).toEqual(['ERR_LINK']);
    expect(errors[0]!.message).toMatch(/Could not connect to NATS/);
  });
});
