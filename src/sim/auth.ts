/**
 * The private endpoint's handshake check: `Authorization: Bearer <JWT>` signed with a known key
 * pair (https://docs.upbit.com/kr/reference/auth), and a nonce not seen recently for that key.
 *
 * Upbit's tokens carry no timestamp, so there is no age after which a nonce could be forgotten
 * safely. The rule instead: a nonce is refused while it is among the last `keepNonces` nonces
 * accepted for its access key. Only a token that verifies is remembered, so only the key's holder
 * can push an old nonce out, and the memory is bounded by keys × `keepNonces`.
 */
import type { UpbitCredentials } from '../protocol/upbit/jwt.js';
import { verifyToken } from '../protocol/upbit/jwt.js';

export type AuthResult = { readonly ok: true; readonly accessKey: string } | { readonly ok: false; readonly reason: string };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class PrivateAuth {
  private readonly secrets: ReadonlyMap<string, string>;
  /** Per access key, the most recent accepted nonces, oldest first (a `Set` keeps insertion order). */
  private readonly usedNonces = new Map<string, Set<string>>();

  constructor(
    credentials: readonly UpbitCredentials[],
    private readonly keepNonces: number,
  ) {
    this.secrets = new Map(credentials.map(({ accessKey, secretKey }) => [accessKey, secretKey]));
  }

  /** Checks the handshake's `Authorization` header; an accepted token's nonce is spent. */
  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing Authorization header' };
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) return { ok: false, reason: 'Authorization is not a Bearer token' };
    const verified = verifyToken(token, (accessKey) => this.secrets.get(accessKey));
    if (!verified.ok) return { ok: false, reason: verified.reason };
    let spent = this.usedNonces.get(verified.accessKey);
    if (spent === undefined) {
      spent = new Set();
      this.usedNonces.set(verified.accessKey, spent);
    }
    if (spent.has(verified.nonce)) return { ok: false, reason: 'nonce already used' };
    spent.add(verified.nonce);
    if (spent.size > this.keepNonces) spent.delete(spent.values().next().value!);
    return { ok: true, accessKey: verified.accessKey };
  }

  /** Forgets every spent nonce (a restarted server has no memory of them). */
  forgetNonces(): void {
    this.usedNonces.clear();
  }
}
