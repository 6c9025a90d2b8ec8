/** The comparison as a table: naive sending vs the pending flush, with the ratios between them. */
import { UPBIT_MARGIN_MS } from '../rate/upbit.js';
import type { ComparisonRow } from './comparison.js';
import { formatMs, formatTable } from './format.js';

/** naive ÷ flush: "100×", "9.5×", "0.62×" (below 1×, the naive side did better). */
function ratio(naive: number, flush: number): string {
  if (flush <= 0) return '–';
  const value = naive / flush;
  const digits = Number.isInteger(value) || value >= 10 ? 0 : value >= 1 ? 1 : 2;
  return `${value.toFixed(digits)}×`;
}

export function comparisonLines(rows: readonly ComparisonRow[]): string[] {
  const table = formatTable(
    ['requests', 'messages', 'full state', 'settled', 'messages', 'full state', 'settled', 'messages', 'settled'],
    rows.map(({ requests, naive, flush }) => [
      String(requests),
      String(naive.messages),
      formatMs(naive.fullStateMs),
      formatMs(naive.settledMs),
      String(flush.messages),
      formatMs(flush.fullStateMs),
      formatMs(flush.settledMs),
      ratio(naive.messages, flush.messages),
      ratio(naive.settledMs, flush.settledMs),
    ]),
    ['right'],
  );
  const widths = (table[1] ?? '').split('  ').map((rule) => rule.length);
  // A group heading over each side's three columns.
  const span = (from: number, to: number): number => widths.slice(from, to).reduce((sum, w) => sum + w, 0) + 2 * (to - from - 1);
  const group = (title: string, from: number, to: number): string => title.padEnd(span(from, to));
  const heading = [' '.repeat(widths[0] ?? 0), group('naive: a message per change', 1, 4), group('pending flush', 4, 7), 'naive ÷ flush']
    .join('  ')
    .trimEnd();
  return [
    'Naive sending vs the pending flush — concurrent requests, measured in this run on the embedded exchange',
    `(Upbit's limits of 5 messages/s and 100/min per connection, kept by both sides with a ${UPBIT_MARGIN_MS} ms margin;`,
    ' each side on an exchange of its own)',
    '',
    heading,
    ...table,
    '',
    'full state: a message gave the exchange every requested stream · settled: the last message arrived,',
    `nothing more is on its way. An idle flush sends at once (leading edge) and absorbs what follows; the naive sender spends one`,
    'rate-limit slot per change, so the connection stays busy (and later changes queue) for N/5 seconds.',
  ];
}
