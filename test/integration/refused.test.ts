/**
 * A request Upbit answers with an error frame: the flush holds it as `refused`, `settled()`
 * rejects with the error and what was asked, and nothing is resent until the next change,
 * `retry()` or a new link.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpbitError } from '../../src/errors.js';
import { streamsOf, fieldsOf } from '../support/exchange-requests.js';
import { advanceStepwise, useFakeClock } from '../support/fake-clock.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { realTick, waitFor, waitUntil } from '../support/wait.js';

const noop = (): void => {};

afterEach(() => {
  vi.useRealTimers();
});

/** Every request the exchange received that was a subscription, refused or not. */
function subscriptionAttempts(exchange: Awaited<ReturnType<typeof startTestExchange>>): number {
  return exchange.requests.filter((record) => record.result.ok ? record.result.kind === 'subscribe' : record.result.error !== 'TOO_MANY_REQUESTS').length;
}

describe('a refused subscription request', () => {
  it('rejects settled() with ERR_UPBIT naming the error and the request, and is not resent until the next change', async () => {
    useFakeClock();
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const errors: unknown[] = [];
    upbit.on('error', (error) => errors.push(error));
    exchange.faults.refuseRequests(1, 'INVALID_PARAM');

    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const settled = upbit.settled();
    const outcome = settled.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    const quiet = () => realTick();
    await advanceStepwise(1_000, quiet);
    const error = await outcome;

    expect(error).toBeInstanceOf(UpbitError);
    expect(error).toMatchObject({ code: 'ERR_UPBIT', upbitName: 'INVALID_PARAM' });
    expect((error as UpbitError).request).toContain('ticker KRW-BTC');
    expect(errors).toHaveLength(1);
    expect(upbit.stats().connections.public).toMatchObject({ link: 'open', flush: 'refused', refusals: 1, messagesSent: 1 });

    // A minute of quiet: the refused state is not sent again, in a loop or otherwise.
    await advanceStepwise(60_000, quiet);
    expect(subscriptionAttempts(exchange)).toBe(1);
    expect(upbit.stats().connections.public.flush).toBe('refused');

    // The next change sends the whole desired state again, and this time it holds.
    upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, noop);
    const second = upbit.settled();
    await advanceStepwise(1_000, quiet);
    await second;
    expect(subscriptionAttempts(exchange)).toBe(2);
    const [connection] = exchange.connections();
    expect(streamsOf(exchange.subscriptionOf(connection!.id)!)).toEqual(expect.arrayContaining(['ticker KRW-BTC', 'trade KRW-ETH']));
  });

  it('is sent again by retry()', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    exchange.faults.refuseRequests(1, 'WRONG_FORMAT');
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await expect(upbit.settled()).rejects.toMatchObject({ code: 'ERR_UPBIT', upbitName: 'WRONG_FORMAT' });

    upbit.retry('public');
    await upbit.settled();
    await waitUntil(() => subscriptionAttempts(exchange) === 2, [[exchange, 'request']], 'the request sent again');
    const last = exchange.requests.at(-1)!;
    // A refused request leaves the server's state unknown: the resend asks for snapshots again.
    expect(fieldsOf(last).some((field) => field.type === 'ticker' && field.snapshot)).toBe(true);
  });

  it('is reported once per error frame on the error event, while a later accepted request settles', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const reported = waitFor(upbit, 'error');
    exchange.faults.refuseRequests(1);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const [error] = await reported;
    expect(error).toMatchObject({ code: 'ERR_UPBIT', upbitName: 'INVALID_PARAM' });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-XRP'] }, noop);
    await upbit.settled();
    expect(upbit.stats().connections.public.refusals).toBe(1);
  });
});
