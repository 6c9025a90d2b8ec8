import type { OrderbookMessage } from '../protocol/upbit/types.js';

/**
 * The book cut to its best `depth` price levels, for a subscriber that asked for fewer levels
 * than the server sends (the registry asks for the largest depth anyone wants). A copy when the
 * book is deeper, the book itself otherwise. Totals are left as the server sent them.
 */
export function cutBook(book: OrderbookMessage, depth: number): OrderbookMessage {
  const units = book.orderbook_units;
  return units.length > depth ? { ...book, orderbook_units: units.slice(0, depth) } : book;
}

/** Whether `message` can stand for a book of `depth` levels (every other type always can). */
export function isDeepEnough(message: { readonly type: string }, depth: number): boolean {
  return message.type !== 'orderbook' || (message as OrderbookMessage).orderbook_units.length >= depth;
}
