/**
 * Properties along replayed paths, and the one call that generates, replays and checks.
 */
import { TestingError } from './definition.js';
import { edgePaths, shortestPaths, type MachinePath, type PathModel } from './paths.js';
import { describeSteps, PathFailure, replay, type Effect, type PathStep, type ReplayOptions, type Trace } from './replay.js';
import { coverage, type Coverage } from './transitions.js';

/** Where and how a property broke on one path. */
export interface Violation {
  /** The step at which it broke (0: the start). */
  readonly step: number;
  readonly message: string;
}

/** A property's verdict on one trace: whether it applied anywhere, and where it broke, if it did. */
export interface Verdict {
  readonly applied: boolean;
  readonly violation?: Violation;
}

/** A named behaviour every path must keep. */
export interface Property {
  readonly name: string;
  readonly check: (trace: Trace) => Verdict;
}

/**
 * A property that holds at every step where it applies: `test` returns `undefined` where it does
 * not apply, `true` where it holds, or a message saying what broke.
 */
export function stepProperty(name: string, test: (step: PathStep, trace: Trace) => true | string | undefined): Property {
  return {
    name,
    check: (trace) => {
      let applied = false;
      for (const step of trace.steps) {
        const result = test(step, trace);
        if (result === undefined) continue;
        applied = true;
        if (result !== true) return { applied, violation: { step: step.index, message: result } };
      }
      return { applied };
    },
  };
}

/** Whether `step` entered (was not in before, is in after) the state at `path`, such as `'rateWaiting.acquiring'`. */
export function entered(step: PathStep, state: string): boolean {
  return step.after.matches(state) && !step.before.matches(state);
}

/** Whether `step` left the state at `path`. */
export function left(step: PathStep, state: string): boolean {
  return step.before.matches(state) && !step.after.matches(state);
}

export interface CheckOptions extends ReplayOptions {
  readonly model: PathModel;
  /** The paths to replay. @default the shortest path to every vertex and one path through every edge */
  readonly paths?: readonly MachinePath[];
  readonly properties?: readonly Property[];
  /** Fail unless the replays take every transition of the definition. @default true */
  readonly requireFullCoverage?: boolean;
  /** Fail when a property applied on no path (it would pass without testing anything). @default true */
  readonly requireEveryPropertyApplied?: boolean;
}

export interface Report {
  /** Paths replayed to the end. */
  readonly replayed: number;
  /** Paths the provision does not take (a provided actor chose another of the model's outcomes). */
  readonly diverged: number;
  readonly coverage: Coverage;
  /** Per property, on how many paths it applied. */
  readonly properties: ReadonlyArray<{ readonly name: string; readonly applied: number }>;
  readonly traces: readonly Trace[];
}

/** Everything `checkPaths` found wrong, each with its shortest witness path, step by step. */
export class PathCheckError extends Error {
  override name = 'PathCheckError';
  constructor(
    message: string,
    readonly report: Report,
  ) {
    super(message);
  }
}

function shortestFirst<T extends { readonly path: MachinePath }>(items: readonly T[]): T | undefined {
  return [...items].sort((a, b) => a.path.steps.length - b.path.steps.length)[0];
}

function describeEffects(effects: readonly Effect[]): string {
  const shown = effects.filter((effect) => effect.kind !== 'timer.start' && effect.kind !== 'received');
  if (shown.length === 0) return '';
  return `\n  what happened at that step:\n${shown.map((effect) => `    ${effect.kind} ${JSON.stringify(effect.detail)}`).join('\n')}`;
}

/**
 * Generates the paths of `model`'s chart (or takes the given ones), replays each against the
 * machine with the caller's provision, and checks the properties along every replay. Returns
 * the report (its `coverage.summary` is `<id>: transitions covered: X/Y`), or throws a
 * `PathCheckError` naming each broken property and replay with the shortest path that shows it.
 */
export async function checkPaths(options: CheckOptions): Promise<Report> {
  const { model } = options;
  const paths = options.paths ?? [...shortestPaths(model), ...edgePaths(model)];
  if (paths.length === 0) throw new TestingError('no paths to replay');
  const traces: Trace[] = [];
  const failures: PathFailure[] = [];
  for (const path of paths) {
    try {
      traces.push(await replay(model, path, options));
    } catch (error) {
      if (!(error instanceof PathFailure)) throw error;
      failures.push(error);
    }
  }
  return checkTraces(model, traces, options, failures);
}

/**
 * Checks properties and coverage over traces already replayed (to check several property sets,
 * or one property per test, without replaying again). Throws a `PathCheckError` as `checkPaths` does.
 */
export function checkTraces(
  model: PathModel,
  traces: readonly Trace[],
  options: Omit<CheckOptions, 'model' | 'paths' | 'provide' | 'patienceMs'> = {},
  failures: readonly PathFailure[] = [],
): Report {
  const { properties = [] } = options;
  const complete = traces.filter((trace) => trace.diverged === undefined);
  const taken = traces.flatMap((trace) => [...trace.taken]);
  const verdicts = properties.map((property) => {
    const broken: Array<{ path: MachinePath; trace: Trace; violation: Violation }> = [];
    let applied = 0;
    for (const trace of complete) {
      const verdict = property.check(trace);
      if (verdict.applied) applied += 1;
      if (verdict.violation !== undefined) broken.push({ path: trace.path, trace, violation: verdict.violation });
    }
    return { property, applied, broken };
  });
  const report: Report = {
    replayed: complete.length,
    diverged: traces.length - complete.length,
    coverage: coverage(model.machine, taken),
    properties: verdicts.map(({ property, applied }) => ({ name: property.name, applied })),
    traces,
  };

  const problems: string[] = [];
  const firstFailure = shortestFirst(failures);
  if (firstFailure !== undefined) {
    problems.push(`${failures.length} path(s) could not be replayed; the shortest:\n${firstFailure.message}`);
  }
  for (const { property, broken } of verdicts) {
    const witness = shortestFirst(broken);
    if (witness === undefined) continue;
    const { step, message } = witness.violation;
    const effects = step === 0 ? witness.trace.started : (witness.trace.steps[step - 1]?.effects ?? []);
    problems.push(
      `property broken: ${property.name}\n  on ${broken.length} of ${complete.length} paths; the shortest, at step ${step}: ${message}\n  path:\n${describeSteps(witness.path, step)}${describeEffects(effects)}`,
    );
  }
  if (options.requireEveryPropertyApplied ?? true) {
    for (const { property, applied } of verdicts) {
      if (applied === 0) problems.push(`property ${property.name} applied on none of the ${complete.length} paths: it tested nothing`);
    }
  }
  if ((options.requireFullCoverage ?? true) && report.coverage.covered < report.coverage.total) {
    problems.push(`${report.coverage.summary}; never taken:\n${report.coverage.uncovered.map((line) => `    ${line}`).join('\n')}`);
  }
  if (problems.length > 0) throw new PathCheckError(`${model.machine.id}: ${problems.join('\n\n')}`, report);
  return report;
}

