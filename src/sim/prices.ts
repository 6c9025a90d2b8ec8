/**
 * Price grid of the simulated markets: Upbit's tick sizes ("호가 단위") per quote currency, and
 * rounding that never leaves binary noise (`0.30000000000000004`) in a message.
 *
 * Sources: https://docs.upbit.com/kr/docs/krw-market-info (KRW table in force since 2025-07-31),
 * https://docs.upbit.com/docs/btc-market-info, https://docs.upbit.com/docs/usdt-market-info.
 */

/** [lower bound (inclusive), tick size], highest bound first. */
type TickTable = readonly (readonly [number, number])[];

const KRW_TICKS: TickTable = [
  [1_000_000, 1_000],
  [500_000, 500],
  [100_000, 100],
  [50_000, 50],
  [10_000, 10],
  [5_000, 5],
  [100, 1],
  [10, 0.1],
  [1, 0.01],
  [0.1, 0.001],
  [0.01, 0.0001],
  [0.001, 0.00001],
  [0.0001, 0.000001],
  [0, 0.0000001],
];

const USDT_TICKS: TickTable = [
  [10, 0.01],
  [1, 0.001],
  [0.1, 0.0001],
  [0.01, 0.00001],
  [0.001, 0.000001],
  [0.0001, 0.0000001],
  [0, 0.00000001],
];

/** BTC markets have a single tick whatever the price. */
const BTC_TICKS: TickTable = [[0, 0.00000001]];

/** The quote currency of a market code (`KRW-BTC` → `KRW`). */
export function quoteOf(code: string): string {
  const dash = code.indexOf('-');
  return dash > 0 ? code.slice(0, dash) : code;
}

/** The base currency of a market code (`KRW-BTC` → `BTC`). */
export function baseOf(code: string): string {
  const dash = code.indexOf('-');
  return dash > 0 ? code.slice(dash + 1) : code;
}

function tableFor(quote: string): TickTable {
  if (quote === 'KRW') return KRW_TICKS;
  if (quote === 'BTC') return BTC_TICKS;
  return USDT_TICKS;
}

/** The tick size for a price in a quote currency. */
export function tickSize(quote: string, price: number): number {
  for (const [floor, tick] of tableFor(quote)) if (price >= floor) return tick;
  return tableFor(quote).at(-1)?.[1] ?? 0.00000001;
}

/** Decimal places needed to print multiples of `step` exactly (at most 8). */
export function decimalsOf(step: number): number {
  for (let decimals = 0; decimals < 8; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return decimals;
  }
  return 8;
}

/** Rounds to a number of decimal places without leaving binary noise. */
export function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/** Snaps a price onto a grid of `step` (`mode` picks the direction). */
export function snap(price: number, step: number, mode: 'nearest' | 'up' | 'down' = 'nearest'): number {
  const units = price / step;
  // A small epsilon keeps 1000.0000000001 / 1000 from rounding up to the next step.
  const whole =
    mode === 'up' ? Math.ceil(units - 1e-9) : mode === 'down' ? Math.floor(units + 1e-9) : Math.round(units);
  return roundTo(whole * step, decimalsOf(step));
}

/** Whether `value` is a whole multiple of `step`. */
export function isMultipleOf(value: number, step: number): boolean {
  const units = value / step;
  return Math.abs(units - Math.round(units)) < 1e-6;
}
