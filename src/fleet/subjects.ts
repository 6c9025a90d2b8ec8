/**
 * NATS subjects of a fleet. Data: `<prefix>.<type>.<code>`, with the type as one token
 * (`candle.1s` → `candle_1s`) and orderbook levels as a token of their own
 * (`<prefix>.orderbook.<level>.<code>`, `1.5` → `1_5`). Private streams travel under a prefix of
 * their own, so NATS permissions can keep them to the users allowed to see them. Control
 * subjects live under `<prefix>.ctl` (`ctl` is no data type, so no stream ever lands there).
 */
import { OptionError } from '../errors.js';
import { isPrivateType, type ConnectionKind, type DataType, type UpbitMessage } from '../protocol/upbit/types.js';

/** @default 'upstate' */
export const DEFAULT_PREFIX = 'upstate';
/** @default 'upstate-private' */
export const DEFAULT_PRIVATE_PREFIX = 'upstate-private';

export interface Prefixes {
  /** Public streams and control subjects. */
  readonly public: string;
  /** Private streams (myOrder, myAsset) and private demand. */
  readonly private: string;
}

/** A NATS subject prefix: tokens of letters, digits, `-` and `_`, separated by dots. */
const PREFIX = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Checks both prefixes; they must not contain one another, or permissions could not tell them apart. */
export function resolvePrefixes(prefix: unknown = DEFAULT_PREFIX, privatePrefix: unknown = DEFAULT_PRIVATE_PREFIX): Prefixes {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new OptionError('prefix', prefix, 'a NATS subject prefix such as "upstate" (tokens of letters, digits, - and _, separated by dots)');
  }
  if (typeof privatePrefix !== 'string' || !PREFIX.test(privatePrefix)) {
    throw new OptionError('privatePrefix', privatePrefix, 'a NATS subject prefix such as "upstate-private"');
  }
  if (within(privatePrefix, prefix) || within(prefix, privatePrefix)) {
    throw new OptionError('privatePrefix', privatePrefix, `a prefix apart from \`prefix\` ("${prefix}"), so NATS permissions can tell private streams apart`);
  }
  return { public: prefix, private: privatePrefix };
}

function within(subject: string, prefix: string): boolean {
  return subject === prefix || subject.startsWith(`${prefix}.`);
}

/** The type as one subject token: `candle.1s` → `candle_1s`. */
export function typeToken(type: DataType): string {
  return type.replace('.', '_');
}

/** An orderbook level as one token: `0` → `0`, `1.5` → `1_5`. */
export function levelToken(level: number): string {
  return String(level).replace('.', '_');
}

/** The prefix a type travels under. */
export function prefixOf(prefixes: Prefixes, type: DataType): string {
  return isPrivateType(type) ? prefixes.private : prefixes.public;
}

/**
 * The subject of one stream. Code `''` is every market (myOrder: a wildcard) or none (myAsset,
 * whose subject has no code token).
 */
export function streamSubject(prefixes: Prefixes, type: DataType, code: string, level = 0): string {
  const base = `${prefixOf(prefixes, type)}.${typeToken(type)}`;
  if (type === 'myAsset') return base;
  const tail = code === '' ? '*' : code;
  return type === 'orderbook' ? `${base}.${levelToken(level)}.${tail}` : `${base}.${tail}`;
}

/** The subject a frame is published to. */
export function messageSubject(prefixes: Prefixes, message: UpbitMessage): string {
  const level = message.type === 'orderbook' ? (message.level ?? 0) : 0;
  return streamSubject(prefixes, message.type, message.type === 'myAsset' ? '' : message.code, level);
}

/** Control subjects: demand announcements (request/reply), last values, settled checks, gateway hello. */
export interface ControlSubjects {
  /** Demand of one kind; the private one lives under the private prefix. */
  readonly demand: Readonly<Record<ConnectionKind, string>>;
  readonly lastValues: string;
  readonly settled: string;
  /** Published by a gateway when it starts, so clients announce at once instead of at their next renewal. */
  readonly hello: string;
  /** Request/reply: every gateway of the prefix answers with its role and epoch (who else is there?). */
  readonly gateways: string;
}

export function controlSubjects(prefixes: Prefixes): ControlSubjects {
  return {
    demand: { public: `${prefixes.public}.ctl.demand`, private: `${prefixes.private}.ctl.demand` },
    lastValues: `${prefixes.public}.ctl.last`,
    settled: `${prefixes.public}.ctl.settled`,
    hello: `${prefixes.public}.ctl.hello`,
    gateways: `${prefixes.public}.ctl.gateways`,
  };
}

/** The NATS header that carries the publishing gateway's lease epoch on every frame. */
export const EPOCH_HEADER = 'Upstate-Epoch';
