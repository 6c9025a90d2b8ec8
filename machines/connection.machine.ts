import { and, assign, fromCallback, fromPromise, not, sendTo, setup, type SnapshotFrom } from 'xstate';
import { DEFAULTS } from '../src/defaults.js';
import type { ConnectionId, ConnectionKind } from '../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT } from '../src/registry/fingerprint.js';
import { flushMachine, type FlushSnapshot, type RegistryChangedEvent } from './flush.machine.js';

/**
 * One WebSocket connection (public or private) and its pending flush.
 *
 * dormant → connecting → open (active ⇄ lingering) → backoff → connecting …
 * The flush is a child that lives across reconnects: changes made while the link is down
 * wait in it, and every (re)open tells it the server holds nothing, so the whole desired
 * state goes out again with snapshots.
 *
 * The socket itself belongs to the actors: `openLink` opens it, `watchLink` relays its control
 * events while `open` lasts and closes it when `open` is left. Data frames never pass through
 * this machine.
 */

export interface ConnectionStats {
  /** Successful opens. */
  readonly opened: number;
  /** Opens after the first one. */
  readonly reconnects: number;
  /** Connection attempts that failed (refused, network error, stale link). */
  readonly failures: number;
  /** Links closed because nothing arrived within the heartbeat timeout. */
  readonly stale: number;
}

export interface ConnectionContext {
  readonly kind: ConnectionKind;
  /** Which socket of the pool this is: the actors find their link by it. */
  readonly connection: ConnectionId;
  /** Fingerprint of the desired state, from the latest `registry.changed`. */
  readonly desired: number;
  /** Passed to the flush: send a change at once when idle on an open link. */
  readonly leadingEdge: boolean;
  /** Consecutive failed attempts, capped; drives the backoff. Reset after a stable period. */
  readonly attempt: number;
  /** Least wait before the next attempt, set by a 429 or 418 (Retry-After). */
  readonly penaltyMs: number;
  /** The last failure, without secrets: an HTTP status or an Upbit error name. */
  readonly lastError: string | undefined;
  readonly stats: ConnectionStats;
}

export interface ConnectionInput {
  readonly kind: ConnectionKind;
  /** Which socket of the pool this is (`'public'`, `'public-2'`, …, `'private'`). @default kind */
  readonly connection?: ConnectionId;
  /** Whether the flush sends a change at once when it is idle on an open link. @default true */
  readonly leadingEdge?: boolean;
}

/** Which socket an actor works on. */
export interface LinkInput {
  readonly kind: ConnectionKind;
  readonly connection: ConnectionId;
}

/** Why `openLink` failed, as far as the machine cares. Carries no secret. */
export interface LinkFailure {
  /** HTTP status of a refused upgrade (429, 418, 401 …), if any. */
  readonly status?: number;
  /** Milliseconds from a Retry-After header, if any. */
  readonly retryAfterMs?: number;
  /** What went wrong otherwise (`connect ECONNREFUSED 127.0.0.1:9`, a handshake timeout …). */
  readonly reason?: string;
}

export type ConnectionEvent =
  | RegistryChangedEvent
  | { type: 'link.alive' }
  | { type: 'link.closed'; code?: number; reason?: string }
  /** Upbit refused the credentials on an open socket (an INVALID_AUTH error frame). */
  | { type: 'link.rejected'; name: string; message?: string }
  /** Upbit answered a request with any other error frame (`WRONG_FORMAT`, `INVALID_PARAM`, …). */
  | { type: 'link.refused'; name: string; message?: string }
  /** Try again after `authFailed` (for example with new credentials) or a refused request. */
  | { type: 'connection.retry' };

/** Attempts beyond this count no further: the backoff is at its cap long before. */
export const MAX_ATTEMPT = 16;
/** Wait after a 429 without Retry-After. */
export const RATE_LIMITED_PENALTY_MS = 10_000;
/** Wait after a 418 without Retry-After. */
export const BLOCKED_PENALTY_MS = 60_000;

export interface BackoffOptions {
  /** @default DEFAULTS.backoff.initialMs (500) */
  readonly initialMs: number;
  /** @default DEFAULTS.backoff.maxMs (30_000) */
  readonly maxMs: number;
}

/**
 * Exponential backoff with full jitter: a uniform draw in [0, min(max, initial·2^(attempt-1))],
 * never below the penalty a 429 or 418 imposed.
 */
export function backoffDelay(
  attempt: number,
  penaltyMs: number,
  { initialMs, maxMs }: BackoffOptions = DEFAULTS.backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(penaltyMs, Math.round(random() * ceiling));
}

function failureOf(error: unknown): LinkFailure {
  return typeof error === 'object' && error !== null ? (error as LinkFailure) : {};
}

function describeFailure(error: unknown): string {
  const { status, reason } = failureOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  return typeof reason === 'string' && reason.length > 0 ? reason.slice(0, 200) : 'network';
}

function describeClose({ code, reason }: { code?: number; reason?: string }): string {
  return `closed ${code ?? 1006}${reason ? `: ${reason.slice(0, 120)}` : ''}`;
}

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    // Every child named: without it the children type gets a string index that \`flush\` cannot satisfy (TS2411 in strict consumers).
    children: {} as { flush: 'flush'; connectToken: 'acquireConnectToken'; handshake: 'openLink'; link: 'watchLink' },
  },
  actors: {
    flush: flushMachine,
    /** Waits for a token from the process-wide connection gate (5 attempts/s). */
    acquireConnectToken: fromPromise<void, LinkInput>(async () => {
      throw new Error('connectionMachine: provide an `acquireConnectToken` actor (the connection rate gate)');
    }),
    /** Opens the socket (fresh JWT for private links); rejects with a `LinkFailure`. */
    openLink: fromPromise<void, LinkInput>(async () => {
      throw new Error('connectionMachine: provide an `openLink` actor');
    }),
    /** Relays the open socket's control events; closes the socket when stopped. */
    watchLink: fromCallback<{ type: 'link.probe' }, LinkInput>(() => {
      throw new Error('connectionMachine: provide a `watchLink` actor');
    }),
  },
  guards: {
    hasDemand: ({ context }) => context.desired !== EMPTY_FINGERPRINT,
    hasNoDemand: ({ context }) => context.desired === EMPTY_FINGERPRINT,
    hasPenalty: ({ context }) => context.penaltyMs > 0,
    isRateLimited: ({ event }) => failureOf((event as { error?: unknown }).error).status === 429,
    isBlocked: ({ event }) => failureOf((event as { error?: unknown }).error).status === 418,
    isAuthRejected: ({ event }) => {
      const { status } = failureOf((event as { error?: unknown }).error);
      return status === 401 || status === 403;
    },
  },
  actions: {
    recordDesired: assign({ desired: (_, params: { fingerprint: number }) => params.fingerprint }),
    forwardChange: sendTo('flush', (_, params: RegistryChangedEvent) => params),
    forwardRefusal: sendTo('flush', (_, params: { name: string }) => ({ type: 'request.refused' as const, name: params.name })),
    forwardRetry: sendTo('flush', { type: 'flush.retry' }),
    notifyLinkUp: sendTo('flush', { type: 'link.up' }),
    notifyLinkDown: sendTo('flush', { type: 'link.down' }),
    sendProbe: sendTo('link', { type: 'link.probe' }),
    countOpened: assign({
      stats: ({ context }) => ({
        ...context.stats,
        opened: context.stats.opened + 1,
        reconnects: context.stats.reconnects + (context.stats.opened > 0 ? 1 : 0),
      }),
      penaltyMs: 0,
      lastError: undefined,
    }),
    countFailure: assign({
      attempt: ({ context }) => Math.min(MAX_ATTEMPT, context.attempt + 1),
      stats: ({ context }) => ({ ...context.stats, failures: context.stats.failures + 1 }),
    }),
    countStale: assign({
      stats: ({ context }) => ({ ...context.stats, stale: context.stats.stale + 1 }),
    }),
    recordFailure: assign({ lastError: (_, params: { error: unknown }) => describeFailure(params.error) }),
    recordRejection: assign({ lastError: (_, params: { name: string }) => params.name }),
    recordClose: assign({ lastError: (_, params: { code?: number; reason?: string }) => describeClose(params) }),
    imposePenalty: assign({
      penaltyMs: (_, params: { error: unknown; fallbackMs: number }) =>
        failureOf(params.error).retryAfterMs ?? params.fallbackMs,
    }),
    resetAttempts: assign({ attempt: 0 }),
    clearPenalty: assign({ penaltyMs: 0 }),
  },
  delays: {
    /** Exponential backoff with full jitter, capped; never shorter than a 429/418 penalty. */
    reconnectBackoff: ({ context }) => backoffDelay(context.attempt, context.penaltyMs),
    /** Wait out a 418 block. */
    blockDuration: ({ context }) => Math.max(context.penaltyMs, BLOCKED_PENALTY_MS),
    /** Quiet time on an open link before we ask it for a sign of life. */
    heartbeatInterval: DEFAULTS.heartbeat.intervalMs,
    /** How long a probed link may stay silent before it is taken for dead. */
    heartbeatTimeout: DEFAULTS.heartbeat.timeoutMs,
    /** Open time after which the link counts as stable and the backoff starts over. */
    stablePeriod: DEFAULTS.backoff.stableMs,
    /** Grace period of an open link nobody needs any more before it is closed. */
    linger: DEFAULTS.lingerMs,
  },
}).createMachine({
  id: 'connection',
  description:
    'One WebSocket (public or private) and its pending flush: opens the socket when something is wanted, keeps it alive, reconnects with backoff, closes it when nothing is wanted.',
  context: ({ input }) => ({
    kind: input.kind,
    connection: input.connection ?? input.kind,
    desired: EMPTY_FINGERPRINT,
    leadingEdge: input.leadingEdge ?? DEFAULTS.leadingEdge,
    attempt: 0,
    penaltyMs: 0,
    lastError: undefined,
    stats: { opened: 0, reconnects: 0, failures: 0, stale: 0 },
  }),
  // The flush outlives every socket: what changes while the link is down waits in it.
  invoke: {
    id: 'flush',
    src: 'flush',
    input: ({ context }) => ({ kind: context.kind, connection: context.connection, leadingEdge: context.leadingEdge }),
  },
  // Every state reacts to demand through eventless transitions on `desired`, so this is the
  // one place a change is taken in.
  on: {
    'registry.changed': {
      actions: [
        { type: 'recordDesired', params: ({ event }) => event },
        { type: 'forwardChange', params: ({ event }) => event },
      ],
    },
    'connection.retry': { actions: 'forwardRetry', description: 'A refused request is sent again.' },
  },
  initial: 'dormant',
  states: {
    dormant: {
      tags: 'dormant',
      description: 'No socket: nothing is wanted on this connection.',
      always: { guard: 'hasDemand', target: 'connecting' },
    },
    connecting: {
      tags: 'connecting',
      description: 'Something is wanted: takes a connection token, then opens the socket. Goes dormant if the demand goes away.',
      initial: 'awaitingToken',
      // A 429/418 penalty holds for the one attempt after it, not for every later backoff.
      entry: 'clearPenalty',
      always: { guard: 'hasNoDemand', target: 'dormant' },
      states: {
        awaitingToken: {
          description: 'Waits on the process-wide connection gate (Upbit: 5 connection requests per second).',
          invoke: {
            id: 'connectToken',
            src: 'acquireConnectToken',
            input: ({ context }) => ({ kind: context.kind, connection: context.connection }),
            onDone: { target: 'handshaking' },
            onError: { target: '#connection.backoff', actions: 'countFailure' },
          },
        },
        handshaking: {
          description: "Opens the socket (a private link signs a JWT with a fresh nonce); a refusal's HTTP status picks the next state.",
          invoke: {
            id: 'handshake',
            src: 'openLink',
            input: ({ context }) => ({ kind: context.kind, connection: context.connection }),
            onDone: { target: '#connection.open', actions: 'countOpened' },
            onError: [
              {
                guard: 'isRateLimited',
                target: '#connection.backoff',
                description: 'HTTP 429: back off for at least the Retry-After, or 10 s without one.',
                actions: [
                  'countFailure',
                  { type: 'recordFailure', params: ({ event }) => event },
                  { type: 'imposePenalty', params: ({ event }) => ({ error: event.error, fallbackMs: RATE_LIMITED_PENALTY_MS }) },
                ],
              },
              {
                guard: 'isBlocked',
                target: '#connection.blocked',
                description: 'HTTP 418: the client kept going past 429s and is blocked for a while.',
                actions: [
                  'countFailure',
                  { type: 'recordFailure', params: ({ event }) => event },
                  { type: 'imposePenalty', params: ({ event }) => ({ error: event.error, fallbackMs: BLOCKED_PENALTY_MS }) },
                ],
              },
              {
                guard: 'isAuthRejected',
                target: '#connection.authFailed',
                description: 'Bad credentials: retrying would only hammer the endpoint.',
                actions: { type: 'recordFailure', params: ({ event }) => event },
              },
              {
                target: '#connection.backoff',
                actions: ['countFailure', { type: 'recordFailure', params: ({ event }) => event }],
              },
            ],
          },
        },
      },
    },
    open: {
      description:
        'The socket is open: the flush hears `link.up` on entry and `link.down` on exit, and `watchLink` relays control frames and closes the socket when the state is left.',
      type: 'parallel',
      entry: 'notifyLinkUp',
      exit: 'notifyLinkDown',
      invoke: { id: 'link', src: 'watchLink', input: ({ context }) => ({ kind: context.kind, connection: context.connection }) },
      on: {
        'link.closed': {
          target: 'backoff',
          actions: ['countFailure', { type: 'recordClose', params: ({ event }) => event }],
          description: 'Closed by either side, or dropped (1006).',
        },
        'link.rejected': {
          target: 'authFailed',
          description: 'An INVALID_AUTH error frame on the open socket.',
          actions: { type: 'recordRejection', params: ({ event }) => event },
        },
        'link.refused': {
          actions: { type: 'forwardRefusal', params: ({ event }) => event },
          description: 'Any other error frame answers a request: the flush decides what it means.',
        },
      },
      states: {
        heartbeat: {
          description: 'Keepalive: a private stream may be silent for minutes, so silence alone never means death; an unanswered probe does.',
          initial: 'waiting',
          states: {
            waiting: {
              description: 'Waits `heartbeatInterval` before the next probe.',
              after: { heartbeatInterval: 'probing' },
            },
            probing: {
              description: 'A protocol ping is out: any inbound frame or pong proves the link alive; silence until `heartbeatTimeout` means it is stale.',
              entry: 'sendProbe',
              on: { 'link.alive': 'waiting' },
              after: {
                heartbeatTimeout: {
                  target: '#connection.backoff',
                  actions: ['countStale', 'countFailure'],
                  description: 'The link is stale (half-open): drop it and reconnect.',
                },
              },
            },
          },
        },
        demand: {
          description: 'Whether anyone still wants this connection.',
          initial: 'active',
          states: {
            active: {
              tags: 'open',
              description: 'Something is wanted on this connection.',
              always: { guard: 'hasNoDemand', target: 'lingering' },
            },
            // Upbit has no unsubscribe: an unwanted link is closed after a grace period.
            lingering: {
              tags: 'lingering',
              description: 'Nothing is wanted: the link stays open for `linger` in case demand returns, then closes.',
              always: { guard: 'hasDemand', target: 'active' },
              after: { linger: '#connection.dormant' },
            },
          },
        },
        stability: {
          description: 'Starts the backoff over once the link has proved stable.',
          initial: 'settling',
          states: {
            settling: {
              description: 'Open for less than `stablePeriod`: earlier failures still count towards the backoff.',
              after: { stablePeriod: { target: 'stable', actions: 'resetAttempts' } },
            },
            stable: { description: 'Open for `stablePeriod`: the failure count is back to zero.' },
          },
        },
      },
    },
    backoff: {
      tags: 'backoff',
      description:
        'Waits `reconnectBackoff` (exponential, full jitter, capped, never below a 429 penalty) before the next attempt; goes dormant if the demand goes away.',
      // A 429 penalty is served even when the demand goes and comes back meanwhile.
      always: { guard: and(['hasNoDemand', not('hasPenalty')]), target: 'dormant' },
      after: { reconnectBackoff: 'connecting' },
    },
    // HTTP 418: the client kept going past 429s; wait out the block.
    blocked: {
      tags: 'blocked',
      description: 'HTTP 418: waits out the block (Retry-After, at least 60 s) before the next attempt.',
      after: { blockDuration: 'connecting' },
    },
    // No hot loop on bad credentials: wait for a retry, or for demand to go and come back.
    authFailed: {
      tags: 'authFailed',
      description: 'The credentials were refused (HTTP 401/403 or INVALID_AUTH): no retry until `connection.retry`, or until demand goes and comes back.',
      always: { guard: 'hasNoDemand', target: 'dormant' },
      on: { 'connection.retry': 'connecting' },
    },
  },
});

export type ConnectionMachine = typeof connectionMachine;
export type ConnectionSnapshot = SnapshotFrom<ConnectionMachine>;

/** What the outside may read of a connection: the tag of its link state. */
export const LINK_STATES = ['dormant', 'connecting', 'open', 'lingering', 'backoff', 'blocked', 'authFailed'] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** The connection's link state, read from its tags. */
export function linkStateOf(snapshot: ConnectionSnapshot): LinkState {
  return LINK_STATES.find((state) => snapshot.hasTag(state)) ?? 'dormant';
}

/** Whether the link is open (wanted or lingering). */
export function isLinkOpen(snapshot: ConnectionSnapshot): boolean {
  return snapshot.hasTag('open') || snapshot.hasTag('lingering');
}

/** The snapshot of the connection's flush (it lives as long as the connection). */
export function flushOf(snapshot: ConnectionSnapshot): FlushSnapshot | undefined {
  return snapshot.children.flush?.getSnapshot();
}
