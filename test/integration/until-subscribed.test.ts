import { describe, expect, it } from 'vitest';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';

describe('settled(), then the exchange holds the subscription', () => {
  it('a tick after untilSubscribed reaches the subscriber as a REALTIME update', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const inbox = new Inbox();
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, inbox.handler);
    await upbit.settled();
    await exchange.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'] }, { signal: AbortSignal.timeout(5_000) });
    exchange.tick();
    const [update] = await inbox.until((m) => m.stream_type === 'REALTIME', 1, 'REALTIME ticker');
    expect(update).toMatchObject({ type: 'ticker', code: 'KRW-BTC' });
  });

  it('an injected myOrder event reaches the private subscriber', async () => {
    const credentials = { accessKey: 'k', secretKey: 's' };
    const exchange = await startTestExchange({ credentials: [credentials] });
    const upbit = orchestratorFor(exchange, { credentials });
    const inbox = new Inbox();
    upbit.subscribe({ type: 'myOrder', codes: ['KRW-ETH'] }, inbox.handler);
    await exchange.untilSubscribed({ type: 'myOrder', codes: ['KRW-ETH'] }, { signal: AbortSignal.timeout(5_000) });
    const { connectionIds } = exchange.injectMyOrder('k', { code: 'KRW-ETH' });
    expect(connectionIds).toHaveLength(1);
    await inbox.until((m) => m.type === 'myOrder', 1, 'myOrder event');
  });
});
