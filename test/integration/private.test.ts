/**
 * The private connection (issue scenario 7; the seed's defect 5): opened only when a private type
 * is wanted, authenticated with a JWT, closed when nobody needs it, quiet without being taken for
 * dead; refused credentials stop it without a reconnect loop.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpecError, type UpstateError } from '../../src/errors.js';
import type { EventObject } from 'xstate';
import type { MyOrderMessage } from '../../src/protocol/upbit/types.js';
import { fieldsOf, nextSubscription, onlyConnection, streamsOf, subscribeRequests } from '../support/exchange-requests.js';
import { useFakeClock } from '../support/fake-clock.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { realTick, waitFor, waitUntil, within } from '../support/wait.js';

const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

describe('the private connection', () => {
  it('opens only for myOrder, delivers an injected event, and closes after the last private subscriber leaves', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: ALICE, lingerMs: 20 });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await nextSubscription(exchange, 0);
    // Only public data is wanted: no private connection (opened lazily, not eagerly).
    expect(exchange.connections().map(({ kind }) => kind)).toEqual(['public']);

    const orders = new Inbox<MyOrderMessage>();
    const sub = upbit.subscribe({ type: 'myOrder', codes: ['KRW-BTC'] }, orders.handler);
    const request = await nextSubscription(exchange, 1);
    await upbit.settled();

    const connection = onlyConnection(exchange, 'private');
    expect(connection).toMatchObject({ path: '/websocket/v1/private', accessKey: ALICE.accessKey });
    expect(request.connectionId).toBe(connection.id);
    expect(streamsOf(fieldsOf(request))).toEqual(['myOrder KRW-BTC']);
    // Sent once, not once per open and once per change.
    expect(subscribeRequests(exchange, connection.id)).toHaveLength(1);
    expect(streamsOf(onlyConnection(exchange, 'public').subscription)).toEqual(['ticker KRW-BTC']);

    const injected = exchange.injectMyOrder(ALICE.accessKey, { code: 'KRW-BTC', state: 'done', ask_bid: 'ASK' });
    expect(injected.connectionIds).toEqual([connection.id]);
    const [delivered] = await orders.until((m) => m.uuid === injected.message.uuid, 1, 'injected myOrder');
    expect(delivered).toEqual(injected.message);

    const privateClosed = waitFor(exchange, 'close', (event) => event.id === connection.id);
    const closeEvent = waitFor(upbit, 'close', (kind) => kind === 'private');
    sub.unsubscribe();
    const [closed] = await privateClosed;
    await closeEvent;

    expect(closed.cause).toBe('client');
    expect(exchange.connections().map(({ kind }) => kind)).toEqual(['public']);
    expect(upbit.stats().connections.private.link).toBe('dormant');
  });

  it('keeps a quiet private stream open: protocol pings answer for it, nothing is taken for dead', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const alive = new Inbox<EventObject>();
    const upbit = orchestratorFor(exchange, {
      credentials: ALICE,
      heartbeat: { intervalMs: 10, timeoutMs: 200 },
      // Counts the heartbeat's answered probes: each is a pong that came back over the socket.
      inspect: (event) => {
        if (event.type === '@xstate.event' && event.event.type === 'link.alive') alive.handler(event.event);
      },
    });
    const orders = new Inbox<MyOrderMessage>();
    upbit.subscribe({ type: 'myOrder' }, orders.handler);
    await nextSubscription(exchange, 0);

    await alive.until(() => true, 5, 'answered heartbeat probes');

    expect(orders.messages).toEqual([]);
    expect(upbit.stats().connections.private).toMatchObject({ link: 'open', stale: 0, failures: 0, opened: 1 });
    const injected = exchange.injectMyOrder(ALICE.accessKey, { code: 'KRW-ETH' });
    await orders.until((m) => m.uuid === injected.message.uuid, 1, 'myOrder after the quiet spell');
  });

  it('without credentials, refuses private specs at once and changes nothing', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange);
    const before = upbit.stats();
    expect(() => upbit.subscribe({ type: 'myAsset' }, () => {})).toThrow(
      expect.objectContaining({ code: 'ERR_SPEC', field: 'type', value: 'myAsset' }),
    );
    expect(() => upbit.register('mixed', [{ type: 'ticker', codes: ['KRW-BTC'] }, { type: 'myOrder' }], () => {})).toThrow(SpecError);
    expect(upbit.stats()).toEqual(before);
    expect(upbit.stats().connections.private.link).toBe('dormant');
    expect(exchange.counters.connectionsAccepted).toBe(0);
  });
});

describe('refused credentials', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const authFailure of ['frame', 'http'] as const) {
    it(`stop the connection in authFailed, reject settled() with ERR_AUTH and do not loop (exchange authFailure '${authFailure}')`, async () => {
      useFakeClock();
      const exchange = await startTestExchange({ credentials: [ALICE], authFailure });
      const upbit = orchestratorFor(exchange, { credentials: { accessKey: ALICE.accessKey, secretKey: 'not-the-secret' } });
      const errors: UpstateError[] = [];
      upbit.on('error', (error) => errors.push(error));
      const attempts = (): number => exchange.counters.connectionsAccepted + exchange.counters.connectionsRefused;
      upbit.subscribe({ type: 'myOrder' }, () => {});

      await expect(within(upbit.settled(), 'settled()')).rejects.toMatchObject({ code: 'ERR_AUTH' });
      await waitUntil(() => exchange.connections().length === 0, [[exchange, 'close']], 'the refused connection to be gone');

      // Two minutes of backoff timers, with real I/O let through after each second: a retry
      // loop would show up as more connection attempts.
      for (let second = 0; second < 120; second++) {
        await vi.advanceTimersByTimeAsync(1_000);
        await realTick();
      }
      expect(attempts()).toBe(1);
      expect(upbit.stats().connections.private).toMatchObject({ link: 'authFailed', opened: authFailure === 'frame' ? 1 : 0 });
      expect(errors.map((error) => error.code)).toEqual(['ERR_AUTH']);
      expect(errors[0]!.message).not.toContain('not-the-secret');
      // Still refused for anyone asking later.
      await expect(within(upbit.settled(), 'settled()')).rejects.toMatchObject({ code: 'ERR_AUTH' });
    });
  }
});
