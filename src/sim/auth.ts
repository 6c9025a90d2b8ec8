/**
 * The private endpoint's handshake check: `Authorization: Bearer <JWT>` signed with a known key
 * pair (https://docs.upbit.com/kr/reference/auth), and a nonce never seen before for that key.
 */
import type { UpbitCredentials } from '../protocol/upbit/jwt.js';
import { verifyToken } from '../protocol/upbit/jwt.js';

export type AuthResult = { readonly ok: true; readonly accessKey: string } | { readonly ok: false; readonly reason: string };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class PrivateAuth {
  private readonly secrets: ReadonlyMap<string, string>;
  /** `accessKey\nnonce` of every token accepted so far. */
  private readonly usedNonces = new Set<string>();

  constructor(credentials: readonly UpbitCredentials[]) {
    this.secrets = new Map(credentials.map(({ accessKey, secretKey }) => [accessKey, secretKey]));
  }

  /** Checks the handshake's `Authorization` header; an accepted token's nonce is spent. */
  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing Authorization header' };
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) return { ok: false, reason: 'Authorization is not a Bearer token' };
    const verified = verifyToken(token, (accessKey) => this.secrets.get(accessKey));
    if (!verified.ok) return { ok: false, reason: verified.reason };
    const nonceKey = `${verified.accessKey}\n${verified.nonce}`;
    if (this.usedNonces.has(nonceKey)) return { ok: false, reason: 'nonce already used' };
    this.usedNonces.add(nonceKey);
    return { ok: true, accessKey: verified.accessKey };
  }

  /** Forgets every spent nonce (a restarted server has no memory of them). */
  forgetNonces(): void {
    this.usedNonces.clear();
  }
}
