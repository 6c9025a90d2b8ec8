/**
 * Replay: pre-encoded frames sent to one connection as fast as its socket takes them, for
 * data-path benchmarks. Frames go out in batches; the next batch is written once the one before
 * it has left for the kernel, so TCP back-pressure (a slow reader) paces the sender and nothing
 * piles up in the process.
 */
import { OptionError } from '../errors.js';
import type { SimConnection } from './connection.js';

/** Frames written before waiting for the socket: big enough to fill a loopback socket buffer. */
const BATCH = 64;
/** Batches in flight: one being drained while the next is queued, so the socket never runs dry. */
const IN_FLIGHT = 2;

export interface ReplayOptions {
  /** Frames to send in all, cycling through the given frames. */
  readonly count: number;
  /** The public connection to send to; the only open public connection if omitted. */
  readonly connectionId?: string;
}

export interface ReplayResult {
  readonly connectionId: string;
  /** Frames written (fewer than `count` if the connection closed or was silenced on the way). */
  readonly sent: number;
  /** Milliseconds from the first write to the last frame handed to the kernel. */
  readonly ms: number;
}

export function validateReplay(frames: unknown, options: unknown): asserts options is ReplayOptions {
  if (!Array.isArray(frames) || frames.length === 0 || !frames.every((frame) => Buffer.isBuffer(frame))) {
    throw new OptionError('frames', frames, 'a non-empty array of Buffers');
  }
  const { count, connectionId } = (options ?? {}) as Partial<ReplayOptions>;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new OptionError('count', count, 'an integer >= 0');
  if (connectionId !== undefined && typeof connectionId !== 'string') {
    throw new OptionError('connectionId', connectionId, 'the id of an open public connection');
  }
}

/** Picks the connection a replay goes to: the named one, or the only open public one. */
export function replayTarget(open: Iterable<SimConnection>, connectionId: string | undefined): SimConnection {
  const candidates = [...open].filter((connection) => connection.kind === 'public' && !connection.closing);
  if (connectionId !== undefined) {
    const named = candidates.find((connection) => connection.id === connectionId);
    if (named === undefined) throw new OptionError('connectionId', connectionId, 'the id of an open public connection');
    return named;
  }
  if (candidates.length !== 1) {
    throw new OptionError('connectionId', connectionId, `the id of a public connection (${candidates.length} are open)`);
  }
  return candidates[0]!;
}

/** Sends `count` frames, cycling through `frames`, paced by the socket; stops early if the connection cannot send. */
export async function replay(connection: SimConnection, frames: readonly Buffer[], count: number): Promise<ReplayResult> {
  const started = performance.now();
  let queued = 0;
  let sent = 0;
  let next = 0;
  const inFlight: Promise<number>[] = [];
  while (queued < count && connection.canSend) {
    const size = Math.min(BATCH, count - queued);
    const batch: Buffer[] = [];
    for (let i = 0; i < size; i++) {
      batch.push(frames[next]!);
      next = next + 1 === frames.length ? 0 : next + 1;
    }
    inFlight.push(connection.sendFlushed(batch));
    queued += size;
    if (inFlight.length >= IN_FLIGHT) sent += await inFlight.shift()!;
  }
  for (const written of await Promise.all(inFlight)) sent += written;
  return { connectionId: connection.id, sent, ms: performance.now() - started };
}
