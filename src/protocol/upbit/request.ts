/**
 * The server side of a subscription request: validates a client frame the way Upbit does and
 * normalises it. Used by the embedded exchange; never throws.
 *
 * Upbit documents the error names but not which one each mistake earns
 * (https://docs.upbit.com/reference/connection: WRONG_FORMAT "request format violation",
 * NO_TICKET / NO_TYPE / NO_CODES "field missing", INVALID_PARAM "missing required parameter or
 * unsupported value"). The rule used here: a frame whose *structure* is wrong is WRONG_FORMAT; a
 * missing ticket, type field or codes list is NO_*; a well-placed field holding a value the server
 * cannot use is INVALID_PARAM. Checks run in the order of the table; the first failure wins, and
 * type fields are checked in request order.
 *
 * | input                                                              | result          |
 * |--------------------------------------------------------------------|-----------------|
 * | frame over 64 KiB (UTF-8)                                          | WRONG_FORMAT    |
 * | not JSON, or JSON that is not an array                             | WRONG_FORMAT    |
 * | an element that is not an object                                   | WRONG_FORMAT    |
 * | an element with none of `ticket`/`type`/`format`/`method`          | WRONG_FORMAT    |
 * | an element with more than one of them (`{"ticket":…,"type":…}`)    | WRONG_FORMAT    |
 * | a second ticket, format or method element                          | WRONG_FORMAT    |
 * | `ticket` not a string                                              | WRONG_FORMAT    |
 * | `format` not one of DEFAULT, SIMPLE, JSON_LIST, SIMPLE_LIST        | WRONG_FORMAT    |
 * | `method` together with type fields                                 | WRONG_FORMAT    |
 * | `method` other than LIST_SUBSCRIPTIONS                             | INVALID_PARAM   |
 * | no ticket element, or `ticket: ""`                                 | NO_TICKET       |
 * | `method: LIST_SUBSCRIPTIONS` (with a ticket)                       | ok, kind `list` |
 * | no type field                                                      | NO_TYPE         |
 * | `type` not a known data type (case-sensitive: `Ticker` is unknown) | INVALID_PARAM   |
 * | a flag that is not a boolean                                       | INVALID_PARAM   |
 * | both flags true (`isOnlySnapshot` and `isOnlyRealtime`)            | INVALID_PARAM   |
 * | `codes` on myAsset (even `[]`), per Upbit's myAsset page           | WRONG_FORMAT    |
 * | `codes` not an array                                               | WRONG_FORMAT    |
 * | public type with no `codes` or `codes: []`                         | NO_CODES        |
 * | myOrder with no `codes` or `codes: []`                             | ok: all markets |
 * | more than 4 096 codes in the whole request                         | INVALID_PARAM   |
 * | a code that is not a string, or not `QUOTE-BASE` in any case       | INVALID_PARAM   |
 * | a lower-case code (`krw-btc`), `lowerCaseCodes: 'ignore'` (default) | ok, never served |
 * | a lower-case code, `lowerCaseCodes: 'reject'`                      | INVALID_PARAM   |
 * | `.N` suffix on a type other than orderbook                         | INVALID_PARAM   |
 * | orderbook `.N` with N not 1, 5, 15, 30 (`KRW-BTC.7`)               | ok, depth 30    |
 * | orderbook `level` neither a number ≥ 0 nor a decimal string        | INVALID_PARAM   |
 * | `level` on a type other than orderbook                             | ignored         |
 * | unknown keys in any element                                        | ignored         |
 *
 * A `null` value counts as absent (`codes`, `level`, the flags): it is how many clients write an
 * unset optional field. Both flag spellings are read, `isOnlySnapshot`/`isOnlyRealtime` (original
 * pages) and `is_only_snapshot`/`is_only_realtime` (current pages); a flag is on when either
 * spelling is true. Duplicate codes within a field are dropped (`KRW-BTC` and `KRW-BTC.30` are
 * the same book). The size and code limits bound the work an absurd frame can cause.
 *
 * Lower-case codes: Upbit's pages ask for upper case without saying what happens otherwise; a live
 * probe (nemanull/arbitrage-observatory, docs/profiles/upbit/websocket.md, runs W6 and W7,
 * 2026-09-23) saw `krw-btc` answered with nothing, the socket left open, exactly like an unknown
 * market. That is the default; `lowerCaseCodes: 'reject'` answers INVALID_PARAM instead.
 */
import { describe } from '../../errors.js';
import type {
  DataType,
  Format,
  OrderbookDepth,
  ParsedCode,
  ParsedRequest,
  ParsedTypeField,
  UpbitErrorName,
} from './types.js';
import { isRecord } from './json.js';
import { DEFAULT_ORDERBOOK_DEPTH, FORMATS, MARKET_CODE, ORDERBOOK_DEPTHS, isDataType } from './types.js';

export type { ParsedCode, ParsedRequest, ParsedTypeField } from './types.js';

/** Largest frame the server reads, in UTF-8 bytes. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Most codes one request may carry, over all its type fields. Upbit lists far fewer markets. */
export const MAX_REQUEST_CODES = 4096;

type Failure = Extract<ParsedRequest, { ok: false }>;

const ROLE_KEYS = ['ticket', 'type', 'format', 'method'] as const;
/** A market code (see `MARKET_CODE`) with an optional `.N` depth suffix. */
const CODE_PATTERN = new RegExp(`^(${MARKET_CODE.source.slice(1, -1)})(?:\\.(\\d{1,4}))?$`);
const DECIMAL = /^\d{1,20}(?:\.\d{1,20})?$/;

/** How the server reads a request where Upbit's documentation and its observed behaviour part. */
export interface ParseRequestOptions {
  /**
   * `'ignore'`: a lower-case code is accepted as written and matches no market, so nothing is
   * sent for it (observed on Upbit). `'reject'`: the request is refused with INVALID_PARAM.
   * @default 'ignore'
   */
  readonly lowerCaseCodes?: 'ignore' | 'reject';
}

/** What the type-field readers share: the request's remaining code budget and the options. */
interface FieldContext {
  codes: number;
  readonly rejectLowerCase: boolean;
}

/** Validates and normalises one client frame. Never throws. */
export function parseRequest(text: string, options: ParseRequestOptions = {}): ParsedRequest {
  try {
    return parseFrame(text, { codes: MAX_REQUEST_CODES, rejectLowerCase: options.lowerCaseCodes === 'reject' });
  } catch (error) {
    // Defence in depth only: every path above returns a result.
    return fail('WRONG_FORMAT', `request could not be read (${describe(String(error))})`);
  }
}

function parseFrame(text: string, context: FieldContext): ParsedRequest {
  if (typeof text !== 'string') return fail('WRONG_FORMAT', 'request is not text');
  if (text.length > MAX_REQUEST_BYTES || Buffer.byteLength(text, 'utf8') > MAX_REQUEST_BYTES) {
    return fail('WRONG_FORMAT', `request is larger than ${MAX_REQUEST_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('WRONG_FORMAT', 'request is not JSON');
  }
  if (!Array.isArray(value)) return fail('WRONG_FORMAT', 'request must be a JSON array');

  /** The ticket, format and method elements, each at most once; type fields in order. */
  const singles: { ticket?: unknown; format?: unknown; method?: unknown } = {};
  const typeFields: Record<string, unknown>[] = [];
  for (const [index, element] of value.entries()) {
    if (!isRecord(element)) return fail('WRONG_FORMAT', `element ${index} is not an object`);
    const roles = ROLE_KEYS.filter((key) => Object.hasOwn(element, key));
    const [role] = roles;
    if (role === undefined) return fail('WRONG_FORMAT', `element ${index} has none of ${ROLE_KEYS.join(', ')}`);
    if (roles.length > 1) return fail('WRONG_FORMAT', `element ${index} mixes ${roles.join(' and ')}`);
    if (role === 'type') typeFields.push(element);
    else if (Object.hasOwn(singles, role)) return fail('WRONG_FORMAT', `more than one ${role} element`);
    else singles[role] = element[role];
  }

  const { ticket, format, method } = singles;
  const isList = Object.hasOwn(singles, 'method');
  if (ticket !== undefined && typeof ticket !== 'string') {
    return fail('WRONG_FORMAT', `ticket must be a string, got ${describe(ticket)}`);
  }
  if (format !== undefined && !isFormat(format)) {
    return fail('WRONG_FORMAT', `format must be one of ${FORMATS.join(', ')}, got ${describe(format)}`);
  }
  if (isList && typeFields.length > 0) return fail('WRONG_FORMAT', 'method cannot be combined with type fields');
  if (isList && method !== 'LIST_SUBSCRIPTIONS') {
    return fail('INVALID_PARAM', `method must be LIST_SUBSCRIPTIONS, got ${describe(method)}`);
  }
  if (ticket === undefined || ticket === '') return fail('NO_TICKET', 'request has no ticket');
  if (isList) return { ok: true, kind: 'list', ticket, format };
  if (typeFields.length === 0) return fail('NO_TYPE', 'request has no type field');

  const fields: ParsedTypeField[] = [];
  for (const [index, element] of typeFields.entries()) {
    const field = parseTypeField(element, context);
    if (isFailure(field)) return { ...field, message: `type field ${index}: ${field.message}` };
    fields.push(field);
  }
  return { ok: true, kind: 'subscribe', ticket, fields, format: format ?? 'DEFAULT' };
}

function parseTypeField(element: Record<string, unknown>, context: FieldContext): ParsedTypeField | Failure {
  const type = element.type;
  if (!isDataType(type)) return fail('INVALID_PARAM', `unknown type ${describe(type)}`);

  const snapshotOnly = readFlag(element, 'isOnlySnapshot', 'is_only_snapshot');
  if (isFailure(snapshotOnly)) return snapshotOnly;
  const realtimeOnly = readFlag(element, 'isOnlyRealtime', 'is_only_realtime');
  if (isFailure(realtimeOnly)) return realtimeOnly;
  if (snapshotOnly && realtimeOnly) return fail('INVALID_PARAM', 'isOnlySnapshot and isOnlyRealtime are both true');

  const codes = parseCodes(type, element.codes, context);
  if (isFailure(codes)) return codes;

  const parsed: ParsedTypeField = { type, codes, snapshot: !realtimeOnly, realtime: !snapshotOnly };
  if (type !== 'orderbook' || element.level == null) return parsed;
  const level = toLevel(element.level);
  if (level === undefined) return fail('INVALID_PARAM', `level must be a number >= 0, got ${describe(element.level)}`);
  return { ...parsed, level };
}

/**
 * The orderbook page types `level` as Double in its table but asks for "a numeric String" in its
 * prose (https://docs.upbit.com/reference/websocket-orderbook), so both `10000` and `"10000"` are read.
 */
function toLevel(value: unknown): number | undefined {
  const level = typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  return typeof level === 'number' && Number.isFinite(level) && level >= 0 ? level : undefined;
}

function parseCodes(type: DataType, raw: unknown, context: FieldContext): readonly ParsedCode[] | undefined | Failure {
  if (type === 'myAsset') return raw == null ? undefined : fail('WRONG_FORMAT', 'myAsset takes no codes');
  if (raw != null && !Array.isArray(raw)) return fail('WRONG_FORMAT', `codes must be an array, got ${describe(raw)}`);
  if (raw == null || raw.length === 0) {
    // myOrder without codes streams every market (Upbit's myOrder page).
    return type === 'myOrder' ? undefined : fail('NO_CODES', `${type} needs at least one code`);
  }
  context.codes -= raw.length;
  if (context.codes < 0) return fail('INVALID_PARAM', `more than ${MAX_REQUEST_CODES} codes in one request`);

  const byKey = new Map<string, ParsedCode>();
  for (const [index, entry] of raw.entries()) {
    const code = parseCode(type, entry, context.rejectLowerCase);
    if (isFailure(code)) return { ...code, message: `codes[${index}]: ${code.message}` };
    const key = `${code.code}.${code.depth ?? ''}`;
    if (!byKey.has(key)) byKey.set(key, code);
  }
  return [...byKey.values()];
}

function parseCode(type: DataType, entry: unknown, rejectLowerCase: boolean): ParsedCode | Failure {
  const match = typeof entry === 'string' ? (CODE_PATTERN.exec(entry) ?? lowerCaseMatch(entry)) : null;
  if (match === null) return fail('INVALID_PARAM', `${describe(entry)} is not a market code like KRW-BTC`);
  const [written, code = '', suffix] = match;
  if (rejectLowerCase && written !== written.toUpperCase()) return fail('INVALID_PARAM', `${describe(entry)} must be upper case`);
  if (type !== 'orderbook') {
    return suffix === undefined ? { code } : fail('INVALID_PARAM', `${describe(entry)}: only orderbook codes take a .N depth`);
  }
  return { code, depth: toDepth(suffix) };
}

/** A code that is a market code once upper-cased (ASCII only), as its parts written in the original case. */
function lowerCaseMatch(entry: string): RegExpExecArray | null {
  if (!/^[A-Za-z0-9.-]+$/.test(entry) || CODE_PATTERN.exec(entry.toUpperCase()) === null) return null;
  return /^([A-Za-z0-9]+-[A-Za-z0-9]+)(?:\.(\d{1,4}))?$/.exec(entry);
}

/** Upbit: "supported 1, 5, 15, 30; unsupported → 30" (https://docs.upbit.com/reference/websocket-orderbook). */
function toDepth(suffix: string | undefined): OrderbookDepth {
  const depth = Number(suffix);
  return ORDERBOOK_DEPTHS.find((supported) => supported === depth) ?? DEFAULT_ORDERBOOK_DEPTH;
}

/** A flag under either spelling; `null` or absent is false. A failure when not a boolean. */
function readFlag(element: Record<string, unknown>, camel: string, snake: string): boolean | Failure {
  let on = false;
  for (const key of [camel, snake]) {
    const value = element[key];
    if (value == null) continue;
    if (typeof value !== 'boolean') return fail('INVALID_PARAM', `${key} must be a boolean, got ${describe(value)}`);
    on ||= value;
  }
  return on;
}

function isFormat(value: unknown): value is Format {
  return (FORMATS as readonly unknown[]).includes(value);
}

function isFailure<T>(value: T | Failure): value is Failure {
  return typeof value === 'object' && value !== null && 'ok' in value;
}

function fail(error: UpbitErrorName, message: string): Failure {
  return { ok: false, error, message };
}
