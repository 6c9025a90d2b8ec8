/**
 * The flush's behaviour as named properties, for any provision of `flushMachine`: the
 * caller's rate gate (`acquireSendToken`) and writer (`sendDesired`), replayed along the
 * generated paths. What the properties read: the path's events (`registry.changed`, `link.up`,
 * `link.down`), the grants and sends the replay recorded, and whether the flush is at rest.
 */
import { EMPTY_FINGERPRINT, UNKNOWN_FINGERPRINT } from '../registry/fingerprint.js';
import { stepProperty, type Property } from './check.js';
import { atRest } from './rest.js';
import type { Effect, PathStep, Trace, World } from './replay.js';

/** The flush's view of the world a replay runs in, for a provided `sendDesired`. */
export interface FlushWorld extends World {
  /** The desired state's fingerprint: the latest `registry.changed` of the path (the input's at first). */
  desired(): number;
  /** Whether the link is up: the latest of the path's `link.up` / `link.down`. */
  linkUp(): boolean;
  /** Records a subscription message written to the socket, asking for the state `fingerprint`. */
  write(fingerprint: number): void;
}

export interface FlushOptions {
  /** The desired state's fingerprint when the flush starts. @default EMPTY_FINGERPRINT */
  readonly desired?: number;
}

function desiredAt(events: readonly { type: string; [key: string]: unknown }[], initial: number): number {
  let desired = initial;
  for (const event of events) if (event.type === 'registry.changed') desired = event['fingerprint'] as number;
  return desired;
}

function linkUpAt(events: readonly { type: string }[]): boolean {
  let up = false;
  for (const event of events) {
    if (event.type === 'link.up') up = true;
    else if (event.type === 'link.down') up = false;
  }
  return up;
}

/** The flush's world on top of a replay's: what a provided `sendDesired` reads and writes. */
export function flushWorld(world: World, options: FlushOptions = {}): FlushWorld {
  const initial = options.desired ?? EMPTY_FINGERPRINT;
  return {
    ...world,
    desired: () => desiredAt(world.events(), initial),
    linkUp: () => linkUpAt(world.events()),
    write: (fingerprint) => world.record('send', { fingerprint, linkUp: linkUpAt(world.events()) }),
  };
}

interface Send {
  readonly index: number;
  readonly step: number;
  readonly fingerprint: number;
  readonly linkUp: boolean;
}

const eventsUpTo = (trace: Trace, step: number) => trace.steps.slice(0, step).map((s) => s.event);

const provided = (trace: Trace, src: string) =>
  trace.effects.some((effect) => effect.kind === 'actor.start' && effect.detail['src'] === src && effect.detail['provided'] === true);

/**
 * The messages written, in order: what a provided `sendDesired` recorded through
 * `FlushWorld.write`, or, with the kit's stand-in, each send that succeeded with `sent: true`.
 */
function sendsOf(trace: Trace): Send[] {
  const byProvision = provided(trace, 'sendDesired');
  const sends: Send[] = [];
  trace.effects.forEach((effect, index) => {
    if (byProvision && effect.kind === 'send') {
      sends.push({ index, step: effect.step, fingerprint: effect.detail['fingerprint'] as number, linkUp: effect.detail['linkUp'] as boolean });
    } else if (!byProvision && isEnd(effect, 'actor.done', 'sendDesired')) {
      const output = effect.detail['output'] as { fingerprint: number; sent: boolean };
      if (output.sent) sends.push({ index, step: effect.step, fingerprint: output.fingerprint, linkUp: linkUpAt(eventsUpTo(trace, effect.step)) });
    }
  });
  return sends;
}

function isEnd(effect: Effect, kind: string, src: string): boolean {
  return effect.kind === kind && effect.detail['src'] === src;
}

/**
 * What the current socket holds after `step`: undefined while the link is down, empty on a fresh
 * socket, unknown once the server refused a request, then the last send on it.
 */
function socketHolds(trace: Trace, step: number, empty: number): number | undefined {
  const sends = sendsOf(trace);
  let holds: number | undefined;
  for (const s of trace.steps.slice(0, step)) {
    if (s.event.type === 'link.up') holds = empty;
    else if (s.event.type === 'link.down') holds = undefined;
    else if (s.event.type === 'request.refused' && holds !== undefined) holds = UNKNOWN_FINGERPRINT;
    for (const send of sends) if (send.step === s.index && send.linkUp && holds !== undefined) holds = send.fingerprint;
  }
  return holds;
}

/** The flush's properties. Run them with `checkPaths({ …, properties: flushProperties() })`. */
export function flushProperties(options: FlushOptions = {}): Property[] {
  const empty = EMPTY_FINGERPRINT;
  const initial = options.desired ?? empty;

  const perSend = (name: string, test: (send: Send, sends: readonly Send[], trace: Trace) => true | string): Property => ({
    name,
    check: (trace) => {
      const sends = sendsOf(trace);
      for (const send of sends) {
        const result = test(send, sends, trace);
        if (result !== true) return { applied: true, violation: { step: send.step, message: result } };
      }
      return { applied: sends.length > 0 };
    },
  });

  return [
    perSend('flush: never sends while the link is down', (send) => send.linkUp || `sent ${send.fingerprint} while the link was down`),
    perSend('flush: never sends an empty state', (send) => send.fingerprint !== empty || 'sent the empty state (Upbit refuses it)'),
    perSend('flush: never two sends without a token', (send, _sends, trace) => {
      // A grant of the gate is the success of an `acquireSendToken`; each send needs one of its own.
      const previous = sendsOf(trace).filter((other) => other.index < send.index).at(-1);
      const granted = trace.effects.some(
        (effect, index) => isEnd(effect, 'actor.done', 'acquireSendToken') && index < send.index && (previous === undefined || index > previous.index),
      );
      return granted || `sent ${send.fingerprint} without a token of its own since the previous send`;
    }),
    stepProperty('flush: a change during sending is never lost', (step: PathStep, trace: Trace) => {
      const done = step.effects.find((effect) => isEnd(effect, 'actor.done', 'sendDesired'));
      if (done === undefined) return undefined;
      const start = trace.effects.filter((effect) => isEnd(effect, 'actor.start', 'sendDesired') && effect.detail['id'] === done.detail['id']).at(-1);
      const changedDuring = trace.steps.some((s) => s.index > (start?.step ?? 0) && s.index <= step.index && s.event.type === 'registry.changed');
      if (!changedDuring) return undefined;
      const desired = desiredAt(eventsUpTo(trace, step.index), initial);
      const delivered = (done.detail['output'] as { fingerprint: number }).fingerprint;
      return !atRest(step) || desired === delivered || `came to rest after a send of ${delivered} although ${desired} was wanted by then`;
    }),
    stepProperty('flush: idle means the server holds the desired state', (step: PathStep, trace: Trace) => {
      const events = eventsUpTo(trace, step.index);
      const desired = desiredAt(events, initial);
      if (!atRest(step) || !linkUpAt(events) || desired === empty) return undefined;
      const holds = socketHolds(trace, step.index, empty);
      return holds === desired || `at rest on an open link wanting ${desired} while the socket holds ${String(holds)}`;
    }),
    {
      name: 'flush: never takes a token for a wait it gave up',
      check: (trace) => {
        const late = trace.effects.find((effect) => isEnd(effect, 'actor.late', 'acquireSendToken') && effect.detail['ok'] === true);
        const aborted = trace.effects.some((effect) => isEnd(effect, 'actor.abort', 'acquireSendToken') || isEnd(effect, 'actor.error', 'acquireSendToken'));
        if (late !== undefined) return { applied: true, violation: { step: late.step, message: 'the gate granted a wait the flush had abandoned: one flush spent two tokens' } };
        return { applied: aborted };
      },
    },
  ];
}
