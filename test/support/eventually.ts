/**
 * Polling on the real clock, for tests across processes (nats-server, gateways, fleet clients)
 * where there is no event in this process to await.
 */

/** How often `eventually` checks again (real milliseconds). */
const POLL_MS = 20;

/** Resolves with the milliseconds it took once `check()` holds; rejects naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`eventually: ${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return Date.now() - start;
}
