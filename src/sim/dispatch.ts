/**
 * Which REALTIME messages of a tick reach one subscription: ticker and trade on a trade, orderbook
 * when the book moved, a candle unit when its message is due. Unlisted markets produce nothing
 * (Upbit accepts any well-formed code and simply has nothing to send for it).
 */
import type { PublicType, UpbitMessage } from '../protocol/upbit/types.js';
import type { MarketChange, MarketData } from './market-data.js';
import type { StreamTarget, Subscription } from './subscription.js';

const ON_TRADE: readonly PublicType[] = ['trade', 'ticker'];

export function realtimeMessages(
  subscription: Subscription,
  changes: readonly MarketChange[],
  markets: MarketData,
): UpbitMessage[] {
  const messages: UpbitMessage[] = [];
  const add = (targets: readonly StreamTarget[] | undefined): void => {
    for (const target of targets ?? []) {
      const message = markets.realtime(target);
      if (message !== undefined) messages.push(message);
    }
  };
  for (const { code, step } of changes) {
    const byType = subscription.realtimeOf(code);
    if (byType === undefined) continue;
    if (step.traded) for (const type of ON_TRADE) add(byType.get(type));
    if (step.bookChanged) add(byType.get('orderbook'));
    for (const type of step.candles) add(byType.get(type));
  }
  return messages;
}
