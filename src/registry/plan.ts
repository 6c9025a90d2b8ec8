import { DEFAULT_ORDERBOOK_DEPTH, isPrivateType, type DataType, type TypeField } from '../protocol/upbit/types.js';
import { streamKey, typeRank, type DesiredEntry, type DesiredState } from './desired.js';

/** Which stream flags a field carries. Declared in the order fields are sent. */
const FLAGS = ['both', 'snapshotOnly', 'realtimeOnly', 'none'] as const;
type Flags = (typeof FLAGS)[number];

interface FieldDraft {
  readonly type: DataType;
  readonly level: number;
  readonly flags: Flags;
  readonly codes: string[];
}

/**
 * The type fields of the next request for a connection.
 *
 * Upbit has no unsubscribe: each request replaces the connection's whole subscription, so the
 * fields always carry the full desired state. Streams new since `acknowledged` (what the server
 * already has; `undefined` after a (re)connect) ask for the SNAPSHOT when a subscriber wants it;
 * streams already acknowledged are sent realtime-only, so nobody gets a second snapshot
 * (Upbit accepts several fields of one type in a request). Snapshot-only streams already
 * acknowledged are left out: the server delivered them.
 *
 * Codes are grouped into one field per (type, level, flags), in a deterministic order; orderbook
 * codes carry `.N` when the depth is not 30. myOrder and myAsset are event streams and carry no
 * flags; all-markets myOrder and myAsset carry no codes.
 *
 * Returns `[]` when nothing has to go on the wire: nothing is desired (Upbit refuses an empty
 * request; close the connection instead), or the server already delivered everything wanted.
 */
export function planRequest(desired: DesiredState, acknowledged: DesiredState | undefined): TypeField[] {
  const sent = new Map<string, DesiredEntry>();
  for (const entry of acknowledged?.entries ?? []) sent.set(streamKey(entry), entry);

  const drafts = new Map<string, FieldDraft>();
  const add = (entry: DesiredEntry, flags: Flags): void => {
    const key = `${entry.type} ${entry.level} ${flags}`;
    let draft = drafts.get(key);
    if (draft === undefined) {
      draft = { type: entry.type, level: entry.level, flags, codes: [] };
      drafts.set(key, draft);
    }
    if (entry.code !== '') draft.codes.push(wireCode(entry));
  };

  const snapshotOnly: DesiredEntry[] = [];
  for (const entry of desired.entries) {
    if (isPrivateType(entry.type)) {
      add(entry, 'none');
      continue;
    }
    const isNew = !sent.has(streamKey(entry));
    const snapshot = isNew && entry.snapshot;
    if (snapshot && entry.realtime) add(entry, 'both');
    else if (snapshot) add(entry, 'snapshotOnly');
    else if (entry.realtime) add(entry, 'realtimeOnly');
    else snapshotOnly.push(entry);
  }

  // Only acknowledged snapshot-only streams remain, yet the server may still stream something
  // nobody wants: re-ask those snapshots, since any request replaces the old subscription.
  if (drafts.size === 0 && acknowledged?.entries.some((entry) => entry.realtime)) {
    for (const entry of snapshotOnly) add(entry, 'snapshotOnly');
  }

  return [...drafts.values()].sort(compareDrafts).map(toField);
}

/** `KRW-BTC`, or `KRW-BTC.15` for an orderbook of another depth than Upbit's default. */
function wireCode(entry: DesiredEntry): string {
  return entry.type === 'orderbook' && entry.depth !== DEFAULT_ORDERBOOK_DEPTH ? `${entry.code}.${entry.depth}` : entry.code;
}

/** Fields follow the entries' order (type, level), then flags; their codes are already sorted. */
function compareDrafts(a: FieldDraft, b: FieldDraft): number {
  return typeRank(a.type) - typeRank(b.type) || a.level - b.level || FLAGS.indexOf(a.flags) - FLAGS.indexOf(b.flags);
}

function toField(draft: FieldDraft): TypeField {
  return {
    type: draft.type,
    ...(draft.codes.length > 0 ? { codes: draft.codes } : {}),
    // Level 0 is Upbit's default and level is accepted on KRW markets only: leave it out unless asked.
    ...(draft.level !== 0 ? { level: draft.level } : {}),
    ...(draft.flags === 'snapshotOnly' ? { isOnlySnapshot: true } : {}),
    ...(draft.flags === 'realtimeOnly' ? { isOnlyRealtime: true } : {}),
  };
}
