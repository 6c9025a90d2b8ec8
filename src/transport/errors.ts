import { UpstateError } from '../errors.js';

export interface LinkErrorDetails {
  /** HTTP status of a refused upgrade (429, 418, 401, …). */
  readonly status?: number;
  /** Milliseconds the server asked us to wait (its Retry-After header). */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A WebSocket could not be opened, or a frame could not be sent on it. Carries what the
 * connection statechart needs to decide how long to back off, and never a credential.
 */
export class LinkError extends UpstateError {
  override name = 'LinkError';
  /** HTTP status of a refused upgrade: 429 (rate limited), 418 (blocked), 401 (bad JWT), … */
  readonly status?: number;
  /** From the refusal's Retry-After header, if it had one. */
  readonly retryAfterMs?: number;
  /** What went wrong, in a few words (`HTTP 429 Too Many Requests`, `connect ECONNREFUSED …`). */
  readonly reason: string;

  constructor(reason: string, { status, retryAfterMs, cause }: LinkErrorDetails = {}) {
    super('ERR_LINK', `WebSocket link failed: ${reason}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
    if (status !== undefined) this.status = status;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** The link was told to stop opening (an aborted signal or `close()`). */
export function openAbortedError(why: string, cause?: unknown): UpstateError {
  return new UpstateError('ERR_ABORTED', `WebSocket open was aborted: ${why}`, { cause });
}
