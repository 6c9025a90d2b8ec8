/**
 * Replays a generated path against a real actor of the machine, with the caller's provided
 * actors, on a simulated clock.
 *
 * The path decides what happens when: the model's events are sent, a delayed step fires the
 * timer it names (every machine timer gets a duration that makes it fire exactly at its step),
 * and an invoked actor's outcome is handed to the machine at its step. The caller's actors run
 * for real alongside: a promise actor the caller provides is started with its input and an
 * abort signal, must have succeeded by the step at which the path lets it succeed (the clock is
 * advanced, up to `patienceMs`, for the timers it waits on), and is aborted where the path has
 * the machine leave it or where the path injects a failure. What it does meanwhile, and after
 * it was aborted, is recorded for the properties.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  createActor,
  fromCallback,
  fromPromise,
  getInitialMicrosteps,
  type AnyActorLogic,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  type InspectionEvent,
} from 'xstate';
import { PathClock } from './clock.js';
import { AFTER, delaysByEvent, DONE, ERROR, eventsOfDelay, invocationsOf, TestingError } from './definition.js';
import { describeEvent, eventsOf, type MachinePath, type ModelEvent, type PathModel } from './paths.js';
import { takenIn } from './transitions.js';

/** Something that happened during a replay, for the properties to read. */
export interface Effect {
  /**
   * `actor.start`, `actor.done`, `actor.error`, `actor.abort`, `actor.late` (a provided actor
   * settled after it was aborted), `actor.stop` (a callback actor stopped), `received` (a
   * stand-in callback actor was sent an event), `timer.start`, `timer.fired`, or a kind the
   * caller records through `world.record` (`send`, `socket.open` …).
   */
  readonly kind: string;
  /** The path step during which it happened: 0 for the start. */
  readonly step: number;
  /** Simulated time. */
  readonly at: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What the caller's actors see of the replay they run in. */
export interface World {
  /** The simulated clock: wait on it (`clock.sleep(ms, signal)`, `clock.setTimeout`), never on real time. */
  readonly clock: PathClock;
  /** The path's events sent so far, the current one included. */
  events(): readonly ModelEvent[];
  /** Records something the provision did, for the properties. */
  record(kind: string, detail?: Readonly<Record<string, unknown>>): void;
}

export interface PromiseActorArgs<TInput = unknown> {
  readonly input: TInput;
  readonly signal: AbortSignal;
}

/** A promise actor as the function `fromPromise` would wrap: the kit wraps it itself, to watch it even after aborting it. */
export type PromiseActor = (args: PromiseActorArgs<any>) => Promise<unknown>;

/** What the caller provides, as for `machine.provide()`, with promise actors given as functions. */
export interface Provision {
  readonly actors?: Readonly<Record<string, PromiseActor | AnyActorLogic>>;
  readonly delays?: Readonly<Record<string, unknown>>;
  readonly guards?: Readonly<Record<string, unknown>>;
  readonly actions?: Readonly<Record<string, unknown>>;
}

/** One step of a replayed path, as the real actor went through it. */
export interface PathStep {
  /** 1 for the first event. */
  readonly index: number;
  readonly event: ModelEvent;
  readonly before: AnyMachineSnapshot;
  readonly after: AnyMachineSnapshot;
  /** What happened during the step. */
  readonly effects: readonly Effect[];
  /** Catalog ids of the transitions the actor took. */
  readonly taken: readonly string[];
  /** The `src` of every invoked promise actor still running after the step. */
  readonly running: readonly string[];
}

export interface Trace {
  readonly path: MachinePath;
  readonly initial: AnyMachineSnapshot;
  /** Effects of the start (step 0). */
  readonly started: readonly Effect[];
  readonly steps: readonly PathStep[];
  /** Every effect, in order, the start's and the drain's after the last step included. */
  readonly effects: readonly Effect[];
  /** Catalog ids of every transition taken. */
  readonly taken: ReadonlySet<string>;
  /**
   * Set when a provided actor succeeded with another of the model's outcomes than the path's:
   * the path is one this provision does not take, and the replay stopped there.
   */
  readonly diverged?: { readonly step: number; readonly reason: string };
}

export interface ReplayOptions {
  /** The caller's actors, delays, guards and actions, given the replay's world. */
  readonly provide?: (world: World) => Provision;
  /** Simulated time a provided actor may take to succeed where the path needs it to. @default 60_000 */
  readonly patienceMs?: number;
}

/** A replay that found the provision or the model at fault: the message shows the path step by step. */
export class PathFailure extends Error {
  override name = 'PathFailure';
  constructor(
    message: string,
    readonly path: MachinePath,
    readonly step: number,
  ) {
    super(message);
  }
}

/** Simulated milliseconds between two delayed steps: longer than any patience. */
const TICK = 1_000_000_000;

interface Run {
  readonly id: string;
  readonly src: string;
  readonly provided: boolean;
  settled?: { readonly ok: boolean; readonly value: unknown };
  finished: boolean;
  aborted: boolean;
  abort: () => void;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Session {
  readonly world: World;
  readonly runs: Map<string, Run>;
  readonly record: World['record'];
  readonly plan: (delay: string, real: number) => number;
}

const sessions = new WeakMap<AnyActorRef['system'], Session>();

function sessionOf(system: AnyActorRef['system']): Session {
  const session = sessions.get(system);
  if (session === undefined) throw new Error('an actor of the testing kit ran outside a replay');
  return session;
}

function isLogic(actor: PromiseActor | AnyActorLogic): actor is AnyActorLogic {
  return typeof actor === 'object' && actor !== null && 'transition' in actor;
}

function promiseStandIn(src: string, caller: PromiseActor | undefined): AnyActorLogic {
  return fromPromise<unknown, unknown>(({ input, self, signal, system }) => {
    const session = sessionOf(system);
    const controller = new AbortController();
    return new Promise((resolve, reject) => {
      const run: Run = {
        id: self.id,
        src,
        provided: caller !== undefined,
        finished: false,
        aborted: false,
        abort: () => controller.abort(),
        resolve,
        reject,
      };
      session.runs.set(self.id, run);
      session.record('actor.start', { src, id: self.id, input, provided: run.provided });
      signal.addEventListener('abort', () => {
        if (run.finished) return;
        run.finished = true;
        run.aborted = true;
        session.runs.delete(self.id);
        session.record('actor.abort', { src, id: self.id });
        run.abort();
      });
      caller?.({ input, signal: controller.signal }).then(
        (value) => {
          run.settled = { ok: true, value };
          if (run.aborted) session.record('actor.late', { src, id: self.id, ok: true, value });
        },
        (error: unknown) => {
          run.settled = { ok: false, value: error };
          if (run.aborted) session.record('actor.late', { src, id: self.id, ok: false, error });
        },
      );
    });
  });
}

function callbackStandIn(src: string): AnyActorLogic {
  return fromCallback<EventObject, unknown>(({ input, self, system, receive }) => {
    const session = sessionOf(system);
    session.record('actor.start', { src, id: self.id, input, provided: false });
    receive((event) => session.record('received', { to: self.id, event }));
    return () => session.record('actor.stop', { src, id: self.id });
  });
}

/** Lets settled promises reach the actor: promise actors report back on later microtasks. */
async function settle(): Promise<void> {
  for (let tick = 0; tick < 20; tick++) await Promise.resolve();
}

function resolveDelay(name: string, delay: unknown, args: { context: unknown; event: EventObject }): number {
  if (typeof delay === 'number') return delay;
  if (typeof delay === 'function') return Number(delay(args, undefined));
  throw new TestingError(`the delay ${name} has no implementation: provide it (provide: () => ({ delays: { ${name}: … } }))`);
}

/** Describes `path` one step per line with the state it led to, marking step `at`. */
export function describeSteps(path: MachinePath, at?: number): string {
  const lines = path.steps.map((step, i) => {
    const label = i === 0 ? '(start)' : describeEvent(step.event);
    const mark = i === at ? '✗' : ' ';
    return `  ${mark} ${String(i).padStart(2)}. ${label.padEnd(56)} → ${JSON.stringify(step.state.value)}`;
  });
  return lines.join('\n');
}

/**
 * Drives `path` through a real actor of `model.machine` provided with the caller's actors, and
 * returns what happened. Throws a `PathFailure` when the actor leaves the path (its vertex after
 * a step differs from the path's), or a provided actor fails or takes too long where the path
 * needs it to succeed.
 */
export async function replay(model: PathModel, path: MachinePath, options: ReplayOptions = {}): Promise<Trace> {
  const patienceMs = options.patienceMs ?? 60_000;
  const events = eventsOf(path);
  const delayed = events.map((event) => event.type.startsWith(AFTER));
  /** When the delayed step at index i (0-based in `events`) fires. */
  const fireTimes: number[] = [];
  let fired = 0;
  for (const isDelayed of delayed) {
    if (isDelayed) fired += 1;
    fireTimes.push(fired * TICK);
  }
  const never = (fired + 2) * TICK;

  const clock = new PathClock();
  const effects: Effect[] = [];
  let current = 0;
  const world: World = {
    clock,
    events: () => events.slice(0, current),
    record: (kind, detail = {}) => void effects.push({ kind, step: current, at: clock.now(), detail }),
  };
  const provision = options.provide?.(world) ?? {};
  const machine = model.machine;

  const promiseSources = new Set(Object.keys(model.outcomes));
  const actors: Record<string, AnyActorLogic> = {};
  for (const { src } of invocationsOf(machine)) {
    if (src in actors) continue;
    const given = provision.actors?.[src];
    if (promiseSources.has(src)) {
      if (given !== undefined && isLogic(given)) {
        throw new TestingError(`${src}: give the promise actor as the function fromPromise would wrap, so the kit can watch it after aborting it`);
      }
      actors[src] = promiseStandIn(src, given);
    } else if (given !== undefined) {
      if (!isLogic(given)) throw new TestingError(`${src} settles with no outcome in the model: give it as actor logic, or its outcomes in the model`);
      actors[src] = given;
    } else {
      actors[src] = callbackStandIn(src);
    }
  }
  for (const src of Object.keys(provision.actors ?? {})) {
    if (!(src in actors)) throw new TestingError(`the provision gives ${src}, which ${machine.id} does not invoke`);
  }

  // The caller's delays and guards first, so that their real durations are what gets recorded.
  const withCaller = machine.provide({
    delays: provision.delays ?? {},
    guards: provision.guards ?? {},
    actions: provision.actions ?? {},
  } as never) as AnyStateMachine;
  const originals = withCaller.implementations.delays as Record<string, unknown>;
  const delays: Record<string, unknown> = {};
  for (const name of new Set(delaysByEvent(machine).values())) {
    delays[name] = (args: { context: unknown; event: EventObject }) => recordTimer(name, resolveDelay(name, originals[name], args));
  }
  const replayed = withCaller.provide({ actors, delays } as never) as AnyStateMachine;

  const plan = (name: string, real: number): number => {
    const types = new Set(eventsOfDelay(machine, name));
    world.record('timer.start', { name, ms: real });
    for (let i = current; i < events.length; i++) {
      if (types.has((events[i] as ModelEvent).type)) return (fireTimes[i] as number) - clock.now();
    }
    return never - clock.now();
  };
  const realDelays = new Map<string, number>();
  const recordTimer: Session['plan'] = (name, real) => {
    realDelays.set(name, real);
    return plan(name, real);
  };

  // Which transitions each microstep took, from the inspected snapshots around it.
  let taken: string[] = [];
  const allTaken = new Set<string>();
  let before: AnyMachineSnapshot | undefined;
  let lastEvent: EventObject | undefined;
  let derivationError: Error | undefined;
  const inspect = (inspection: InspectionEvent) => {
    if (inspection.actorRef.sessionId !== inspection.rootId) return;
    if (inspection.type === '@xstate.microstep') {
      const after = inspection.snapshot as AnyMachineSnapshot;
      const { event } = inspection;
      if (before !== undefined && event.type !== 'xstate.stop') {
        try {
          // The start's microsteps after entering the initial states are all eventless.
          for (const id of takenIn(before, event, after, event.type !== 'xstate.init' && event !== lastEvent)) {
            taken.push(id);
            allTaken.add(id);
          }
        } catch (error) {
          derivationError ??= error as Error;
        }
      }
      lastEvent = event;
      before = after;
    } else if (inspection.type === '@xstate.snapshot') {
      before = inspection.snapshot as AnyMachineSnapshot;
      lastEvent = undefined;
    }
  };

  // The snapshot on entering the initial states, before the start's eventless transitions.
  before = getInitialMicrosteps(replayed, model.input as never)[0]?.[0] as AnyMachineSnapshot | undefined;
  const actor = createActor(replayed, { clock, input: model.input, inspect });
  const session: Session = { world, runs: new Map(), record: world.record, plan: recordTimer };
  sessions.set(actor.system, session);

  const fail = (step: number, reason: string): never => {
    throw new PathFailure(`${machine.id}: ${reason}\n  path:\n${describeSteps(path, step)}`, path, step);
  };
  const vertex = (snapshot: AnyMachineSnapshot, event: ModelEvent | undefined) => `${snapshot.status}|${model.serialize(snapshot, event)}`;

  const steps: PathStep[] = [];
  let diverged: Trace['diverged'];
  let mark = 0;
  const effectsSince = () => {
    const since = effects.slice(mark);
    mark = effects.length;
    return since;
  };

  try {
    actor.start();
    const initial = actor.getSnapshot() as AnyMachineSnapshot;
    await settle();
    if (vertex(initial, undefined) !== vertex(path.steps[0]?.state as AnyMachineSnapshot, undefined)) fail(0, 'the actor does not start where the path does');
    const started = effectsSince();

    for (const [i, event] of events.entries()) {
      current = i + 1;
      taken = [];
      const previous = actor.getSnapshot() as AnyMachineSnapshot;
      if (event.type.startsWith(AFTER)) {
        const at = fireTimes[i] as number;
        if (clock.now() > at) fail(current, 'the clock passed a timer the path fires later');
        const name = delaysByEvent(machine).get(event.type) ?? '';
        world.record('timer.fired', { name, ms: realDelays.get(name) });
        clock.set(at);
      } else if (event.type.startsWith(DONE) || event.type.startsWith(ERROR)) {
        const isDone = event.type.startsWith(DONE);
        const id = event.type.slice((isDone ? DONE : ERROR).length);
        const run = session.runs.get(id);
        if (run === undefined) fail(current, `no running actor ${id}`);
        const live = run as Run;
        let output = event['output'];
        if (isDone && live.provided) {
          const windowEnd = Math.min(clock.now() + patienceMs + 1, fireTimes.find((t, k) => k > i && delayed[k]) ?? never);
          await settle();
          while (live.settled === undefined) {
            const due = clock.nextDueBefore(windowEnd);
            if (due === undefined) fail(current, `${live.src} did not succeed within ${patienceMs} ms where the path needs it to`);
            clock.set(due as number);
            await settle();
          }
          const settled = live.settled as NonNullable<Run['settled']>;
          if (!settled.ok) fail(current, `${live.src} failed (${String((settled.value as Error)?.message ?? settled.value)}) where the path needs it to succeed`);
          if (!isDeepStrictEqual(settled.value, output)) {
            const offered = model.outcomes[live.src]?.(previous).done ?? [];
            if (!offered.some((candidate) => isDeepStrictEqual(candidate, settled.value))) {
              fail(current, `${live.src} succeeded with ${JSON.stringify(settled.value)}, which the model does not offer here: add it to its outcomes`);
            }
            diverged = { step: current, reason: `${live.src} succeeded with ${JSON.stringify(settled.value)}, not ${JSON.stringify(output)}` };
            break;
          }
          output = settled.value;
        }
        live.finished = true;
        session.runs.delete(id);
        if (isDone) {
          world.record('actor.done', { src: live.src, id, output });
          live.resolve(output);
        } else {
          // An injected failure: the caller's actor is aborted, and whatever it does after is late.
          live.aborted = live.provided;
          if (live.provided) live.abort();
          world.record('actor.error', { src: live.src, id, error: event['error'] });
          live.reject(event['error']);
        }
      } else {
        actor.send(event);
      }
      await settle();
      if (derivationError !== undefined) fail(current, derivationError.message);
      const after = actor.getSnapshot() as AnyMachineSnapshot;
      if (vertex(after, event) !== vertex(path.steps[current]?.state as AnyMachineSnapshot, event)) {
        fail(current, `the actor left the path: ${JSON.stringify(after.value)} instead of ${JSON.stringify(path.steps[current]?.state.value)}`);
      }
      steps.push({
        index: current,
        event,
        before: previous,
        after,
        effects: effectsSince(),
        taken,
        running: [...session.runs.values()].map((run) => run.src),
      });
    }

    // What the caller's actors still do once the path is over (a write that ignored its abort …).
    const drainEnd = Math.min(clock.now() + patienceMs + 1, never);
    for (let due = clock.nextDueBefore(drainEnd); due !== undefined; due = clock.nextDueBefore(drainEnd)) {
      clock.set(due);
      await settle();
    }
    const last = steps.at(-1);
    const drained = effectsSince();
    if (last !== undefined && drained.length > 0) steps[steps.length - 1] = { ...last, effects: [...last.effects, ...drained] };
    return { path, initial, started, steps, effects: [...effects], taken: allTaken, ...(diverged === undefined ? {} : { diverged }) };
  } finally {
    actor.stop();
  }
}
