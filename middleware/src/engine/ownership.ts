import { sameValue } from './hash';
import type { SystemName } from './types';

export interface FieldConflict {
  field: string;
  sourceValue: unknown;
  targetValue: unknown;
}

/**
 * Per-field system of record (loop prevention layer 3). From a change in `sourceSystem`:
 * - fields owned by the other system are dropped;
 * - fields without an owner changed on both sides since our last write are conflicts, and dropped;
 * - everything else propagates.
 * `lastWritten` is the payload we last wrote to the target; `current` the target's values now.
 */
export function applyOwnership(
  payload: Record<string, unknown>,
  sourceSystem: SystemName,
  owners: Record<string, SystemName> | undefined,
  lastWritten: Record<string, unknown> | null,
  current: Record<string, unknown> | null,
): { payload: Record<string, unknown>; conflicts: FieldConflict[] } {
  const out: Record<string, unknown> = {};
  const conflicts: FieldConflict[] = [];
  for (const [field, value] of Object.entries(payload)) {
    const owner = owners?.[field];
    if (owner && owner !== sourceSystem) continue;
    if (!owner && lastWritten && current && field in lastWritten && field in current) {
      const sourceChanged = !sameValue(value, lastWritten[field]);
      const targetChanged = !sameValue(current[field], lastWritten[field]);
      if (sourceChanged && targetChanged && !sameValue(value, current[field])) {
        conflicts.push({ field, sourceValue: value, targetValue: current[field] });
        continue;
      }
    }
    out[field] = value;
  }
  return { payload: out, conflicts };
}
