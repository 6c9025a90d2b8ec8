/**
 * Date and time strings exactly as Upbit prints them. All are UTC except `candle_date_time_kst`.
 * - ticker `trade_date` / `trade_time`: `yyyyMMdd` / `HHmmss`
 * - trade `trade_date` / `trade_time`: `yyyy-MM-dd` / `HH:mm:ss`
 * - 52-week dates: `yyyy-MM-dd`
 * - candles: `yyyy-MM-ddTHH:mm:ss` (no zone suffix), UTC and KST (UTC+9)
 */

const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** `2025-01-02T03:04:05` for an epoch in milliseconds. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function dashedDate(ms: number): string {
  return isoSeconds(ms).slice(0, 10);
}

export function colonTime(ms: number): string {
  return isoSeconds(ms).slice(11, 19);
}

export function compactDate(ms: number): string {
  return dashedDate(ms).replaceAll('-', '');
}

export function compactTime(ms: number): string {
  return colonTime(ms).replaceAll(':', '');
}

export function candleTimeUtc(ms: number): string {
  return isoSeconds(ms);
}

export function candleTimeKst(ms: number): string {
  return isoSeconds(ms + KST_OFFSET_MS);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Start of the UTC day holding `ms`; Upbit's ticker day (opening price, accumulations) starts at 00:00 UTC. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export { DAY_MS };
