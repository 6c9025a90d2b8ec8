/**
 * Every default of upstate, in one place: `resolveOptions` fills options from it, the machines'
 * own delays read it (so a chart run without `provide` behaves like the orchestrator), and the
 * Upbit rate gates take their limits from it.
 */
export const DEFAULTS = Object.freeze({
  /** How long a flush collects changes before it asks for a rate token. */
  debounceMs: 100,
  /** Whether a change that finds the flush idle on an open link goes out at once. */
  leadingEdge: true,
  /** Pause before asking a failing rate gate again. */
  gateRetryMs: 1_000,
  heartbeat: Object.freeze({ intervalMs: 30_000, timeoutMs: 10_000 }),
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, stableMs: 60_000 }),
  lingerMs: 5_000,
  /**
   * The public connection pool. Upbit documents no cap on codes per connection; the embedded
   * exchange refuses a request of more than 4 096 codes (summed over its fields). 500 codes keep
   * a request of eight types per code under that; 16 connections hold 8 000 codes, more than
   * every Upbit market (about 700) ten times over, and open within ~3 s through the 5/s gate.
   */
  pool: Object.freeze({ codesPerConnection: 500, publicConnections: 16 }),
  // Upbit's limits: https://docs.upbit.com/reference/rate-limits
  limits: Object.freeze({ connectPerSecond: 5, messagesPerSecond: 5, messagesPerMinute: 100 }),
});
