/**
 * `close()` leaves nothing running. The resource count comes first in its own file (a fresh
 * process), so no socket of an earlier test is still closing when it is taken.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstateError } from '../../src/errors.js';
import { nextSubscription } from '../support/exchange-requests.js';
import { useFakeClock } from '../support/fake-clock.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { realTick, waitFor, within } from '../support/wait.js';

const noop = (): void => {};
const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

describe('close()', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Sockets and timers alive right now. */
  function alive(): { sockets: number; timers: number } {
    const resources = process.getActiveResourcesInfo();
    return {
      sockets: resources.filter((r) => r === 'TCPSocketWrap').length,
      timers: resources.filter((r) => r === 'Timeout').length,
    };
  }

  it('leaves no socket or timer behind, and the exchange sees both connections closed', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const before = alive();
    const upbit = orchestratorFor(exchange, { credentials: ALICE, heartbeat: { intervalMs: 10, timeoutMs: 1_000 } });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    upbit.subscribe({ type: 'myAsset' }, noop);
    await within(upbit.settled(), 'settled()');
    const ids = exchange.connections().map(({ id }) => id);
    expect(ids).toHaveLength(2);
    const closes = ids.map((id) => waitFor(exchange, 'close', (event) => event.id === id));
    // A flush in progress at close time leaves nothing behind either.
    upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, noop);

    await upbit.close();
    const events = (await Promise.all(closes)).map(([event]) => event.cause);
    await realTick();

    expect(events).toEqual(['client', 'client']);
    expect(exchange.connections()).toEqual([]);
    const after = alive();
    expect(after.sockets).toBe(before.sockets);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
  });

  it('clears every timer it started (fake clock)', async () => {
    useFakeClock();
    const exchange = await startTestExchange();
    const timersBefore = vi.getTimerCount();
    const upbit = orchestratorFor(exchange, { debounceMs: 100, lingerMs: 5_000 });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await waitFor(upbit, 'open');
    await vi.advanceTimersByTimeAsync(100);
    await nextSubscription(exchange, 0);
    // Heartbeat, stable-period and linger timers, at least, are running now.
    expect(vi.getTimerCount()).toBeGreaterThan(timersBefore);
    const closed = waitFor(exchange, 'close');

    await upbit.close();
    await closed;

    expect(vi.getTimerCount()).toBe(timersBefore);
  });

  it('is idempotent, rejects pending and later settled() with ERR_CLOSED, and refuses further use', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const pending = upbit.settled();

    const first = upbit.close();
    expect(upbit.close()).toBe(first);
    await first;
    await upbit[Symbol.asyncDispose]();

    await expect(pending).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(upbit.settled()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop)).toThrow(UpstateError);
    expect(() => upbit.register('chart', [], noop)).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
