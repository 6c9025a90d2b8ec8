/**
 * XState inspection events as JSON in the shape the Stately inspector reads (`@xstate.actor`,
 * `@xstate.snapshot`, `@xstate.event`, each with `sessionId`, `rootId`, `createdAt`, `_version`),
 * so what the live page receives can be fed to that inspector unchanged. Every string passes the
 * trace's redaction; snapshots keep their value and a bounded copy of their context.
 */
import type { AnyActorRef, AnyStateMachine, InspectionEvent } from 'xstate';
import { toSafeJson, TRACE_JSON } from '../cli/trace.js';

/** The `_version` the Stately inspector's own converter stamps on events (@statelyai/inspect 0.7). */
export const INSPECTION_VERSION = '0.7.0';

interface Base {
  readonly sessionId: string;
  readonly rootId: string;
  readonly createdAt: string;
  readonly _version: string;
  readonly id: null;
}

export interface ActorEventJson extends Base {
  readonly type: '@xstate.actor';
  readonly name: string;
  readonly parentId: string | undefined;
  /** The machine's config as JSON text (what the Stately inspector draws from). */
  readonly definition: string | undefined;
  readonly snapshot: unknown;
  /** The machine's id (`connection`, `flush`…): names the chart the page draws for this actor. */
  readonly machineId: string | undefined;
}

export interface SnapshotEventJson extends Base {
  readonly type: '@xstate.snapshot';
  readonly event: unknown;
  readonly snapshot: unknown;
}

export interface EventEventJson extends Base {
  readonly type: '@xstate.event';
  readonly event: unknown;
  readonly sourceId: string | undefined;
}

export type InspectionJson = ActorEventJson | SnapshotEventJson | EventEventJson;

interface ActorLike {
  readonly sessionId: string;
  readonly id: string;
  readonly logic?: unknown;
  readonly _parent?: { readonly sessionId: string };
  getSnapshot(): unknown;
}

/**
 * The JSON form of `event`, or undefined for the kinds the inspector does not read (microsteps,
 * actions, transitions). `secrets` are redacted from every string.
 */
export function toInspectionJson(event: InspectionEvent, secrets: readonly string[] = []): InspectionJson | undefined {
  const base = (actorRef: ActorLike): Base => ({
    sessionId: actorRef.sessionId,
    rootId: event.rootId,
    createdAt: Date.now().toString(),
    _version: INSPECTION_VERSION,
    id: null,
  });
  switch (event.type) {
    case '@xstate.actor':
      return actorJson(asActor(event.actorRef), event.rootId, secrets);
    case '@xstate.snapshot':
      return {
        type: '@xstate.snapshot',
        ...base(asActor(event.actorRef)),
        event: toSafeJson(event.event, secrets),
        snapshot: toSafeJson(event.snapshot, secrets),
      };
    case '@xstate.event':
      return {
        type: '@xstate.event',
        ...base(asActor(event.actorRef)),
        event: toSafeJson(event.event, secrets),
        sourceId: event.sourceRef?.sessionId,
      };
    default:
      return undefined;
  }
}

/**
 * What a page that opens late needs to catch up: an `@xstate.actor` and an `@xstate.snapshot`
 * for `root` and every actor below it, parents first. The snapshot event's `event` is
 * `{ type: 'upstate.current' }`: no transition was taken, this is just the present state.
 */
export function currentInspection(root: AnyActorRef, secrets: readonly string[] = []): InspectionJson[] {
  const out: InspectionJson[] = [];
  const visit = (actorRef: ActorLike, parentId: string | undefined): void => {
    const actor = actorJson(actorRef, root.sessionId, secrets, parentId);
    out.push(actor);
    out.push({
      type: '@xstate.snapshot',
      sessionId: actorRef.sessionId,
      rootId: root.sessionId,
      createdAt: actor.createdAt,
      _version: INSPECTION_VERSION,
      id: null,
      event: { type: 'upstate.current' },
      snapshot: actor.snapshot,
    });
    for (const child of childrenOf(actorRef)) visit(child, actorRef.sessionId);
  };
  visit(root as unknown as ActorLike, undefined);
  return out;
}

/** Every state machine in the tree under `root` (itself included), once per machine id. */
export function machinesOf(root: AnyActorRef): AnyStateMachine[] {
  const machines = new Map<string, AnyStateMachine>();
  const visit = (actorRef: ActorLike): void => {
    const machine = machineOf(actorRef);
    if (machine && !machines.has(machine.id)) machines.set(machine.id, machine);
    for (const child of childrenOf(actorRef)) visit(child);
  };
  visit(root as unknown as ActorLike);
  return [...machines.values()];
}

/** The machine an actor runs, if it runs one. */
export function machineOf(actorRef: { readonly logic?: unknown }): AnyStateMachine | undefined {
  const logic = actorRef.logic as Partial<AnyStateMachine> | undefined;
  return typeof logic === 'object' && logic !== null && typeof logic.id === 'string' && logic.root !== undefined
    ? (logic as AnyStateMachine)
    : undefined;
}

function actorJson(actorRef: ActorLike, rootId: string, secrets: readonly string[], parentId?: string): ActorEventJson {
  const machine = machineOf(actorRef);
  const name = actorRef.id === actorRef.sessionId && machine ? machine.id : actorRef.id;
  return {
    type: '@xstate.actor',
    name,
    sessionId: actorRef.sessionId,
    rootId,
    createdAt: Date.now().toString(),
    _version: INSPECTION_VERSION,
    id: null,
    parentId: parentId ?? actorRef._parent?.sessionId,
    definition: machine ? JSON.stringify(toSafeJson(machine.config, secrets, DEFINITION_JSON)) : undefined,
    snapshot: toSafeJson(snapshotOf(actorRef), secrets),
    machineId: machine?.id,
  };
}

/** A machine's config is deep but finite: keep all of it, as the Stately inspector does. */
const DEFINITION_JSON = { ...TRACE_JSON, maxDepth: 24, maxItems: Number.POSITIVE_INFINITY, maxString: Number.POSITIVE_INFINITY };

function childrenOf(actorRef: ActorLike): ActorLike[] {
  const snapshot = snapshotOf(actorRef) as { children?: Record<string, ActorLike | undefined> } | undefined;
  return Object.values(snapshot?.children ?? {}).filter((child): child is ActorLike => child !== undefined && typeof child.sessionId === 'string');
}

/** XState types an inspected ref as the narrow `ActorRefLike`; every ref it reports is a full actor. */
function asActor(actorRef: unknown): ActorLike {
  return actorRef as ActorLike;
}

/** The actor's snapshot, or undefined while it is being created (XState reports it before it can be read). */
function snapshotOf(actorRef: ActorLike): unknown {
  try {
    return actorRef.getSnapshot();
  } catch {
    return undefined;
  }
}
