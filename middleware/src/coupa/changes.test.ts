import { ChangeSlices, compareCursor, type UpdatedAtCursor } from './changes';

/** A change stream over ids 1..n, one second apart, fetched in pages of 50: counts the pages (requests) opened. */
function stream(n: number) {
  const ts = (id: number) => new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString();
  const counts = { pages: 0, scans: 0 };
  async function* open(since: UpdatedAtCursor | undefined) {
    counts.scans++;
    // like iterateChanges: a restart at `since` is `updated-at >= since`, so the record at the cursor is read again
    let next = since ? n + 1 : 1;
    if (since) for (let id = 1; id <= n; id++) if (Date.parse(ts(id)) >= Date.parse(since.updatedAt)) { next = id; break; }
    for (;;) {
      const page = [];
      for (let id = next; id < next + 50 && id <= n; id++) page.push(id);
      counts.pages++;
      for (const id of page) {
        const cursor = { updatedAt: ts(id), id };
        if (since && compareCursor(cursor, since) <= 0) continue;
        yield { record: { id }, cursor };
      }
      if (page.length < 50) return;
      next += 50;
    }
  }
  return { open, counts };
}

describe('ChangeSlices', () => {
  async function readAll(slices: ChangeSlices<{ id: number }>): Promise<number[]> {
    let since: UpdatedAtCursor | undefined;
    const ids: number[] = [];
    for (;;) {
      const slice = await slices.read(since, 200);
      ids.push(...slice.map((c) => c.record.id));
      if (slice.length < 200) return ids;
      since = slice[slice.length - 1].cursor;
    }
  }

  it('continues the scan when a slice starts where the last one ended: 1,000 records in slices of 200 cost 21 pages, not 25', async () => {
    const all = Array.from({ length: 1_000 }, (_, i) => i + 1);
    const resumed = stream(1_000);
    expect(await readAll(new ChangeSlices(resumed.open))).toEqual(all);
    expect(resumed.counts).toEqual({ pages: 21, scans: 1 });
    // restarting each slice at its cursor (what a reader without ChangeSlices does) re-reads the cursor's record
    const restarted = stream(1_000);
    expect(await readAll(new ChangeSlices(restarted.open, { resumeWithinMs: -1 }))).toEqual(all);
    expect(restarted.counts).toEqual({ pages: 25, scans: 6 });
  });

  it('keeps the rest of a page fetched for the previous slice', async () => {
    const { open, counts } = stream(120);
    const slices = new ChangeSlices(open);
    const first = await slices.read(undefined, 30);
    expect(counts.pages).toBe(1);
    const second = await slices.read(first[29].cursor, 20);
    expect(second.map((c) => c.record.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 31));
    expect(counts.pages).toBe(1);
  });

  it('starts a new scan at any other cursor, after a pause, and after a failed read', async () => {
    const { open, counts } = stream(300);
    let clock = 0;
    const slices = new ChangeSlices(open, { now: () => clock, resumeWithinMs: 1_000 });
    const a = await slices.read(undefined, 100);
    // another cursor (a run starting at its checkpoint minus the overlap window)
    const b = await slices.read(a[49].cursor, 10);
    expect(b[0].record.id).toBe(51);
    expect(counts.scans).toBe(2);
    // a pause longer than resumeWithinMs
    clock += 5_000;
    const c = await slices.read(b[9].cursor, 10);
    expect(c[0].record.id).toBe(61);
    expect(counts.scans).toBe(3);
    // a slice that ends the stream keeps nothing
    const rest = await slices.read(c[9].cursor, 1_000);
    expect(rest).toHaveLength(230);
    await slices.read(rest[229].cursor, 10);
    expect(counts.scans).toBe(4); // the slice before continued scan 3 to its end

    let fail = true;
    const failing = new ChangeSlices<{ id: number }>(async function* (since) {
      yield* open(since);
      if (fail) throw new Error('socket hang up');
    });
    const scansBefore = counts.scans;
    await expect(failing.read(undefined, 1_000)).rejects.toThrow('socket hang up');
    fail = false;
    expect(await failing.read(undefined, 10)).toHaveLength(10);
    expect(counts.scans).toBe(scansBefore + 2);
  });
});
