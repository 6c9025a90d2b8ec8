/**
 * Frames captured from Upbit, end to end: the embedded exchange replays each one (`sendFrame`)
 * on the connection an orchestrator opened, and the subscriber receives the message with every
 * field and value intact (trade ids with all their digits). The exchange trades only KRW-ETH, so
 * nothing but the replayed frame reaches these subscribers.
 */
import { describe, expect, it } from 'vitest';
import { OptionError, type UpstateError } from '../../src/errors.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import type { Spec } from '../../src/registry/index.js';
import { onlyConnection } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor, waitUntil } from '../support/wait.js';
import { DATA_FRAMES, REAL_FRAMES, expectedMessages } from '../protocol/real-frames.js';

const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

function specOf(message: Record<string, unknown>): Spec {
  if (message.type === 'myAsset') return { type: 'myAsset' } as Spec;
  return { type: message.type, codes: [message.code] } as Spec;
}

async function replayTo(format: 'DEFAULT' | 'SIMPLE', raw: string, expected: Record<string, unknown>): Promise<UpbitMessage> {
  const exchange = await startTestExchange({ markets: ['KRW-ETH'], credentials: [ALICE] });
  const upbit = orchestratorFor(exchange, { credentials: ALICE, format });
  const inbox = new Inbox();
  upbit.subscribe(specOf(expected), inbox.handler);
  await upbit.settled();
  const kind = expected.type === 'myOrder' || expected.type === 'myAsset' ? 'private' : 'public';
  await waitUntil(
    () => exchange.connections().some((connection) => connection.kind === kind && connection.subscription.length > 0),
    [[exchange, 'request']],
    `the ${kind} subscription`,
  );
  expect(exchange.sendFrame(raw, onlyConnection(exchange, kind).id)).toBe(1);
  const [delivered] = await inbox.until((message) => message.timestamp === expected.timestamp, 1, 'the replayed frame');
  return delivered!;
}

describe('captured frames through createOrchestrator', () => {
  it.each(DATA_FRAMES.map((frame) => [`${frame.label} (${frame.format})`, frame] as const))(
    '%s reaches its subscriber with every field and value intact',
    async (_label, frame) => {
      const [expected] = expectedMessages(frame);
      // The connection's own format does not matter: the decoder reads either naming.
      const delivered = await replayTo(frame.format.startsWith('SIMPLE') ? 'SIMPLE' : 'DEFAULT', frame.raw, expected!);
      expect(delivered).toStrictEqual(expected);
    },
  );

  it('delivers a 17-digit odd trade id with all its digits', async () => {
    const captured = REAL_FRAMES.find((frame) => frame.label.startsWith('trade KRW-BTC REALTIME'))!;
    // The captured trade with today's id length (a trade at 1785395043779 ms, its first of that millisecond).
    const raw = captured.raw.replace('"sequential_id":1621697844000001', '"sequential_id":17853950437790001');
    expect(raw).not.toBe(captured.raw);
    const [expected] = expectedMessages({ ...captured, raw });
    expect(expected).toMatchObject({ sequential_id: '17853950437790001' });
    expect(await replayTo('DEFAULT', raw, expected!)).toStrictEqual(expected);
  });

  it('sendFrame refuses what is not a frame, and an unknown connection, changing nothing', async () => {
    const exchange = await startTestExchange();
    expect(() => exchange.sendFrame(42 as unknown as string)).toThrow(OptionError);
    expect(() => exchange.sendFrame('{}', 'c99')).toThrow(OptionError);
    expect(exchange.sendFrame('{}')).toBe(0);
    expect(exchange.counters.framesSent).toBe(0);
  });

  it("reports a captured error frame on the orchestrator's error event", async () => {
    const exchange = await startTestExchange({ markets: ['KRW-ETH'] });
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
    await upbit.settled();
    await waitUntil(() => exchange.connections().length === 1, [[exchange, 'connection']], 'the connection');
    const error = waitFor(upbit, 'error');
    exchange.sendFrame(REAL_FRAMES.find((frame) => frame.label === 'error NO_TICKET')!.raw);
    const [received] = (await error) as [UpstateError & { upbitName?: string }];
    expect(received).toMatchObject({ code: 'ERR_UPBIT', upbitName: 'NO_TICKET' });
  });
});
