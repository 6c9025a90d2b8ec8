/**
 * What the orchestrator does when something around it misbehaves: a failing rate gate, a
 * listener that throws, a settle that cannot happen, refused credentials that get fixed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionError, type UpstateError } from '../../src/errors.js';
import type { RateGate } from '../../src/rate/gate.js';
import { subscribeRequests } from '../support/exchange-requests.js';
import { advanceStepwise, useFakeClock } from '../support/fake-clock.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { realTick, waitFor, waitUntil, within } from '../support/wait.js';

const noop = (): void => {};
const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

afterEach(() => {
  vi.useRealTimers();
});

describe('a message gate that fails', () => {
  it('is reported as ERR_GATE, asked again after a pause rather than in a loop, and the send goes out once it recovers', async () => {
    useFakeClock();
    const exchange = await startTestExchange();
    let calls = 0;
    let broken = true;
    const gate: RateGate = {
      acquire: async () => {
        calls++;
        if (broken) throw new Error('store unreachable');
      },
      tryAcquire: () => !broken,
      delayMs: () => 0,
    };
    const upbit = orchestratorFor(exchange, { messageGate: () => gate });
    const errors: UpstateError[] = [];
    upbit.on('error', (error) => errors.push(error));
    const opened = waitFor(upbit, 'open');
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    // The socket opens on real I/O: let it, before fake time runs on.
    await opened;

    await advanceStepwise(10_000, realTick);
    // One attempt per `gateRetry` (1 s), not a spin.
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThanOrEqual(11);
    expect(errors.length).toBe(calls);
    expect(errors[0]).toMatchObject({ code: 'ERR_GATE' });
    expect(upbit.stats().gateFailures).toBe(calls);
    expect(upbit.stats().messagesSent).toBe(0);

    broken = false;
    const sent = waitFor(exchange, 'request');
    await advanceStepwise(1_500, realTick);
    await within(sent, 'the request');
    expect(upbit.stats().messagesSent).toBe(1);
  });

  it('a messageGate option that returns no gate is an OptionError naming it', () => {
    const exchangeless = { url: 'ws://127.0.0.1:1', privateUrl: 'ws://127.0.0.1:1' } as never;
    const make = () => orchestratorFor(exchangeless, { messageGate: () => undefined as never });
    expect(make).toThrow(OptionError);
    expect(make).toThrow(expect.objectContaining({ option: 'messageGate' }));
  });
});

describe('listeners of the orchestrator', () => {
  it('a listener that throws is reported as ERR_HANDLER; the process, the other events and settled() go on', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const errors: UpstateError[] = [];
    upbit.on('error', (error) => errors.push(error));
    upbit.on('open', () => {
      throw new Error('listener bug');
    });
    const states: string[] = [];
    upbit.on('state', (_kind, link) => states.push(link));
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);

    await within(upbit.settled(), 'settled()');
    expect(errors.map((error) => error.code)).toEqual(['ERR_HANDLER']);
    expect(errors[0]!.message).toContain("'open'");
    expect(states).toContain('open');
  });
});

describe('settled()', () => {
  it('rejects with ERR_ABORTED when its signal aborts, for a link that cannot connect', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { endpoints: { public: 'ws://127.0.0.1:9/websocket/v1' } });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const controller = new AbortController();
    const settling = upbit.settled({ signal: controller.signal });
    await waitFor(upbit, 'reconnecting');
    controller.abort();
    await expect(within(settling, 'settled()')).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    // The reason of the failure, not just "network", is in the report.
    expect(upbit.stats().connections.public.lastError).toMatch(/ECONNREFUSED|connect/i);
    await expect(upbit.settled({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});

describe('retry()', () => {
  it('makes exactly one new attempt from authFailed, with a fresh token; without it, no attempt at all', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: { accessKey: ALICE.accessKey, secretKey: 'wrong' } });
    upbit.on('error', noop);
    const attempts = (): number => exchange.counters.connectionsAccepted + exchange.counters.connectionsRefused;
    upbit.subscribe({ type: 'myOrder' }, noop);
    await expect(within(upbit.settled(), 'settled()')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect(upbit.stats().connections.private.link).toBe('authFailed');
    expect(attempts()).toBe(1);

    upbit.retry();
    await expect(within(upbit.settled(), 'settled() after retry')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect(attempts()).toBe(2);
    expect(upbit.stats().connections.private.link).toBe('authFailed');
  });
});

describe('messagesSent', () => {
  it('counts only messages written to the socket', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const a = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' }, noop);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'], snapshot: 'only' }, noop);
    await within(upbit.settled(), 'settled()');
    await waitUntil(() => subscribeRequests(exchange).length >= 1, [[exchange, 'request']], 'the request');
    a.unsubscribe();
    await within(upbit.settled(), 'settled() after unsubscribe');
    await realTick();
    expect(upbit.stats().messagesSent).toBe(subscribeRequests(exchange).length);
  });
});
