/**
 * The Planner: pure over one record, the state loaded for its page and what the flow's hooks answered (mapping,
 * match, current target values). It decides what happens to the record and returns it as data: a write plan, a
 * skip with its reason, or a quarantine. A dry run is this without the Writer.
 */
import { getPath } from '../mapping/paths';
import { hashPayload, sameValue } from './hash';
import { applyOwnership, type FieldConflict } from './ownership';
import type { PlannedEffect, SystemName } from './types';

export type SkipReason = 'skip-echo' | 'skip-unchanged' | 'skip-filtered';

export type RecordPlan =
  | { action: 'skip'; reason: SkipReason; conflicts: FieldConflict[]; dropped: DroppedFields }
  | { action: 'quarantine'; reason: string; conflicts: FieldConflict[] }
  | {
      action: 'write';
      op: 'create' | 'update';
      targetId: string | null;
      payload: Record<string, unknown>;
      conflicts: FieldConflict[];
      dropped: DroppedFields;
      effects: PlannedEffect[];
    };

/** Fields left out of a payload, and why. */
export interface DroppedFields {
  /** Owned by the other system. */
  owner: string[];
  /** Their source fields still hold what the connector last wrote there: our own write coming back. */
  echo: string[];
  /** Changed on both sides since our last write: sent to the conflict inbox. */
  conflict: string[];
}

export interface PlanInput {
  sourceSystem: SystemName;
  /** The record's values in the shape the connector writes to its system. */
  view: Record<string, unknown>;
  payload: Record<string, unknown>;
  targetId: string | null;
  /** True when the record is already linked (updates compare with what we last wrote). */
  linked: boolean;
  /** What the connector last wrote to the target for this record. */
  lastWritten: Record<string, unknown> | null;
  /** What the connector last wrote to the source record (the echo ledger's other direction). */
  lastWrittenToSource: Record<string, unknown> | null;
  /** Target values now, when the flow can read them (two-sided change detection). */
  current: Record<string, unknown> | null;
  owners?: Record<string, SystemName>;
  lineage?: Record<string, string[]>;
  /** The reverse direction's lineage (its payload fields → this flow's target paths), for round-trip echo. */
  reverseLineage?: Record<string, string[]>;
  /** Writes to this link inside the ping-pong window, and the limit; null when no loop is possible. */
  pingPong: { writes: number; maxWrites: number; windowMs: number } | null;
  /** Fields that must be written whatever echo, ownership and no-op say (a resolved conflict's winner). */
  force?: string[];
  /** Payload fields with an open conflict on this link: left alone (not written, not filed again) until resolved. */
  openConflicts?: string[];
  effects: PlannedEffect[];
}


/** True when a path was written by the connector and the record still holds that value. */
function echoed(view: Record<string, unknown>, written: Record<string, unknown>, path: string): boolean {
  const ours = getPath(written, path);
  return ours !== undefined && sameValue(getPath(view, path), ours);
}

const top = (path: string) => path.split('.')[0];

/**
 * Payload fields that are our own write coming back (field-level echo): every source field it is computed from still
 * holds what the reverse direction last wrote there, and that write carried this very field (a round trip). A value
 * we wrote into a source field that maps to a different target field is not an echo: the target does not hold it.
 */
export function echoFields(input: Pick<PlanInput, 'view' | 'payload' | 'lineage' | 'reverseLineage' | 'lastWrittenToSource'>): string[] {
  const { lineage, reverseLineage, lastWrittenToSource: written, view } = input;
  if (!lineage || !reverseLineage || !written) return [];
  return Object.keys(input.payload).filter((field) => {
    const sources = lineage[field];
    return (
      !!sources &&
      sources.length > 0 &&
      sources.every((p) => echoed(view, written, p) && (reverseLineage[top(p)] ?? []).some((back) => top(back) === field))
    );
  });
}

/** True when every field the connector last wrote to the source still holds that value (whole-record echo). */
export function isWholeEcho(view: Record<string, unknown>, written: Record<string, unknown> | null): boolean {
  if (!written) return false;
  const keys = Object.keys(written);
  return keys.length > 0 && keys.every((k) => sameValue(view[k], written[k]));
}

export function planRecord(input: PlanInput): RecordPlan {
  const force = new Set(input.force ?? []);
  const dropped: DroppedFields = { owner: [], echo: [], conflict: [] };
  // A record being created has no values of its own yet: fields the target owns are sent as its starting values.
  const open = new Set(input.targetId ? (input.openConflicts ?? []).filter((f) => !force.has(f)) : []);
  const candidate = open.size ? Object.fromEntries(Object.entries(input.payload).filter(([k]) => !open.has(k))) : input.payload;
  const owned = input.targetId
    ? applyOwnership(candidate, input.sourceSystem, input.owners, input.lastWritten, input.current)
    : { payload: { ...candidate }, conflicts: [] };
  const conflicts = owned.conflicts.filter((c) => !force.has(c.field));
  let payload = owned.payload;
  for (const f of Object.keys(input.payload)) {
    if (f in payload) continue;
    if (force.has(f)) payload[f] = input.payload[f];
    else if (open.has(f) || conflicts.some((c) => c.field === f)) dropped.conflict.push(f);
    else dropped.owner.push(f);
  }
  if (input.linked) {
    const echoes = echoFields({ ...input, payload }).filter((f) => !force.has(f));
    if (echoes.length) {
      dropped.echo = echoes;
      payload = Object.fromEntries(Object.entries(payload).filter(([k]) => !echoes.includes(k)));
    }
  }
  const op = input.targetId ? 'update' : 'create';
  const effects = input.effects;
  if (op === 'update' && input.linked && effects.length === 0) {
    if (Object.keys(payload).length === 0) {
      return { action: 'skip', reason: dropped.echo.length ? 'skip-echo' : 'skip-unchanged', conflicts, dropped };
    }
    const last = input.lastWritten;
    const unchanged = last && Object.entries(payload).every(([k, v]) => !force.has(k) && k in last && sameValue(v, last[k]));
    if (unchanged) return { action: 'skip', reason: 'skip-unchanged', conflicts, dropped };
  }
  // A first write to a record linked just now (matched, or linked by another flow) sends nothing the target already holds.
  if (op === 'update' && !input.lastWritten && input.current && effects.length === 0 && force.size === 0) {
    const current = input.current;
    if (Object.entries(payload).every(([k, v]) => sameValue(v, current[k]))) return { action: 'skip', reason: 'skip-unchanged', conflicts, dropped };
  }
  if (op === 'update' && input.linked && input.pingPong && input.pingPong.writes >= input.pingPong.maxWrites && force.size === 0) {
    const reason = `written ${input.pingPong.writes} times in ${Math.round(input.pingPong.windowMs / 1000)}s`;
    return { action: 'quarantine', reason, conflicts };
  }
  return { action: 'write', op, targetId: input.targetId, payload, conflicts, dropped, effects };
}

/** The echo-ledger entry after a write: field by field, the last value the connector wrote. */
export function mergeWritten(previous: Record<string, unknown> | null, written: Record<string, unknown>): { payload: Record<string, unknown>; hash: string } {
  const payload = { ...(previous ?? {}), ...written };
  return { payload, hash: hashPayload(payload) };
}
