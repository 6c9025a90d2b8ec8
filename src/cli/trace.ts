/**
 * Inspection events as safe, bounded JSON: actor refs become ids, snapshots become value and
 * context, and no string leaves with a secret in it (known secrets, `Bearer …` headers and
 * anything shaped like a JWT are replaced by `[redacted]`).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { UsageError } from './args.js';

export const REDACTED = '[redacted]';

export interface SafeJsonOptions {
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly maxString: number;
  /** Whether an actor ref (`{ xstate$$type, id }` once serialized) becomes its bare id. */
  readonly refsAsIds: boolean;
}

/** Keeps one traced event to a few kilobytes whatever a context holds. */
export const TRACE_JSON: SafeJsonOptions = { maxDepth: 6, maxItems: 50, maxString: 300, refsAsIds: true };
/** For the Stately inspector: its shapes kept whole (machine definitions are long strings; it bounds the depth itself). */
export const INSPECTOR_JSON: SafeJsonOptions = {
  maxDepth: 12,
  maxItems: Number.POSITIVE_INFINITY,
  maxString: Number.POSITIVE_INFINITY,
  refsAsIds: false,
};

const BEARER = /Bearer\s+\S+/gi;
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g;

/** Replaces every secret, bearer token and JWT inside `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let clean = text.replace(BEARER, REDACTED).replace(JWT, REDACTED);
  for (const secret of secrets) if (secret !== '' && clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
  return clean;
}

/**
 * A JSON-safe copy of `value`: `toJSON` honoured (xstate snapshots and actor refs have one),
 * cycles cut, errors reduced to name, message and code, every string redacted, `options` applied.
 */
export function toSafeJson(value: unknown, secrets: readonly string[], options: SafeJsonOptions = TRACE_JSON): unknown {
  const ancestors: object[] = [];
  const walk = (input: unknown, depth: number): unknown => {
    let current = input;
    if (typeof current === 'string') {
      const clean = redactText(current, secrets);
      return clean.length > options.maxString ? `${clean.slice(0, options.maxString)}…` : clean;
    }
    if (typeof current === 'number') return Number.isFinite(current) ? current : String(current);
    if (typeof current === 'boolean' || current === null || current === undefined) return current;
    if (typeof current === 'bigint' || typeof current === 'symbol') return String(current);
    if (typeof current === 'function') return `[function ${current.name || 'anonymous'}]`;
    if (current instanceof Error) current = { name: current.name, message: current.message, ...codeOf(current) };
    else if (typeof (current as { toJSON?: unknown }).toJSON === 'function') current = (current as { toJSON(): unknown }).toJSON();
    if (typeof current !== 'object' || current === null) return walk(current, depth);
    if (options.refsAsIds && 'xstate$$type' in current) return walk((current as RefLike).id, depth);
    if (ancestors.includes(current)) return '[circular]';
    if (depth >= options.maxDepth) return '[…]';
    ancestors.push(current);
    try {
      if (current instanceof Map) current = Object.fromEntries(current);
      if (current instanceof Set || Array.isArray(current)) {
        const items = [...(current as Iterable<unknown>)];
        const kept = items.slice(0, options.maxItems).map((item) => walk(item, depth + 1));
        if (items.length > kept.length) kept.push(`… ${items.length - kept.length} more`);
        return kept;
      }
      const out: Record<string, unknown> = {};
      let count = 0;
      for (const [key, entry] of Object.entries(current as object)) {
        if (entry === undefined) continue;
        if (count++ >= options.maxItems) {
          out['…'] = 'more keys';
          break;
        }
        out[redactText(key, secrets)] = walk(entry, depth + 1);
      }
      return out;
    } finally {
      ancestors.pop();
    }
  };
  return walk(value, 0);
}

function codeOf(error: Error): { code?: unknown } {
  const code = (error as { code?: unknown }).code;
  return code === undefined ? {} : { code };
}

interface RefLike {
  readonly id?: string;
  readonly sessionId?: string;
  readonly logic?: { readonly config?: { readonly id?: unknown } };
}

/** `actorRef` → its id (a root's machine id, since a root's own id is its session id) and session id. */
function actorOf(ref: unknown): { actor: string | undefined; session: string | undefined } {
  const r = (ref ?? {}) as RefLike;
  const machineId = r.logic?.config?.id;
  const actor = r.id === r.sessionId && typeof machineId === 'string' ? machineId : r.id;
  return { actor, session: r.sessionId };
}

/** A snapshot reduced to what the trace needs: status, state value and context (machines), or output/error. */
function snapshotOf(snapshot: unknown): Record<string, unknown> {
  const s = (snapshot ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = { status: s.status };
  for (const key of ['value', 'context', 'output', 'error']) if (s[key] !== undefined) kept[key] = s[key];
  return kept;
}

/** One inspection event as a trace record (plain, bounded, redacted); `at` is epoch milliseconds. */
export function traceRecord(event: InspectionEvent, secrets: readonly string[], at = Date.now()): unknown {
  const base = { at, type: event.type, ...actorOf(event.actorRef), root: event.rootId };
  let detail: Record<string, unknown>;
  switch (event.type) {
    case '@xstate.event':
      detail = { event: event.event, source: event.sourceRef?.sessionId };
      break;
    case '@xstate.snapshot':
    case '@xstate.transition':
    case '@xstate.microstep':
      detail = { event: event.event, snapshot: snapshotOf(event.snapshot) };
      break;
    case '@xstate.action':
      detail = { action: event.action };
      break;
    case '@xstate.actor':
      detail = { parent: (event.actorRef as { _parent?: RefLike })._parent?.sessionId };
      break;
    default:
      detail = {};
  }
  return toSafeJson({ ...base, ...detail }, secrets);
}

/** Appends one JSON line per inspection event to a file, synchronously (the trace survives a crash). */
export class TraceFile {
  readonly #fd: number;
  readonly #secrets: readonly string[];
  #closed = false;
  #lines = 0;

  /** Creates (or truncates) `path`; a path that cannot be written is a usage error. */
  constructor(path: string, secrets: readonly string[]) {
    try {
      this.#fd = openSync(path, 'w');
    } catch (error) {
      throw new UsageError(`--trace cannot write '${path}': ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    this.#secrets = secrets;
  }

  get lines(): number {
    return this.#lines;
  }

  write(event: InspectionEvent): void {
    if (this.#closed) return;
    writeSync(this.#fd, `${JSON.stringify(traceRecord(event, this.#secrets))}\n`);
    this.#lines++;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}
