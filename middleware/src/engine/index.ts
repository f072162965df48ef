export * from './types';
export { FlowRunner, RunAbortedError, type Decision, type RunCounts, type RunSummary, type RunOutcome, type RunnerOptions } from './runner';
export { planRecord, type RecordPlan, type DroppedFields } from './planner';
export { compareCursors, compareIds, normalizeTs, overlapStart } from './cursor';
export { hashPayload, stableStringify } from './hash';
export { applyOwnership, type FieldConflict } from './ownership';
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './retry';
export { SyncEngine, engineOptionsFromConfig, registerOptionsFromConfig, type SyncEngineOptions, type RegisterOptions, type FlowStatus } from './sync-engine';
export { findLinkedTargetId, targetIdOfLink } from './links';
