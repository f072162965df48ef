import type { CompiledMapping, Direction } from './compile';
import { mapRecord, type SourceRecord } from './mapper';
import { getPath, setPath } from './paths';

export interface FieldDiff {
  /** Target path. */
  path: string;
  before: unknown;
  after: unknown;
  changed: boolean;
  /** Index of the mapping field that produced it. */
  field: number;
}

export interface Preview {
  mapping: string;
  direction: Direction;
  /** False when the mapping's condition excludes the record (nothing would be written). */
  included: boolean;
  /** Exactly what would be sent: all mapped fields, or only the changed ones with `onlyChanged`. */
  payload: Record<string, unknown>;
  diff: FieldDiff[];
  changedCount: number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * Compares as the target system would store values: null ≡ undefined, 12.5 ≡ "12.50",
 * and timestamps by instant (Coupa's "-08:00" offsets vs Salesforce's "+0000").
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (a === null || b === null) return false;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    if (typeof a === 'string' && typeof b === 'string' && DATETIME.test(a) && DATETIME.test(b)) {
      const ta = Date.parse(a.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      const tb = Date.parse(b.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta === tb;
    }
    const na = Number(a);
    const nb = Number(b);
    if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na === nb;
    return String(a) === String(b);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Dry run: the payload a sync would write for `source`, and a field-level diff against the target
 * record as it is now (`current`, undefined when it would be created).
 */
export async function previewMapping(
  mapping: CompiledMapping,
  direction: Direction,
  source: SourceRecord,
  current?: SourceRecord,
  opts: { onlyChanged?: boolean } = {},
): Promise<Preview> {
  const mapped = await mapRecord(mapping, direction, source);
  const diff: FieldDiff[] = mapped.values.map((v) => {
    const before = current ? getPath(current, v.path) : undefined;
    return { path: v.path, before: before === undefined ? null : before, after: v.value, changed: !current || !sameValue(before, v.value), field: v.field.index };
  });
  let payload = mapped.payload;
  if (opts.onlyChanged) {
    payload = {};
    const key = direction === 'coupa-to-salesforce' ? mapping.spec.salesforce.externalId : undefined;
    for (const d of diff) if (d.changed || d.path === key) setPath(payload, d.path, d.after);
  }
  return { mapping: mapping.name, direction, included: mapped.included, payload, diff, changedCount: diff.filter((d) => d.changed).length };
}
