/**
 * upstate/testing: path tests for the statecharts, for whoever embeds them with actors of
 * their own. Generate a chart's paths from a model of its outside world, replay each against
 * the machine with your provision on a simulated clock, count the transitions taken, and check
 * the shipped charts' behaviour as named properties. See docs/testing.md.
 */
export { actorEvents, timerEvent, TestingError } from './definition.js';
export { describePath, edgePaths, pathFromEvents, shortestPaths, simplePaths } from './paths.js';
export type { MachinePath, ModelEvent, Outcomes, PathModel } from './paths.js';
export { PathClock } from './clock.js';
export { PathFailure, replay } from './replay.js';
export type { Effect, PathStep, PromiseActor, PromiseActorArgs, Provision, ReplayOptions, Trace, World } from './replay.js';
export { coverage } from './transitions.js';
export type { Coverage } from './transitions.js';
export { checkPaths, checkTraces, entered, left, PathCheckError, stepProperty } from './check.js';
export type { CheckOptions, Property, Report, Verdict, Violation } from './check.js';
export { flushProperties, flushWorld } from './flush.js';
export type { FlushOptions, FlushWorld } from './flush.js';
export { connectionProperties, connectionWorld } from './connection.js';
export type { ConnectionWorld } from './connection.js';
