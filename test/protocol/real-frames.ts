/**
 * Frames from Upbit's live exchange as published in public repositories (kind `capture`) and
 * Upbit's own examples (kind `doc`), each with its source: `real-frames.json`, a verbatim copy of
 * the project's shared fixture file. Frames older than 2024 lack fields Upbit added since (trade
 * `best_*`, orderbook `level`): that is their age, not an error.
 *
 * `exactly` is the tests' independent reading of a frame: `JSON.parse` after quoting every bare
 * integer of 16 or more digits, so a trade id keeps all its digits (the decoder finds them
 * another way, see src/protocol/upbit/wide-integers.ts).
 */
import { readFileSync } from 'node:fs';
import { fromSimple } from '../../src/protocol/upbit/keys.js';
import type { DataType } from '../../src/protocol/upbit/types.js';
import { isDataType } from '../../src/protocol/upbit/types.js';

export interface RealFrame {
  readonly source: string;
  readonly kind: 'capture' | 'doc';
  readonly label: string;
  /** DEFAULT, SIMPLE, JSON_LIST; `-` for control frames; `legacy` for the 2018 wire format. */
  readonly format: string;
  /** The frame's text exactly as published. */
  readonly raw: string;
}

export const REAL_FRAMES: readonly RealFrame[] = JSON.parse(
  readFileSync(new URL('./real-frames.json', import.meta.url), 'utf8'),
) as RealFrame[];

/** The frame's JSON with integers of 16+ digits kept as their digit strings. */
export function exactly(raw: string): unknown {
  return JSON.parse(raw.replace(/([:[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}

/** One data message of a frame with DEFAULT names, as the decoder must deliver it. */
export function expectedMessage(item: Record<string, unknown>): Record<string, unknown> {
  const named = item.type === undefined ? (fromSimple(item) as unknown as Record<string, unknown>) : { ...item };
  if (named.type === 'myAsset' && named.code === undefined) named.code = '';
  return named;
}

/** The data type of a data message (DEFAULT or SIMPLE names), else `undefined`. */
export function typeOf(item: unknown): DataType | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { type, ty } = item as { type?: unknown; ty?: unknown };
  const value = type ?? ty;
  return isDataType(value) ? value : undefined;
}

/** The frames that carry data messages (one object, or a list). */
export const DATA_FRAMES = REAL_FRAMES.filter(({ format }) => ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'].includes(format)).filter(
  ({ raw }) => {
    const value = exactly(raw);
    return Array.isArray(value) ? value.every((item) => typeOf(item) !== undefined) : typeOf(value) !== undefined;
  },
);

/** Each data frame's messages as the oracle reads them, DEFAULT names. */
export function expectedMessages(frame: RealFrame): Record<string, unknown>[] {
  const value = exactly(frame.raw);
  return (Array.isArray(value) ? value : [value]).map((item) => expectedMessage(item as Record<string, unknown>));
}

/** A millisecond timestamp, for choosing "the newest capture" of a type. */
export function timestampOf(message: Record<string, unknown>): number {
  return typeof message.timestamp === 'number' ? message.timestamp : 0;
}
