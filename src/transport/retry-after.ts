/**
 * Milliseconds to wait according to an HTTP Retry-After header, which is either a number of
 * seconds or an HTTP date (RFC 9110 §10.2.3). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(
  header: string | readonly string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1_000);
  // An HTTP date always names its weekday and month; Date.parse alone accepts far more (`-5`).
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
