/**
 * A rate gate hands out permission to do one rate-limited thing (open a connection, send a
 * message). The strategy behind it is swappable: the in-process sliding window here, or a
 * shared store when several processes count against the same Upbit account.
 */
export interface RateGate {
  /**
   * Resolves once a grant is available and has been taken. Waiters are served first come,
   * first served. Rejects with `UpstateError('ERR_ABORTED')` when `signal` aborts (the grant
   * is then not taken) or when the gate is closed.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Takes a grant if one is available right now and nobody is waiting; never waits. */
  tryAcquire(): boolean;
  /** Milliseconds until `acquire()` called now would be granted; 0 if a grant is free now. */
  delayMs(): number;
}
