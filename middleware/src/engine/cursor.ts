import type { Cursor } from './types';

/** Normalises any ISO-8601 timestamp to UTC milliseconds form so strings compare in time order. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normalizeTs(ts: string): string {
  if (CANONICAL.test(ts)) return ts;
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid record timestamp "${ts}"`);
  return d.toISOString();
}

const NUMERIC = /^\d+$/;

/** Ids compare numerically when both are digit strings (Coupa), else as strings (Salesforce). */
export function compareIds(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareCursors(a: Cursor, b: Cursor): number {
  const t = normalizeTs(a.ts).localeCompare(normalizeTs(b.ts));
  return t !== 0 ? t : compareIds(a.id, b.id);
}

export function maxCursor(a: Cursor | null, b: Cursor): Cursor {
  return a === null || compareCursors(b, a) > 0 ? b : a;
}

/**
 * Where a run starts reading: `overlapMs` before the checkpoint, before any id at that instant, to catch records
 * committed late with a timestamp behind the cursor. `overlapMs` bounds how late a commit may be (plus clock skew
 * between the source and the connector), so a record with timestamp T is visible by T + overlapMs. When the
 * checkpoint's last read started at `readAt`, every record with T ≤ readAt − overlapMs was visible to that read
 * already: only (readAt − overlapMs, cursor] can hold a late commit. A backlog read long after its records' time
 * (a backfill, or a poll after a quiet spell) therefore resumes exactly at the cursor and re-reads nothing.
 */
export function overlapStart(cp: Cursor | null, overlapMs: number, readAt?: string | null): Cursor | null {
  if (!cp) return null;
  const cursorMs = new Date(cp.ts).getTime();
  const readMs = readAt ? new Date(readAt).getTime() : Number.NaN;
  const from = Math.max(cursorMs - overlapMs, Number.isNaN(readMs) ? -Infinity : readMs - overlapMs);
  if (from >= cursorMs) return cp;
  return { ts: new Date(from).toISOString(), id: '' };
}

/**
 * Records already processed inside the overlap window, id → normalised ts. A record re-read with the
 * same ts is a duplicate; one with a new ts, or not in the set, is processed.
 */
export type SeenSet = Record<string, string>;

export function pruneSeen(seen: SeenSet, cp: Cursor | null, overlapMs: number): SeenSet {
  if (!cp) return {};
  const floor = new Date(new Date(cp.ts).getTime() - overlapMs).toISOString();
  return Object.fromEntries(Object.entries(seen).filter(([, mark]) => mark.split('|')[0] >= floor));
}

/**
 * What the overlap window remembers of a processed record: its timestamp and a hash of its content. Sources with
 * whole-second timestamps (Coupa's updated-at) can change a record twice within one second; the content hash
 * tells that second change from a re-read of the first. Marks written before the hash existed are timestamp-only.
 */
export function seenMark(ts: string, contentHash: string): string {
  return `${ts}|${contentHash}`;
}

export function alreadySeen(mark: string | undefined, ts: string, contentHash: string): boolean {
  if (mark === undefined) return false;
  return mark.includes('|') ? mark === seenMark(ts, contentHash) : mark === ts;
}
