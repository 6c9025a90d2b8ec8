import { assign, fromPromise, setup } from 'xstate';
import type { ConnectionKind } from '../src/protocol/upbit/types.js';

/**
 * The pending flush of one connection: idle → debouncing → rateWaiting → sending.
 *
 * One flush absorbs every change that arrives while it is pending and sends the *latest*
 * desired state once. The state is compared by fingerprint (an O(1) content hash kept by the
 * registry), so a flush whose changes cancel out sends nothing and spends no rate token.
 *
 * The message itself is read from the registry by the `sendDesired` actor when `sending`
 * starts, never earlier: a change that lands after that marks the flush dirty and is sent next.
 */

/** What the server holds on a connection that has just opened: nothing. */
export const NOTHING = 0;

export interface FlushStats {
  /** Flushes started (the seed's `pending_task_created`). */
  readonly flushesStarted: number;
  /** Changes seen, whether they started a flush or were absorbed. */
  readonly changes: number;
  /** Changes absorbed by a pending flush (the seed's `pending_task_skipped`). */
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
}

export interface FlushContext {
  readonly kind: ConnectionKind;
  /** Fingerprint of the registry's desired state, from the latest `registry.changed`. */
  readonly desired: number;
  /** Fingerprint of what the server holds (what was last sent on this link). */
  readonly server: number;
  /** Fingerprint that means "nothing wanted" (the registry's empty fingerprint). */
  readonly empty: number;
  readonly linkUp: boolean;
  /** A change arrived while sending: go round again. */
  readonly dirty: boolean;
  readonly stats: FlushStats;
}

export interface FlushInput {
  /** The connection this flush feeds. @default 'public' */
  readonly kind?: ConnectionKind;
  /** The registry's fingerprint of an empty desired state. @default 0 */
  readonly empty?: number;
  /** The desired state's fingerprint when the flush starts. @default empty */
  readonly desired?: number;
}

export type FlushEvent =
  | { type: 'registry.changed'; fingerprint: number }
  /** The socket opened: the server holds nothing, the whole desired state must be sent. */
  | { type: 'link.up' }
  | { type: 'link.down' };

/** What `sendDesired` did: the fingerprint of the state now on the server. */
export interface SendResult {
  readonly fingerprint: number;
  /** Whether a message was written (false when the plan had nothing left to ask). */
  readonly sent: boolean;
}

/** Which connection's gate to wait on. */
export interface AcquireInput {
  readonly kind: ConnectionKind;
}

export interface SendInput {
  readonly kind: ConnectionKind;
  /** Fingerprint of what the server holds before this send. */
  readonly server: number;
}

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
});

const count =
  (key: keyof FlushStats) =>
  ({ context }: { context: FlushContext }): FlushStats => ({ ...context.stats, [key]: context.stats[key] + 1 });

export const flushMachine = setup({
  types: {
    context: {} as FlushContext,
    events: {} as FlushEvent,
    input: {} as FlushInput,
  },
  actors: {
    /** Waits for a message token from the connection's rate gate; aborted when the flush leaves `rateWaiting`. */
    acquireSendToken: fromPromise<void, AcquireInput>(async () => {}),
    /** Reads the latest desired state, writes it to the socket, resolves with its fingerprint. */
    sendDesired: fromPromise<SendResult, SendInput>(async () => {
      throw new Error('flushMachine: provide a `sendDesired` actor');
    }),
  },
  guards: {
    isInSync: ({ context }) => context.desired === context.server,
    wantsNothing: ({ context }) => context.desired === context.empty,
    wantsSomething: ({ context }) => context.desired !== context.empty,
    isLinkUp: ({ context }) => context.linkUp,
    isDirty: ({ context }) => context.dirty,
  },
  actions: {
    recordDesired: assign({
      desired: (_, params: { fingerprint: number }) => params.fingerprint,
    }),
    startFlush: assign({
      stats: ({ context }) => ({
        ...context.stats,
        flushesStarted: context.stats.flushesStarted + 1,
        changes: context.stats.changes + 1,
      }),
    }),
    countFlushStarted: assign({ stats: count('flushesStarted') }),
    absorbChange: assign({
      stats: ({ context }) => ({
        ...context.stats,
        changes: context.stats.changes + 1,
        changesAbsorbed: context.stats.changesAbsorbed + 1,
      }),
    }),
    markDirty: assign({
      dirty: true,
      stats: ({ context }) => ({ ...context.stats, changes: context.stats.changes + 1 }),
    }),
    clearDirty: assign({ dirty: false }),
    markLinkUp: assign({ linkUp: true, server: NOTHING }),
    markLinkDown: assign({ linkUp: false, server: NOTHING }),
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
    debounce: 100,
    /** Pause before asking a failing rate gate again. */
    gateRetry: 1_000,
  },
}).createMachine({
  id: 'flush',
  description:
    'The pending flush of one connection: absorbs every change while it is pending, then sends the latest desired state once, within the rate limits.',
  context: ({ input }) => ({
    kind: input?.kind ?? 'public',
    desired: input?.desired ?? input?.empty ?? NOTHING,
    server: NOTHING,
    empty: input?.empty ?? NOTHING,
    linkUp: false,
    dirty: false,
    stats: ZERO_FLUSH_STATS,
  }),
  on: {
    'link.up': { actions: 'markLinkUp', description: 'A socket that has just opened holds no subscription.' },
    'link.down': { actions: 'markLinkDown', description: 'A closed socket holds nothing either.' },
  },
  initial: 'idle',
  states: {
    idle: {
      description: 'Nothing pending: the server holds the desired state, or nothing is wanted.',
      on: {
        'registry.changed': {
          target: 'debouncing',
          actions: [{ type: 'recordDesired', params: ({ event }) => event }, 'startFlush'],
        },
        'link.up': [
          {
            guard: 'wantsSomething',
            target: 'debouncing',
            actions: ['markLinkUp', 'countFlushStarted'],
            description: 'A (re)opened socket holds nothing: the whole desired state goes out again, with snapshots.',
          },
          { actions: 'markLinkUp' },
        ],
      },
    },
    debouncing: {
      description: 'Collects changes for the `debounce` delay; each change that arrives meanwhile is absorbed by this flush.',
      on: {
        'registry.changed': {
          actions: [{ type: 'recordDesired', params: ({ event }) => event }, 'absorbChange'],
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
            guard: 'wantsNothing',
            target: 'idle',
            description: 'Upbit has no unsubscribe and refuses an empty request: the connection lingers, then closes.',
          },
          { target: 'rateWaiting' },
        ],
      },
    },
    rateWaiting: {
      description: 'The desired state differs from what the server holds: waits for an open link, then for a message token.',
      initial: 'checkingLink',
      on: {
        'registry.changed': {
          actions: [{ type: 'recordDesired', params: ({ event }) => event }, 'absorbChange'],
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
            input: ({ context }) => ({ kind: context.kind }),
            onDone: [
              { guard: 'isInSync', target: '#flush.idle', actions: 'countDuplicatePrevented' },
              { guard: 'wantsNothing', target: '#flush.idle' },
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
      description:
        '`sendDesired` reads the registry snapshot now, plans the request and writes it; a change arriving meanwhile marks the flush dirty.',
      entry: 'clearDirty',
      invoke: {
        src: 'sendDesired',
        input: ({ context }) => ({ kind: context.kind, server: context.server }),
        onDone: [
          {
            guard: 'isDirty',
            target: 'debouncing',
            actions: [{ type: 'recordSent', params: ({ event }) => event.output }, 'countFlushStarted'],
            description: 'A change landed during the send: it is sent by the next flush, never lost.',
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
      },
    },
  },
});

export type FlushMachine = typeof flushMachine;
