/**
 * Decides each WebSocket upgrade before it is accepted: the path, the refusal fault, the private
 * handshake's JWT and the connection-rate limits. It never touches sockets; the server acts on
 * the decision.
 */
import type { IncomingMessage } from 'node:http';
import type { PrivateAuth } from './auth.js';
import { type ExchangePath, PRIVATE_PATH, PUBLIC_PATH } from './handle.js';
import { KeyedWindows } from './limits.js';
import type { ResolvedExchangeOptions } from './options.js';

export type UpgradeDecision =
  | {
      readonly accept: true;
      readonly path: ExchangePath;
      readonly accessKey: string | undefined;
      /** Set in `authFailure: 'frame'` mode: accept, then send INVALID_AUTH and close. */
      readonly authError: string | undefined;
    }
  | { readonly accept: false; readonly status: number; readonly reason: string; readonly retryAfterMs?: number };

export class UpgradeGate {
  private connects: KeyedWindows | undefined;
  private connectsWithOrigin: KeyedWindows | undefined;
  private refuseUntil = Number.NEGATIVE_INFINITY;
  private refuseStatus = 429;

  constructor(
    private readonly options: ResolvedExchangeOptions,
    private readonly auth: PrivateAuth,
  ) {
    this.reset();
  }

  decide(request: IncomingMessage, now: number): UpgradeDecision {
    const path = pathOf(request.url);
    if (path !== PUBLIC_PATH && path !== PRIVATE_PATH) return { accept: false, status: 404, reason: `no WebSocket at ${path}` };
    if (now < this.refuseUntil) {
      return { accept: false, status: this.refuseStatus, reason: 'upgrades refused (fault)', retryAfterMs: this.refuseUntil - now };
    }

    let accessKey: string | undefined;
    let authError: string | undefined;
    if (path === PRIVATE_PATH) {
      const auth = this.auth.authenticate(request.headers.authorization);
      if (auth.ok) accessKey = auth.accessKey;
      else if (this.options.authFailure === 'http') return { accept: false, status: 401, reason: auth.reason };
      else authError = auth.reason;
    }

    const address = request.socket.remoteAddress ?? 'unknown';
    // Upbit counts connection requests per IP, or per account when the handshake is authenticated.
    const rateKey = accessKey === undefined ? `ip:${address}` : `key:${accessKey}`;
    const withOrigin = request.headers.origin !== undefined;
    if (this.connects !== undefined && !this.connects.allows(rateKey, now)) {
      return { accept: false, status: 429, reason: 'too many connection requests', retryAfterMs: 1_000 };
    }
    if (withOrigin && this.connectsWithOrigin !== undefined && !this.connectsWithOrigin.allows(address, now)) {
      return { accept: false, status: 429, reason: 'too many connection requests with an Origin header', retryAfterMs: 10_000 };
    }
    // Only admitted requests count (Upbit: failed requests are not counted).
    this.connects?.record(rateKey, now);
    if (withOrigin) this.connectsWithOrigin?.record(address, now);
    return { accept: true, path, accessKey, authError };
  }

  /** Refuses every upgrade with `status` until `now + ms`. */
  refuseFor(now: number, ms: number, status: number): void {
    this.refuseUntil = now + ms;
    this.refuseStatus = status;
  }

  /** Forgets the rate windows and any pending refusal (a restarted server). */
  reset(): void {
    const limits = this.options.limits;
    this.connects = limits === undefined ? undefined : new KeyedWindows(limits.connectPerSecond, 1_000);
    this.connectsWithOrigin = limits === undefined ? undefined : new KeyedWindows(limits.connectWithOriginPer10Seconds, 10_000);
    this.refuseUntil = Number.NEGATIVE_INFINITY;
  }
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://exchange.invalid').pathname;
  } catch {
    return url ?? '/';
  }
}
