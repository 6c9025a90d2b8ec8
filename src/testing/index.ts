/**
 * upstate/testing: path tests for the statecharts, for whoever embeds them with actors of
 * their own. Generate a chart's paths from a model of its outside world, replay each against
 * the machine with your provision on a simulated clock, count the transitions taken, and check
 * the shipped charts' behaviour as named properties.
 */
export { actorEvents, timerEvent, TestingError } from './definition.js';
export { describeEvent, describePath, edgePaths, eventsOf, pathFromEvents, shortestPaths, simplePaths } from './paths.js';
export type { MachinePath, ModelEvent, Outcomes, PathModel } from './paths.js';
export { PathClock } from './clock.js';
export { describeSteps, PathFailure, replay } from './replay.js';
export type { Effect, PathStep, PromiseActor, PromiseActorArgs, Provision, ReplayOptions, Trace, World } from './replay.js';
export { coverage, transitionCatalog } from './transitions.js';
export type { Coverage, TransitionInfo } from './transitions.js';
export { checkPaths, checkTraces, contextOf, effectsOf, entered, left, PathCheckError, stepProperty } from './check.js';
export type { CheckOptions, Property, Report, Verdict, Violation } from './check.js';
export { atRest } from './rest.js';
export { flushProperties, flushWorld } from './flush.js';
export type { FlushOptions, FlushWorld } from './flush.js';
export { connectionProperties, connectionWorld } from './connection.js';
export type { ConnectionWorld } from './connection.js';
