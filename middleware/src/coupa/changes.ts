import type { CoupaClient } from './client';
import { MAX_PAGE_SIZE, type FieldProjection, type Filters } from './query';

/** Compound incremental-sync cursor: last seen `updated-at` and, among records sharing it, the last id. */
export interface UpdatedAtCursor {
  updatedAt: string;
  id: number;
}

export interface ChangesQuery {
  since?: UpdatedAtCursor;
  filters?: Filters;
  fields?: FieldProjection;
  pageSize?: number;
}

interface Stamped {
  id: number;
  'updated-at'?: string | null;
}

const instant = (ts: string): number => Date.parse(ts);

/** Orders two cursors: negative when a precedes b. */
export function compareCursor(a: UpdatedAtCursor, b: UpdatedAtCursor): number {
  return instant(a.updatedAt) - instant(b.updatedAt) || a.id - b.id;
}

/**
 * Records changed at or after `since`, in (updated-at, id) order, each yielded with its cursor.
 *
 * Offset paging over a set that changes while we read it can skip rows. So every page restarts the
 * window at the newest `updated-at` seen (`updated-at[gt_or_eq]`) and only uses `offset` to step over
 * the records already seen with exactly that timestamp. A record edited mid-scan moves to a later
 * timestamp and is simply met again there. Records at the `since` timestamp with an id ≤ since.id
 * are the tie-break and are dropped.
 */
export async function* iterateChanges<T extends Stamped>(
  client: CoupaClient,
  resource: string,
  q: ChangesQuery = {},
): AsyncGenerator<{ record: T; cursor: UpdatedAtCursor }> {
  const limit = Math.min(q.pageSize ?? client.pageSize, MAX_PAGE_SIZE);
  const fields = q.fields ? ensureStampFields(q.fields) : undefined;
  let windowStart = q.since?.updatedAt;
  let seenAtStart = 0;
  const since = q.since;
  for (;;) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q.filters ?? {})) {
      if (v === undefined) continue;
      params.append(k, Array.isArray(v) ? v.map(String).join(',') : v instanceof Date ? v.toISOString() : String(v));
    }
    if (windowStart) params.set('updated-at[gt_or_eq]', windowStart);
    params.set('order_by', 'updated-at');
    params.set('dir', 'asc');
    params.set('limit', String(limit));
    params.set('offset', String(seenAtStart));
    if (fields) params.set('fields', JSON.stringify(fields));
    const page = await client.getPage<T>(resource, params);
    for (const record of page) {
      const updatedAt = record['updated-at'];
      if (!updatedAt) throw new Error(`Coupa ${resource} record ${record.id} has no updated-at; cannot use it for incremental sync`);
      const cursor = { updatedAt, id: record.id };
      if (since && compareCursor(cursor, since) <= 0) continue;
      yield { record, cursor };
    }
    if (page.length < limit) return;
    const last = page[page.length - 1]['updated-at']!;
    const sameAsLast = page.filter((r) => instant(r['updated-at']!) === instant(last)).length;
    if (windowStart !== undefined && instant(last) === instant(windowStart)) {
      seenAtStart += sameAsLast;
    } else {
      windowStart = last;
      seenAtStart = sameAsLast;
    }
  }
}

function ensureStampFields(fields: FieldProjection): FieldProjection {
  const names = new Set(fields.filter((f): f is string => typeof f === 'string'));
  const extra = ['id', 'updated-at'].filter((n) => !names.has(n));
  return [...extra, ...fields];
}

type Change<T> = { record: T; cursor: UpdatedAtCursor };

/**
 * A change stream read in slices (`read(since, limit)`, the engine's pages and backlog batches). A slice that starts
 * where the previous one ended continues that scan: the rest of a page already fetched is not fetched again, and no
 * request is spent re-reading the record at the cursor (`updated-at[gt_or_eq]` restarts return it again). Any other
 * `since`, a pause longer than `resumeWithinMs`, or a failed read starts a new scan at `since`. A paused scan
 * continues with the same offset paging as within one scan (see iterateChanges).
 */
export class ChangeSlices<T> {
  private scan: { changes: AsyncGenerator<Change<T>>; last: UpdatedAtCursor; at: number } | null = null;

  constructor(
    private readonly open: (since: UpdatedAtCursor | undefined) => AsyncGenerator<Change<T>>,
    private readonly opts: { resumeWithinMs?: number; now?: () => number } = {},
  ) {}

  async read(since: UpdatedAtCursor | undefined, limit: number): Promise<Change<T>[]> {
    const now = this.opts.now ?? Date.now;
    // Taken, not shared: a concurrent read (a preview) starts its own scan instead of stealing this one's records.
    let scan = this.scan;
    this.scan = null;
    const resumable = scan && since && compareCursor(scan.last, since) === 0 && now() - scan.at <= (this.opts.resumeWithinMs ?? 60_000);
    if (!resumable) {
      if (scan) await scan.changes.return(undefined);
      scan = null;
    }
    const changes = scan?.changes ?? this.open(since);
    const out: Change<T>[] = [];
    while (out.length < limit) {
      const next = await changes.next();
      if (next.done) return out;
      out.push(next.value);
    }
    this.scan = { changes, last: out[out.length - 1].cursor, at: now() };
    return out;
  }
}
