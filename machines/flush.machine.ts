import { assign, fromPromise, setup, type SnapshotFrom } from 'xstate';
import { DEFAULTS } from '../src/defaults.js';
import type { ConnectionId, ConnectionKind } from '../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT, UNKNOWN_FINGERPRINT } from '../src/registry/fingerprint.js';

/**
 * The pending flush of one connection: idle → debouncing → rateWaiting → sending.
 *
 * One flush absorbs every change that arrives while it is pending and sends the *latest*
 * desired state once. The state is compared by fingerprint (an O(1) content hash kept by the
 * registry), so a flush whose changes cancel out sends nothing and spends no rate token.
 *
 * The message itself is read from the registry by the `sendDesired` actor when `sending`
 * starts, never earlier: a change that lands after that marks the flush dirty and is sent next.
 *
 * This chart is the one record of what the server holds (`server`); the actors that send keep
 * nothing of their own about it.
 */

export interface FlushStats {
  /** Flushes started (the `pending_task_created` of the Python original). */
  readonly flushesStarted: number;
  /** Changes seen, whether they started a flush or were absorbed. */
  readonly changes: number;
  /** Changes absorbed by a pending flush (the `pending_task_skipped` of the Python original). */
  readonly changesAbsorbed: number;
  /** Flushes that ended without a send because the server already had the desired state. */
  readonly duplicatesPrevented: number;
  /** Times the flush waited on the message rate gate. */
  readonly rateWaits: number;
  /** Subscription messages written to the socket. */
  readonly messagesSent: number;
  /** Sends that failed and were retried. */
  readonly sendFailures: number;
  /** Times the rate gate failed to grant (and was asked again after `gateRetry`). */
  readonly gateFailures: number;
  /** Requests the server answered with an error frame. */
  readonly refusals: number;
}

export interface FlushContext {
  readonly kind: ConnectionKind;
  /** Which socket of the pool this flush feeds. */
  readonly connection: ConnectionId;
  /** Fingerprint of the registry's desired state, from the latest `registry.changed`. */
  readonly desired: number;
  /**
   * Fingerprint of what the server holds on this link: `EMPTY_FINGERPRINT` on a fresh or closed
   * link, `UNKNOWN_FINGERPRINT` after it refused a request.
   */
  readonly server: number;
  readonly linkUp: boolean;
  /** A change arrived while sending: go round again. */
  readonly dirty: boolean;
  /** A change that finds the flush idle goes out as soon as the link and the gate allow (no debounce first). */
  readonly leadingEdge: boolean;
  readonly stats: FlushStats;
}

export interface FlushInput {
  /** The connection this flush feeds. @default 'public' */
  readonly kind?: ConnectionKind;
  /** Which socket of the pool this flush feeds. @default kind */
  readonly connection?: ConnectionId;
  /** The desired state's fingerprint when the flush starts. @default EMPTY_FINGERPRINT */
  readonly desired?: number;
  /** Send a change at once when the flush is idle and the link open. @default true */
  readonly leadingEdge?: boolean;
}

/** The registry's desired state changed; the changes of one tick arrive as one event. */
export interface RegistryChangedEvent {
  readonly type: 'registry.changed';
  readonly fingerprint: number;
  /** How many changes this event stands for. @default 1 */
  readonly changes?: number;
}

export type FlushEvent =
  | RegistryChangedEvent
  /** The socket opened: the server holds nothing, the whole desired state must be sent. */
  | { type: 'link.up' }
  | { type: 'link.down' }
  /** The server answered a request with an error frame (`WRONG_FORMAT`, `INVALID_PARAM`, …). */
  | { type: 'request.refused'; name: string }
  /** Send the desired state again after a refusal. */
  | { type: 'flush.retry' };

/** What `sendDesired` did: the fingerprint of the state now on the server. */
export interface SendResult {
  readonly fingerprint: number;
  /** Whether a message was written (false when the plan had nothing left to ask). */
  readonly sent: boolean;
}

/** Which connection's gate to wait on. */
export interface AcquireInput {
  readonly kind: ConnectionKind;
  readonly connection: ConnectionId;
}

export interface SendInput {
  readonly kind: ConnectionKind;
  readonly connection: ConnectionId;
  /** Fingerprint of what the server holds before this send. */
  readonly server: number;
}

/** What the outside may read of a flush: the tag of its top-level state. */
export const FLUSH_STATES = ['idle', 'debouncing', 'rateWaiting', 'sending', 'cooling', 'refused'] as const;
export type FlushState = (typeof FLUSH_STATES)[number];

/** Counters of a flush that has done nothing yet. */
export const ZERO_FLUSH_STATS: FlushStats = Object.freeze({
  flushesStarted: 0,
  changes: 0,
  changesAbsorbed: 0,
  duplicatesPrevented: 0,
  rateWaits: 0,
  messagesSent: 0,
  sendFailures: 0,
  gateFailures: 0,
  refusals: 0,
});

/** How many registry changes one `registry.changed` stands for. */
const changesIn = (event: RegistryChangedEvent): number => event.changes ?? 1;

const count =
  (key: keyof FlushStats) =>
  ({ context }: { context: FlushContext }): FlushStats => ({ ...context.stats, [key]: context.stats[key] + 1 });

/** A socket that has just opened holds nothing: the whole desired state goes out again. */
const RESEND = {
  target: '#flush.debouncing',
  actions: ['markLinkUp', 'countFlushStarted'],
  description: 'A (re)opened socket holds nothing: the whole desired state goes out again, with snapshots.',
} as const;

/** A change that starts a flush: the new desired state, counted as the flush's first change. */
const START_FLUSH = [
  { type: 'recordDesired', params: ({ event }: { event: RegistryChangedEvent }) => event },
  { type: 'startFlush', params: ({ event }: { event: RegistryChangedEvent }) => event },
] as const;

/** A change a pending flush takes in: the new desired state, counted as absorbed. */
const ABSORB_CHANGE = [
  { type: 'recordDesired', params: ({ event }: { event: RegistryChangedEvent }) => event },
  { type: 'absorbChange', params: ({ event }: { event: RegistryChangedEvent }) => event },
] as const;

/** The same where nothing may be wanted: then there is nothing to send. */
const RESEND_IF_WANTED = [{ guard: 'hasDemand', ...RESEND }, { target: '#flush.idle', actions: 'markLinkUp' }] as const;

export const flushMachine = setup({
  types: {
    context: {} as FlushContext,
    events: {} as FlushEvent,
    input: {} as FlushInput,
  },
  actors: {
    /** Waits for a message token from the connection's rate gate; aborted when the flush leaves `rateWaiting`. */
    acquireSendToken: fromPromise<void, AcquireInput>(async () => {
      throw new Error('flushMachine: provide an `acquireSendToken` actor (the message rate gate)');
    }),
    /** Reads the latest desired state, writes it to the socket, resolves with its fingerprint. */
    sendDesired: fromPromise<SendResult, SendInput>(async () => {
      throw new Error('flushMachine: provide a `sendDesired` actor');
    }),
  },
  guards: {
    isInSync: ({ context }) => context.desired === context.server,
    hasNoDemand: ({ context }) => context.desired === EMPTY_FINGERPRINT,
    hasDemand: ({ context }) => context.desired !== EMPTY_FINGERPRINT,
    isLinkUp: ({ context }) => context.linkUp,
    isDirty: ({ context }) => context.dirty,
    isLeadingEdge: ({ context }) => context.leadingEdge,
    isHeldByServer: ({ context }, params: RegistryChangedEvent) => params.fingerprint === context.server,
    wantsNothing: (_, params: RegistryChangedEvent) => params.fingerprint === EMPTY_FINGERPRINT,
  },
  actions: {
    /** Takes in the new desired state and counts the changes the event stands for. */
    recordDesired: assign({
      desired: (_, params: RegistryChangedEvent) => params.fingerprint,
      stats: ({ context }, params: RegistryChangedEvent) => ({ ...context.stats, changes: context.stats.changes + changesIn(params) }),
    }),
    /** A flush starts with this event; the other changes it stands for (made in the same tick) ride along. */
    startFlush: assign({
      stats: ({ context }, params: RegistryChangedEvent) => ({
        ...context.stats,
        flushesStarted: context.stats.flushesStarted + 1,
        changesAbsorbed: context.stats.changesAbsorbed + changesIn(params) - 1,
      }),
    }),
    countFlushStarted: assign({ stats: count('flushesStarted') }),
    absorbChange: assign({
      stats: ({ context }, params: RegistryChangedEvent) => ({
        ...context.stats,
        changesAbsorbed: context.stats.changesAbsorbed + changesIn(params),
      }),
    }),
    markDirty: assign({ dirty: true }),
    clearDirty: assign({ dirty: false }),
    markLinkUp: assign({ linkUp: true, server: EMPTY_FINGERPRINT }),
    markLinkDown: assign({ linkUp: false, server: EMPTY_FINGERPRINT }),
    markRefused: assign({ server: UNKNOWN_FINGERPRINT, stats: count('refusals') }),
    countMessageSent: assign({ stats: count('messagesSent') }),
    countDuplicatePrevented: assign({ stats: count('duplicatesPrevented') }),
    countRateWait: assign({ stats: count('rateWaits') }),
    countSendFailure: assign({ stats: count('sendFailures') }),
    countGateFailure: assign({ stats: count('gateFailures') }),
    recordSent: assign({
      server: (_, params: SendResult) => params.fingerprint,
      stats: ({ context }, params: SendResult) =>
        params.sent ? { ...context.stats, messagesSent: context.stats.messagesSent + 1 } : context.stats,
    }),
  },
  delays: {
    /** How long a flush collects changes before it asks for a rate token. */
    debounce: DEFAULTS.debounceMs,
    /** Pause before asking a failing rate gate again. */
    gateRetry: DEFAULTS.gateRetryMs,
  },
}).createMachine({
  id: 'flush',
  description:
    'The pending flush of one connection: absorbs every change while it is pending, then sends the latest desired state once, within the rate limits.',
  context: ({ input }) => ({
    kind: input?.kind ?? 'public',
    connection: input?.connection ?? input?.kind ?? 'public',
    desired: input?.desired ?? EMPTY_FINGERPRINT,
    server: EMPTY_FINGERPRINT,
    linkUp: false,
    dirty: false,
    leadingEdge: input?.leadingEdge ?? DEFAULTS.leadingEdge,
    stats: ZERO_FLUSH_STATS,
  }),
  on: {
    'link.up': { actions: 'markLinkUp', description: 'A socket that has just opened holds no subscription.' },
    'link.down': { actions: 'markLinkDown', description: 'A closed socket holds nothing either.' },
  },
  initial: 'idle',
  states: {
    idle: {
      // `settled`: nothing pending; the flush acts again only when an event comes.
      tags: ['idle', 'settled'],
      description: 'Nothing pending: the server holds the desired state, or nothing is wanted.',
      on: {
        'registry.changed': [
          {
            guard: { type: 'isHeldByServer', params: ({ event }) => event },
            actions: [{ type: 'recordDesired', params: ({ event }) => event }, 'countDuplicatePrevented'],
            description: 'The changes cancelled out: the server holds this state already, so nothing is sent and no token is spent.',
          },
          {
            guard: { type: 'wantsNothing', params: ({ event }) => event },
            actions: { type: 'recordDesired', params: ({ event }) => event },
            description: 'Nothing is wanted any more: Upbit has no unsubscribe and refuses an empty request, so the connection lingers, then closes.',
          },
          {
            guard: 'isLeadingEdge',
            target: 'rateWaiting',
            actions: START_FLUSH,
            description:
              'Leading edge: nothing was sent lately, so the change goes out as soon as the link is open and a token is granted; changes made meanwhile (in the same tick, or while the link opens) ride along.',
          },
          { target: 'debouncing', actions: START_FLUSH },
        ],
        'link.up': RESEND_IF_WANTED,
        'request.refused': { target: 'refused', actions: 'markRefused' },
      },
    },
    debouncing: {
      tags: 'debouncing',
      description: 'Collects changes for the `debounce` delay; each change that arrives meanwhile is absorbed by this flush.',
      on: {
        'registry.changed': { actions: ABSORB_CHANGE },
        'request.refused': {
          actions: 'markRefused',
          description: 'An earlier request was refused: this flush sends the latest state anyway.',
        },
      },
      after: {
        debounce: [
          {
            guard: 'isInSync',
            target: 'idle',
            actions: 'countDuplicatePrevented',
            description: 'The changes cancelled out: nothing is sent and no rate token is spent.',
          },
          {
            guard: 'hasNoDemand',
            target: 'idle',
            description: 'Upbit has no unsubscribe and refuses an empty request: the connection lingers, then closes.',
          },
          { target: 'rateWaiting' },
        ],
      },
    },
    rateWaiting: {
      tags: 'rateWaiting',
      description: 'The desired state differs from what the server holds: waits for an open link, then for a message token.',
      initial: 'checkingLink',
      on: {
        'registry.changed': { actions: ABSORB_CHANGE },
        'request.refused': {
          actions: 'markRefused',
          description: 'An earlier request was refused: this flush sends the latest state anyway.',
        },
      },
      states: {
        checkingLink: {
          description: 'Transient: goes on to `acquiring` if the link is up, else to `awaitingLink`.',
          always: [{ guard: 'isLinkUp', target: 'acquiring' }, { target: 'awaitingLink' }],
        },
        awaitingLink: {
          description: 'The link is down: waits for `link.up` first, so no token is spent on a closed socket.',
          on: {
            'link.up': { target: 'acquiring', actions: 'markLinkUp' },
          },
        },
        acquiring: {
          description:
            "Waits on the connection's message gate (Upbit: 5 per second, 100 per minute); leaving the state cancels the wait.",
          entry: 'countRateWait',
          invoke: {
            src: 'acquireSendToken',
            input: ({ context }) => ({ kind: context.kind, connection: context.connection }),
            onDone: [
              { guard: 'isInSync', target: '#flush.idle', actions: 'countDuplicatePrevented' },
              { guard: 'hasNoDemand', target: '#flush.idle' },
              { target: '#flush.sending' },
            ],
            onError: {
              target: 'gateFailed',
              actions: 'countGateFailure',
              description: 'The gate failed (a shared store out of reach, say): pause, then ask again; never spin.',
            },
          },
          on: {
            'link.down': { target: 'awaitingLink', actions: 'markLinkDown' },
          },
        },
        gateFailed: {
          description: 'The rate gate failed: waits `gateRetry`, then asks it again. Changes are still absorbed.',
          after: { gateRetry: 'checkingLink' },
        },
      },
    },
    sending: {
      tags: 'sending',
      description:
        '`sendDesired` reads the registry snapshot now, plans the request and writes it; a change arriving meanwhile marks the flush dirty.',
      entry: 'clearDirty',
      invoke: {
        src: 'sendDesired',
        input: ({ context }) => ({ kind: context.kind, connection: context.connection, server: context.server }),
        onDone: [
          {
            guard: 'isDirty',
            target: 'debouncing',
            actions: [{ type: 'recordSent', params: ({ event }) => event.output }, 'countFlushStarted'],
            description: 'A change landed during the send: it is sent by the next flush, never lost.',
          },
          {
            guard: 'isLeadingEdge',
            target: 'cooling',
            actions: { type: 'recordSent', params: ({ event }) => event.output },
            description: 'Sent: the next change waits a full debounce, so a burst costs one message per window.',
          },
          { target: 'idle', actions: { type: 'recordSent', params: ({ event }) => event.output } },
        ],
        onError: {
          target: 'rateWaiting',
          actions: 'countSendFailure',
          description: 'The write failed: wait for the link and a token again.',
        },
      },
      on: {
        'registry.changed': {
          actions: [{ type: 'recordDesired', params: ({ event }) => event }, 'markDirty'],
        },
        // The socket this send was written to is gone, and the next one holds nothing: start over.
        'link.down': { target: 'rateWaiting', actions: 'markLinkDown' },
        'request.refused': {
          target: 'refused',
          actions: ['markRefused', 'countMessageSent'],
          description:
            'The server refused the request just written: what it holds is unknown, and sending the same again would be refused again.',
        },
      },
    },
    cooling: {
      tags: ['cooling', 'settled'],
      description: 'In sync after a send: a change within `debounce` of it is debounced, not sent at once (leading edge only).',
      after: { debounce: 'idle' },
      on: {
        'registry.changed': {
          target: 'debouncing',
          actions: START_FLUSH,
        },
        'link.up': RESEND,
        'request.refused': { target: 'refused', actions: 'markRefused' },
      },
    },
    refused: {
      tags: 'refused',
      description:
        'The server answered the last request with an error frame: what it holds is unknown. Nothing is resent until the next change, `flush.retry` or a reopened link.',
      on: {
        'registry.changed': {
          target: 'debouncing',
          actions: START_FLUSH,
        },
        'flush.retry': { target: 'debouncing', actions: 'countFlushStarted' },
        'link.up': RESEND_IF_WANTED,
      },
    },
  },
});

export type FlushMachine = typeof flushMachine;
export type FlushSnapshot = SnapshotFrom<FlushMachine>;

/** The flush's top-level state, read from its tags. */
export function flushStateOf(snapshot: FlushSnapshot): FlushState {
  return FLUSH_STATES.find((state) => snapshot.hasTag(state)) ?? 'idle';
}

/** Nothing pending and the server holds the desired state (or nothing is wanted). */
export function isFlushSettled(snapshot: FlushSnapshot): boolean {
  if (!snapshot.hasTag('settled')) return false;
  const { desired, server, linkUp } = snapshot.context;
  return desired === EMPTY_FINGERPRINT || (linkUp && server === desired);
}

/** The flush holds a refused request with something still wanted. */
export function isFlushRefused(snapshot: FlushSnapshot): boolean {
  return snapshot.hasTag('refused') && snapshot.context.desired !== EMPTY_FINGERPRINT;
}
