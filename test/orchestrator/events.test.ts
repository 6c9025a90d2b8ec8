/**
 * The orchestrator's events: 'open', 'close', 'reconnecting', 'flush', 'state' and 'error', in the
 * order a connection's life produces them.
 */
import { describe, expect, it, vi } from 'vitest';
import { UpbitError, type UpstateError } from '../../src/errors.js';
import { FLUSH_STATES, LINK_STATES } from '../../machines/index.js';
import type { FlushState, LinkState } from '../../src/orchestrator.js';
import type { Spec } from '../../src/registry/spec.js';
import { nextSubscription } from '../support/exchange-requests.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor, waitUntil, within } from '../support/wait.js';

const noop = (): void => {};

describe('events', () => {
  it("fire through a connection's life: open, flush, close, reconnecting, open, flush, close", async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { lingerMs: 10 });
    const log: string[] = [];
    const states: [string, LinkState, FlushState][] = [];
    upbit.on('open', (kind) => log.push(`open ${kind}`));
    upbit.on('close', (kind) => log.push(`close ${kind}`));
    upbit.on('reconnecting', (kind, attempt) => log.push(`reconnecting ${kind} ${attempt}`));
    upbit.on('flush', (kind, sent) => log.push(`flush ${kind} ${sent}`));
    upbit.on('state', (kind, link, flush) => states.push([kind, link, flush]));

    const sub = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await waitFor(upbit, 'flush');
    expect(log).toEqual(['open public', 'flush public 1']);

    const secondFlush = waitFor(upbit, 'flush', (_kind, sent) => sent === 2);
    exchange.faults.drop();
    await secondFlush;
    expect(log.slice(2)).toEqual(['close public', 'reconnecting public 1', 'open public', 'flush public 2']);

    const closed = waitFor(upbit, 'close');
    sub.unsubscribe();
    await closed;
    expect(log.slice(6)).toEqual(['close public']);

    expect(states.every(([kind, link, flush]) => kind === 'public' && LINK_STATES.includes(link) && FLUSH_STATES.includes(flush))).toBe(true);
    // Emitted on change only.
    expect(states.every(([, link, flush], i) => i === 0 || link !== states[i - 1]![1] || flush !== states[i - 1]![2])).toBe(true);
    const links = states.map(([, link]) => link);
    expect(links[0]).toBe('connecting');
    expect(links).toEqual(expect.arrayContaining(['open', 'backoff', 'lingering']));
    expect(states.at(-1)).toEqual(['public', 'dormant', 'idle']);
    expect(states.filter(([, , flush]) => flush === 'sending')).toHaveLength(2);
  });

  it("reports an undecodable frame on 'error' as ERR_DECODE, and the link stays up", async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await nextSubscription(exchange, 0);
    const error = waitFor(upbit, 'error');

    expect(exchange.faults.sendMalformed()).toBe(1);

    const [reported] = await error;
    expect(reported.code).toBe('ERR_DECODE');
    expect(upbit.stats().connections.public).toMatchObject({ link: 'open', failures: 0 });
  });

  it("reports an Upbit error frame on 'error' as an UpbitError (ERR_UPBIT)", async () => {
    const exchange = await startTestExchange();
    // One connection takes every code (the pool would split them into requests the exchange accepts).
    const upbit = orchestratorFor(exchange, { pool: { codesPerConnection: 5_000 } });
    const errors: UpstateError[] = [];
    upbit.on('error', (error) => errors.push(error));
    // More codes in one request than the exchange accepts (4 096): it answers INVALID_PARAM.
    const specs: Spec[] = Array.from({ length: 5 }, (_, s) => ({
      type: 'trade' as const,
      codes: Array.from({ length: 820 }, (_, i) => `KRW-A${s}X${i}`),
    }));
    upbit.register('everything', specs, noop);

    await waitUntil(() => errors.length > 0, [[upbit, 'error']], "an 'error' event");

    expect(errors[0]).toBeInstanceOf(UpbitError);
    expect(errors[0]).toMatchObject({ code: 'ERR_UPBIT', upbitName: 'INVALID_PARAM' });
  });

  it("without an 'error' listener, logs instead of throwing", async () => {
    const exchange = await startTestExchange();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const upbit = orchestratorFor(exchange, { logger });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await nextSubscription(exchange, 0);
    const logged = new Promise<void>((resolve) => logger.error.mockImplementation(() => resolve()));

    exchange.faults.sendMalformed();
    await within(logged, 'logger.error');

    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ code: 'ERR_DECODE' }), expect.any(String));
    expect(logger.warn).toHaveBeenCalled();
    expect(upbit.stats().connections.public.link).toBe('open');
  });
});
