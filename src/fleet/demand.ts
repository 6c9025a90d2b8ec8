/**
 * What a fleet client tells its gateway: the whole desired state of one connection kind (replace
 * semantics, as Upbit's own requests), numbered, with the lease it lives for. The gateway renews
 * the lease on every announcement and drops the demand when it runs out.
 */
import { UpstateError, type ErrorCode } from '../errors.js';
import { isRecord } from '../protocol/upbit/json.js';
import type { ConnectionKind } from '../protocol/upbit/types.js';
import type { DesiredEntry, DesiredState, Spec } from '../registry/index.js';
import type { SnapshotMode } from '../registry/spec.js';

/** Version of the wire messages below; a gateway refuses another. */
export const FLEET_PROTOCOL = 1;

export interface Announcement {
  readonly v: typeof FLEET_PROTOCOL;
  /** The client's id, unique per client instance. */
  readonly client: string;
  readonly kind: ConnectionKind;
  /** Moves on every change of the client's demand; renewals repeat it. */
  readonly seq: number;
  /** How long the gateway keeps this demand without a renewal. */
  readonly leaseMs: number;
  readonly specs: readonly Spec[];
}

export type AnnouncementReply =
  | { readonly ok: true; readonly seq: number }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

export interface LastValuesRequest {
  readonly subjects: readonly string[];
}

export interface LastValuesReply {
  /** The cached frame of each subject that has one, as the gateway published it (JSON text). */
  readonly values: readonly { readonly subject: string; readonly frame: string }[];
}

export interface SettledRequest {
  readonly client: string;
  /** The client's latest seq per kind it has demand of; the gateway answers `behind` while it holds none or an older one. */
  readonly seq: Readonly<Partial<Record<ConnectionKind, number>>>;
}

export type SettledReply =
  | { readonly ok: true }
  | { readonly ok: false; readonly behind: true }
  | { readonly ok: false; readonly behind?: false; readonly code: ErrorCode; readonly message: string };

const MODE: Record<string, SnapshotMode> = { 'true true': 'include', 'true false': 'only', 'false true': 'exclude' };

/**
 * The specs that ask for exactly `state`: entries grouped into one spec per (type, level, depth,
 * snapshot mode). Code `''` (every market for myOrder, none for myAsset) becomes a spec without codes.
 */
export function specsOfDesired(state: DesiredState): Spec[] {
  const groups = new Map<string, { entry: DesiredEntry; codes: string[] }>();
  for (const entry of state.entries) {
    // myOrder and myAsset are realtime-only on Upbit: their entries never ask for a snapshot.
    const mode = MODE[`${entry.snapshot} ${entry.realtime}`] ?? 'include';
    const key = `${entry.type} ${entry.level} ${entry.depth} ${mode} ${entry.code === '' ? 'all' : 'codes'}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { entry, codes: [] }));
    if (entry.code !== '') group.codes.push(entry.code);
  }
  const specs: Spec[] = [];
  for (const { entry, codes } of groups.values()) {
    const mode = MODE[`${entry.snapshot} ${entry.realtime}`] ?? 'include';
    specs.push({
      type: entry.type,
      ...(entry.code === '' ? {} : { codes }),
      ...(mode === 'include' ? {} : { snapshot: mode }),
      ...(entry.type === 'orderbook' ? { level: entry.level, depth: entry.depth } : {}),
    });
  }
  return specs;
}

/** Reads an announcement off the wire; throws `ERR_SPEC` naming what is wrong. Specs are checked later, by the registry's own validation. */
export function parseAnnouncement(value: unknown): Announcement {
  if (!isRecord(value)) throw fleetError('an announcement must be a JSON object');
  if (value.v !== FLEET_PROTOCOL) throw fleetError(`announcement protocol ${String(value.v)} is not ${FLEET_PROTOCOL}`);
  const { client, kind, seq, leaseMs, specs } = value;
  if (typeof client !== 'string' || client.length === 0 || client.length > 200) throw fleetError('`client` must be a non-empty id');
  if (kind !== 'public' && kind !== 'private') throw fleetError('`kind` must be "public" or "private"');
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) throw fleetError('`seq` must be a whole number >= 0');
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs <= 0) throw fleetError('`leaseMs` must be a number > 0');
  if (!Array.isArray(specs)) throw fleetError('`specs` must be an array');
  return { v: FLEET_PROTOCOL, client, kind, seq: seq as number, leaseMs, specs: specs as Spec[] };
}

function fleetError(message: string): UpstateError {
  return new UpstateError('ERR_SPEC', `Invalid fleet announcement: ${message}`);
}

/**
 * Lease expiry times per demand id. Time comes from `now`, so tests drive it. While paused (the
 * gateway lost NATS, so nobody can renew) nothing expires; resuming restarts every lease.
 */
export class LeaseTable {
  readonly #until = new Map<string, { until: number; leaseMs: number }>();
  #paused = false;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.#until.size;
  }

  renew(id: string, leaseMs: number): void {
    this.#until.set(id, { until: this.now() + leaseMs, leaseMs });
  }

  delete(id: string): void {
    this.#until.delete(id);
  }

  has(id: string): boolean {
    return this.#until.has(id);
  }

  pause(): void {
    this.#paused = true;
  }

  /** Gives every lease a full term from now: its holder could not renew while we were away. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const [id, { leaseMs }] of this.#until) this.renew(id, leaseMs);
  }

  /** Removes and returns the ids whose lease ran out. */
  takeExpired(): string[] {
    if (this.#paused) return [];
    const now = this.now();
    const expired: string[] = [];
    for (const [id, { until }] of this.#until) if (until <= now) expired.push(id);
    for (const id of expired) this.#until.delete(id);
    return expired;
  }
}
