/**
 * The gateways' leader lease in NATS JetStream KV: one key in a bucket whose `ttl` (the stream's
 * max age) is the lease. The active gateway renews it with an update on the revision it holds; a
 * standby claims it with an atomic create, which succeeds only once the server has dropped the
 * key. The revision of that create is the **epoch**: it only grows (it is the stream's sequence),
 * so frames stamped with it let clients tell a newer gateway from a deposed one.
 */
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { UpstateError } from '../errors.js';
import { loadFleet } from './nats.js';

const KEY = 'active';

/** What a gateway sees of the lease. I/O only; the role chart decides what to do with it. */
export interface LeaseStore {
  /** Claims the lease if nobody holds it: the epoch (and the revision to renew), or undefined. */
  claim(): Promise<{ epoch: number; revision: number } | undefined>;
  /** Renews the lease held at `revision`: the new revision. Throws `LeaseTaken` if it is not ours any more. */
  renew(revision: number): Promise<number>;
  /** Gives the lease up at once (a clean shutdown), so a standby need not wait for it to run out. */
  release(revision: number): Promise<void>;
}

/** The lease is held by someone else (our revision is gone). */
export class LeaseTaken extends Error {}

/** The bucket's name for a subject prefix: KV names allow letters, digits, `-` and `_`. */
export function leaseBucket(prefix: string): string {
  return `upstate-gateway-${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Whether the NATS server this connection reached runs JetStream for its account. */
export async function hasJetStream(nats: NatsConnection): Promise<boolean> {
  const { jetstream } = await loadFleet();
  try {
    const jsm = await jetstream.jetstreamManager(nats, { timeout: 2_000 });
    await jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  }
}

/** Opens (or creates) the lease bucket of `prefix` with `leaseMs` as its TTL. */
export async function openLeaseStore(nats: NatsConnection, prefix: string, holder: string, leaseMs: number): Promise<LeaseStore> {
  const { Kvm } = (await loadFleet()).kv;
  let kv: KV;
  try {
    kv = await new Kvm(nats).create(leaseBucket(prefix), { ttl: leaseMs, history: 1 });
  } catch (error) {
    throw new UpstateError(
      'ERR_OPTION',
      `Could not open the gateways' lease bucket ${leaseBucket(prefix)} (every gateway of a prefix must use the same leaseMs): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const value = JSON.stringify({ holder });
  return {
    async claim() {
      try {
        const revision = await kv.create(KEY, value);
        return { epoch: revision, revision };
      } catch (error) {
        if (isWrongRevision(error)) return undefined;
        throw error;
      }
    },
    async renew(revision) {
      try {
        return await kv.update(KEY, value, revision);
      } catch (error) {
        if (isWrongRevision(error)) throw new LeaseTaken(`the lease moved on from revision ${revision}`);
        throw error;
      }
    },
    async release(revision) {
      await kv.delete(KEY, { previousSeq: revision }).catch(() => undefined);
    },
  };
}

/** JetStream's "wrong last sequence" (10071) or "key exists": someone else's revision is current. */
function isWrongRevision(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /wrong last sequence|key exists|10071/i.test(message) || (error as { api_error?: { err_code?: number } })?.api_error?.err_code === 10071;
}
