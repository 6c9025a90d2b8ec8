/**
 * Writes docs/statecharts.md from the machine definitions in machines/: one Mermaid
 * `stateDiagram-v2` per machine, then tables of its states, transitions, guards and delays.
 *
 *   npm run docs:machines               regenerate docs/statecharts.md
 *   npm run docs:machines -- --check    exit 1 if the committed file differs from the machines
 *
 * State and transition explanations come from the `description` fields of the machines; guard
 * and delay explanations from the tables below. A guard, delay or state without an explanation
 * is an error, so nothing new in a chart goes undocumented. The output is deterministic (no
 * dates, definition order throughout): regenerating an unchanged chart gives the same bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { connectionMachine, flushMachine, gatewayRoleMachine, orchestratorMachine } from '../machines/index.js';

/** Where the generated page lives. */
export const STATECHARTS_PATH = fileURLToPath(new URL('../docs/statecharts.md', import.meta.url));

interface DelayExplanation {
  /** What the delay measures, in one sentence. */
  readonly text: string;
  /** The orchestrator option that sets it, if any (see docs/tuning.md). */
  readonly option?: string;
}

/** One machine and the explanations of its named guards and delays. */
export interface MachineDoc {
  readonly machine: AnyStateMachine;
  /** The name it is exported under from `upstate/machines`. */
  readonly exportName: string;
  /** Its source file, relative to the repository root. */
  readonly source: string;
  readonly guards: Readonly<Record<string, string>>;
  readonly delays: Readonly<Record<string, DelayExplanation>>;
}

export const MACHINE_DOCS: readonly MachineDoc[] = [
  {
    machine: orchestratorMachine,
    exportName: 'orchestratorMachine',
    source: 'machines/orchestrator.machine.ts',
    guards: {
      runsConnection: "The connection the event names has an actor: `public`, `private`, or a shard spawned and not yet stopped.",
      isSpawnedShard: 'The connection the event names is a public shard this chart spawned (`public-2`, …) and has not stopped.',
    },
    delays: {},
  },
  {
    machine: connectionMachine,
    exportName: 'connectionMachine',
    source: 'machines/connection.machine.ts',
    guards: {
      hasDemand: "The registry's desired state for this connection is not empty.",
      hasNoDemand: "The registry's desired state for this connection is empty.",
      isRateLimited: 'The upgrade was refused with HTTP 429 (too many connection requests).',
      isBlocked: 'The upgrade was refused with HTTP 418 (blocked after ignoring 429s).',
      isAuthRejected: 'The upgrade was refused with HTTP 401 or 403 (credentials refused).',
      hasPenalty: 'A 429 or 418 imposed a minimum wait that no successful open has cleared yet.',
    },
    delays: {
      reconnectBackoff: {
        text: 'Wait before the next attempt: a uniform draw in [0, min(maxMs, initialMs·2^(attempt−1))], never less than the penalty a 429 or 418 imposed.',
        option: 'backoff.initialMs, backoff.maxMs',
      },
      blockDuration: { text: 'Wait after an HTTP 418: its Retry-After, and at least 60 s.' },
      heartbeatInterval: {
        text: 'Time from the open, or from the answer to the last probe, to the next probe.',
        option: 'heartbeat.intervalMs',
      },
      heartbeatTimeout: {
        text: 'How long a probed link may stay silent before it counts as stale and is dropped.',
        option: 'heartbeat.timeoutMs',
      },
      stablePeriod: {
        text: 'Open time after which the link counts as stable and the backoff starts over.',
        option: 'backoff.stableMs',
      },
      linger: { text: 'Grace period of an open link nobody wants any more before it is closed.', option: 'lingerMs' },
    },
  },
  {
    machine: flushMachine,
    exportName: 'flushMachine',
    source: 'machines/flush.machine.ts',
    guards: {
      isInSync: "The desired state's fingerprint equals what the server holds.",
      hasNoDemand: 'The desired state is empty.',
      hasDemand: 'The desired state is not empty.',
      isLeadingEdge: 'The flush sends a change that finds it idle without a debounce first (the `leadingEdge` option).',
      isHeldByServer: "The change's fingerprint equals what the server holds: the changes since the last send cancelled out.",
      wantsNothing: "The change's fingerprint is the empty state's: nothing is wanted on this connection any more.",
      isLinkUp: 'The socket is open (the last link event was `link.up`).',
      isDirty: 'A change arrived while the message was being sent.',
    },
    delays: {
      debounce: { text: 'How long a flush collects changes before it asks for a rate token.', option: 'debounceMs' },
      gateRetry: { text: 'Pause before asking a rate gate that failed (not a cancelled wait) again: 1 s, so a broken gate never spins.' },
    },
  },
  {
    machine: gatewayRoleMachine,
    exportName: 'gatewayRoleMachine',
    source: 'machines/gateway-role.machine.ts',
    guards: {
      claimWon: 'The claim created the lease key: nobody held the lease.',
    },
    delays: {
      claimRetry: { text: 'How often a standby tries to claim the lease (`upstate gateway --standby-poll-ms`).', option: 'standbyPollMs' },
      stepDownPause: { text: 'How long a deposed gateway waits before it stands for election again.', option: 'standbyPollMs' },
    },
  },
];

// ── walking the definition ─────────────────────────────────────────────────

type Trigger =
  | { readonly kind: 'event'; readonly event: string }
  | { readonly kind: 'after'; readonly delay: string | number }
  | { readonly kind: 'always' }
  | { readonly kind: 'done' | 'error'; readonly src: string };

interface Edge {
  readonly source: AnyStateNode;
  readonly trigger: Trigger;
  readonly guard: string | undefined;
  readonly targets: readonly AnyStateNode[];
  readonly actions: readonly string[];
  readonly description: string | undefined;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';
const AFTER = 'xstate.after.';

/** Every state node under `node`, depth first, in definition order (`node` itself first). */
function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(nodesOf)];
}

/**
 * The name of an action, actor or guard as the definition refers to it: a string, `{ type }`, a
 * built-in action (`xstate.assign`…) or a guard combinator (`not(isX)`). `undefined` for an
 * inline function, which has no name worth showing.
 */
function nameOf(reference: unknown): string | undefined {
  if (typeof reference === 'string') return reference;
  if (typeof reference === 'object' && reference !== null && typeof (reference as { type?: unknown }).type === 'string') {
    return (reference as { type: string }).type;
  }
  if (typeof reference !== 'function') return undefined;
  const { type, name, check, guards } = reference as { type?: unknown; name: string; check?: unknown; guards?: unknown };
  if (typeof type === 'string') return type;
  if (typeof check !== 'function') return undefined;
  if (!Array.isArray(guards)) return name;
  const inner = guards.map(nameOf);
  return inner.every((part) => part !== undefined) ? `${name}(${inner.join(', ')})` : undefined;
}

function triggerOf(node: AnyStateNode, eventType: string): Trigger {
  if (eventType === '') return { kind: 'always' };
  if (eventType.startsWith(AFTER)) {
    const delay = node.after.find((transition) => transition.eventType === eventType)?.delay;
    // A function here is an inline delay expression: it has no name.
    return { kind: 'after', delay: typeof delay === 'function' ? 'inline delay' : (delay ?? eventType.slice(AFTER.length)) };
  }
  for (const [prefix, kind] of [
    [DONE, 'done'],
    [ERROR, 'error'],
  ] as const) {
    if (!eventType.startsWith(prefix)) continue;
    const id = eventType.slice(prefix.length);
    const invoked = node.invoke.find((definition) => definition.id === id);
    return { kind, src: nameOf(invoked?.src) ?? id };
  }
  return { kind: 'event', event: eventType };
}

function edgeOf(node: AnyStateNode, eventType: string, transition: AnyTransitionDefinition): Edge {
  return {
    source: node,
    trigger: triggerOf(node, eventType),
    guard: transition.guard === undefined ? undefined : (nameOf(transition.guard) ?? 'inline guard'),
    targets: transition.target ?? [],
    actions: (transition.actions ?? []).map((action) => nameOf(action) ?? 'inline action'),
    description: transition.description,
  };
}

/** Every transition of a node: `on`, `after`, invoke `onDone`/`onError` (all in `transitions`), then `always`. */
function edgesOf(node: AnyStateNode): Edge[] {
  const edges: Edge[] = [];
  for (const [eventType, transitions] of node.transitions) {
    for (const transition of transitions) edges.push(edgeOf(node, eventType, transition));
  }
  for (const transition of node.always ?? []) edges.push(edgeOf(node, '', transition));
  return edges;
}

// ── naming ─────────────────────────────────────────────────────────────────

/** `rateWaiting.acquiring`; the root is `(root)`. */
function pathOf(node: AnyStateNode): string {
  return node.path.length === 0 ? '(root)' : node.path.join('.');
}

/** A Mermaid state id: unique in the diagram, letters, digits and `_` only. */
function mermaidId(node: AnyStateNode): string {
  return node.path.join('_');
}

function formatMs(ms: number): string {
  return ms >= 1_000 && ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`;
}

function triggerText(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'event':
      return trigger.event;
    case 'after':
      return typeof trigger.delay === 'number' ? `after ${formatMs(trigger.delay)}` : `after ${trigger.delay}`;
    case 'always':
      return 'always';
    case 'done':
    case 'error':
      return `${trigger.src} ${trigger.kind}`;
  }
}

function edgeLabel(edge: Edge): string {
  const label = triggerText(edge.trigger) + (edge.guard === undefined ? '' : ` [${edge.guard}]`);
  // Mermaid ends a transition label at `:` or `;`.
  if (/[:;\n]/.test(label)) throw new Error(`docs-machines: cannot put ${JSON.stringify(label)} on a Mermaid edge`);
  return label;
}

// ── the diagram ────────────────────────────────────────────────────────────

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>);
}

/** Whether an edge can be drawn inside its source's parent block: both ends are siblings there. */
function isLocal(edge: Edge, target: AnyStateNode): boolean {
  return edge.source.parent !== undefined && edge.source.parent === target.parent && edge.source.parent.parent !== undefined;
}

function arrow(edge: Edge, target: AnyStateNode): string {
  return `${mermaidId(edge.source)} --> ${mermaidId(target)} : ${edgeLabel(edge)}`;
}

/** Declares `node` (and, for a compound or parallel node, its children and local edges). */
function declare(node: AnyStateNode, edges: readonly Edge[], indent: string, lines: string[]): void {
  const id = mermaidId(node);
  const head = id === node.key ? `state ${id}` : `state "${node.key}" as ${id}`;
  const children = childrenOf(node);
  if (children.length === 0) {
    lines.push(id === node.key ? `${indent}${id}` : `${indent}${head}`);
    return;
  }
  lines.push(`${indent}${head} {`);
  body(node, edges, `${indent}  `, lines);
  lines.push(`${indent}}`);
}

/** The inside of the root or of a composite: children, initial arrow, final arrows, local edges. */
function body(node: AnyStateNode, edges: readonly Edge[], indent: string, lines: string[]): void {
  const children = childrenOf(node);
  if (node.type === 'parallel') {
    // Regions of a parallel state are separated by `--`; each region has its own initial arrow.
    children.forEach((child, index) => {
      if (index > 0) lines.push(`${indent}--`);
      declare(child, edges, indent, lines);
    });
    return;
  }
  for (const child of children) declare(child, edges, indent, lines);
  for (const target of node.initial?.target ?? []) lines.push(`${indent}[*] --> ${mermaidId(target)}`);
  for (const child of children) if (child.type === 'final') lines.push(`${indent}${mermaidId(child)} --> [*]`);
  if (node.parent === undefined) return;
  // Edges between siblings of a composite are drawn inside it; all others at the top level,
  // after every state is declared (Mermaid places a state where it first appears).
  for (const edge of edges) {
    if (edge.source.parent !== node) continue;
    for (const target of edge.targets) if (isLocal(edge, target)) lines.push(`${indent}${arrow(edge, target)}`);
  }
}

function diagramOf(machine: AnyStateMachine, edges: readonly Edge[]): string {
  const lines = ['stateDiagram-v2'];
  body(machine.root, edges, '  ', lines);
  for (const edge of edges) {
    // A transition of the root itself leaves from every state: the table lists it, no arrow can.
    if (edge.source.parent === undefined) continue;
    for (const target of edge.targets) if (!isLocal(edge, target)) lines.push(`  ${arrow(edge, target)}`);
  }
  return lines.join('\n');
}

// ── tables ─────────────────────────────────────────────────────────────────

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(name: string): string {
  return `\`${name}\``;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function invokesOf(node: AnyStateNode): string {
  return node.invoke.map((definition) => code(nameOf(definition.src) ?? definition.id)).join(', ');
}

/** XState schedules a node's `after` timers with an entry `raise` and an exit `cancel`: not the chart's own actions. */
function ownActions(node: AnyStateNode, actions: readonly unknown[], timerAction: string): string[] {
  const names = actions.map((action) => nameOf(action) ?? 'inline action');
  return node.after.length === 0 ? names : names.filter((name) => name !== timerAction);
}

function actionsOf(node: AnyStateNode): string {
  const entry = ownActions(node, node.entry, 'xstate.raise');
  const exit = ownActions(node, node.exit, 'xstate.cancel');
  return [...entry.map((name) => `entry ${code(name)}`), ...exit.map((name) => `exit ${code(name)}`)].join(', ');
}

function statesTable(machine: AnyStateMachine): string {
  const rows = nodesOf(machine.root)
    .slice(1)
    .map((node) => [code(pathOf(node)), node.description ?? '', actionsOf(node), invokesOf(node)]);
  return table(['State', 'Meaning', 'Entry / exit', 'Invokes'], rows);
}

function transitionsTable(edges: readonly Edge[]): string {
  const rows = edges.map((edge) => [
    code(pathOf(edge.source)),
    code(triggerText(edge.trigger)),
    edge.guard === undefined ? '' : code(edge.guard),
    edge.targets.length === 0 ? '(stays)' : edge.targets.map((target) => code(pathOf(target))).join(', '),
    edge.actions.map(code).join(', '),
    edge.description ?? '',
  ]);
  return table(['From', 'Trigger', 'Guard', 'To', 'Actions', 'Why'], rows);
}

function guardsTable(doc: MachineDoc): string {
  const names = Object.keys(doc.machine.implementations.guards);
  return table(
    ['Guard', 'True when'],
    names.map((name) => [code(name), doc.guards[name] ?? '']),
  );
}

function delayDefault(value: unknown): string {
  return typeof value === 'number' ? formatMs(value) : 'computed';
}

function delaysTable(doc: MachineDoc): string {
  const delays = doc.machine.implementations.delays as Record<string, unknown>;
  return table(
    ['Delay', 'Default', 'Option', 'Meaning'],
    Object.entries(delays).map(([name, value]) => {
      const explanation = doc.delays[name];
      const options = explanation?.option?.split(', ').map(code).join(', ') ?? '';
      return [code(name), delayDefault(value), options, explanation?.text ?? ''];
    }),
  );
}

function section(doc: MachineDoc): string {
  const { machine } = doc;
  const edges = nodesOf(machine.root).flatMap(edgesOf);
  const parts = [
    `## ${code(doc.exportName)}`,
    // A code span, not a link: the published package ships docs/ but not the machines' sources.
    `Source: \`${doc.source}\` in the repository. ${machine.root.description ?? ''}`.trim(),
  ];
  const invoked = invokesOf(machine.root);
  if (invoked !== '') parts.push(`Invoked for the machine's whole life: ${invoked}.`);
  parts.push('```mermaid\n' + diagramOf(machine, edges) + '\n```');
  parts.push('### States', statesTable(machine));
  parts.push('### Transitions', transitionsTable(edges));
  if (Object.keys(machine.implementations.guards).length > 0) parts.push('### Guards', guardsTable(doc));
  if (Object.keys(machine.implementations.delays).length > 0) parts.push('### Delays', delaysTable(doc));
  return parts.join('\n\n');
}

const HEADER = `<!-- Generated by scripts/docs-machines.ts from machines/*.ts. Do not edit: run \`npm run docs:machines\`. -->

# Statecharts

upstate's behaviour lives in four XState v5 machines, exported from \`upstate/machines\`. At run
time the first three form one actor tree: the orchestrator invokes the private connection and the first
public one, spawns a connection per further shard of the public pool (\`public-2\`, …) and stops it
once it has closed with nothing to carry, and each connection invokes its flush. Every I/O step is a named actor, guard or delay
that \`createOrchestrator\` provides (see [architecture.md](architecture.md)); the delays' values
come from the options in [tuning.md](tuning.md). The fourth, \`gatewayRoleMachine\`, runs on its own in
each fleet gateway and decides its role ([fleet.md](fleet.md)); its delays come from the
gateway's options.

How to read the diagrams: an edge label is the trigger, then the guard in brackets. Triggers are an
event (\`registry.changed\`), \`after <delay>\`, \`always\` (an eventless transition, taken as soon as
its guard holds), or \`<actor> done\` / \`<actor> error\` (an invoked actor resolved or failed).
Transitions without a target only run actions (they absorb a change, record a fact); they are not
drawn, and the *Transitions* tables list them as \`(stays)\`. Guards of one trigger are tried in
the order listed.`;

/** docs/statecharts.md as the machines define it now. */
export function renderStatecharts(docs: readonly MachineDoc[] = MACHINE_DOCS): string {
  return `${[HEADER, ...docs.map(section)].join('\n\n')}\n`;
}

/**
 * What the page cannot explain: guards and delays of a machine's implementations without an
 * entry in the tables above (or entries for ones that no longer exist), states without a
 * `description`, and guards or delays without a name. Empty when everything is documented.
 */
export function undocumented(docs: readonly MachineDoc[] = MACHINE_DOCS): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const { machine, source } = doc;
    const guards = Object.keys(machine.implementations.guards);
    const delays = Object.keys(machine.implementations.delays);
    for (const name of guards) if (!(name in doc.guards)) problems.push(`${source}: guard \`${name}\` has no explanation in scripts/docs-machines.ts`);
    for (const name of delays) if (!(name in doc.delays)) problems.push(`${source}: delay \`${name}\` has no explanation in scripts/docs-machines.ts`);
    for (const name of Object.keys(doc.guards)) if (!guards.includes(name)) problems.push(`${source}: explained guard \`${name}\` is not in the machine`);
    for (const name of Object.keys(doc.delays)) if (!delays.includes(name)) problems.push(`${source}: explained delay \`${name}\` is not in the machine`);
    for (const node of nodesOf(machine.root).slice(1)) {
      if (!node.description) problems.push(`${source}: state \`${pathOf(node)}\` has no \`description\``);
    }
    for (const edge of nodesOf(machine.root).flatMap(edgesOf)) {
      if (edge.guard === 'inline guard') problems.push(`${source}: an inline guard in \`${pathOf(edge.source)}\` has no name to explain`);
      if (edge.trigger.kind === 'after' && typeof edge.trigger.delay === 'number') {
        problems.push(`${source}: \`${pathOf(edge.source)}\` has an unnamed delay of ${edge.trigger.delay} ms`);
      }
      if (edge.trigger.kind === 'after' && edge.trigger.delay === 'inline delay') {
        problems.push(`${source}: \`${pathOf(edge.source)}\` has an inline delay expression with no name to explain`);
      }
    }
  }
  return problems;
}

/** The message of a failed `--check`. */
export const OUT_OF_DATE = 'docs/statecharts.md does not match the machines: run `npm run docs:machines`';

/**
 * The command: writes the page, or with `--check` compares it with the file at `path`.
 * Returns the exit code: 1 if anything is undocumented or, with `--check`, the file differs.
 */
export function run(argv: readonly string[], path: string = STATECHARTS_PATH): number {
  const problems = undocumented();
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    return 1;
  }
  const generated = renderStatecharts();
  if (argv.includes('--check')) {
    let committed: string | undefined;
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed === generated) return 0;
    console.error(OUT_OF_DATE);
    return 1;
  }
  writeFileSync(path, generated);
  console.log(`wrote ${path}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = run(process.argv.slice(2));
}
