export { MAX_CODES_PER_SPEC, normalizeSpec, normalizeSpecs } from './spec.js';
export type { NormalizedSpec, SnapshotMode, Spec } from './spec.js';
export type { DesiredEntry, DesiredState } from './desired.js';
export { EMPTY_FINGERPRINT, UNKNOWN_FINGERPRINT } from './fingerprint.js';
export { Registry } from './registry.js';
export type { ChangeListener } from './registry.js';
export { planRequest } from './plan.js';
