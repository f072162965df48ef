/**
 * In-memory source and target systems for engine tests. No network, no emulators: the engine only
 * sees the FlowDefinition functions these back.
 */
import { compareCursors } from './cursor';
import type { Classification, Cursor, FailureKind, FlowDefinition, SourceRecord, SystemName, WriteItem, WriteOutcome } from './types';

export class FakeError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string = kind,
    readonly response?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export const fakeClassify = (err: unknown): Classification =>
  err instanceof FakeError
    ? { kind: err.kind, retryable: err.kind === 'transient' || err.kind === 'rate-limited', ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) }
    : { kind: 'ambiguous', retryable: false };

/** Deterministic PRNG (mulberry32) so "10% failures" is the same set every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeSource<T extends Record<string, unknown> = Record<string, unknown>> {
  records = new Map<string, SourceRecord<T>>();
  reads = 0;
  failNextReads = 0;
  /** Records in (ts, id) order, rebuilt after a change. */
  private sorted: SourceRecord<T>[] | null = null;

  put(id: string, ts: string, data: T, origin: string | null = null): void {
    this.records.set(id, { id, ts, data, origin });
    this.sorted = null;
  }

  async fetch(ids: string[]): Promise<SourceRecord<T>[]> {
    return ids.flatMap((id) => (this.records.has(id) ? [structuredClone(this.records.get(id)!)] : []));
  }

  async read({ after, limit }: { after: Cursor | null; limit: number }): Promise<SourceRecord<T>[]> {
    this.reads++;
    if (this.failNextReads > 0) {
      this.failNextReads--;
      throw new FakeError('transient', 'read failed');
    }
    this.sorted ??= [...this.records.values()].sort((a, b) => compareCursors({ ts: a.ts, id: a.id }, { ts: b.ts, id: b.id }));
    const list = this.sorted;
    let lo = 0;
    if (after) {
      // first record strictly after the cursor (binary search over the sorted list)
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareCursors({ ts: list[mid].ts, id: list[mid].id }, after) > 0) hi = mid;
        else lo = mid + 1;
      }
    }
    return list.slice(lo, lo + limit).map((r) => structuredClone(r));
  }
}

export interface StoredTarget {
  id: string;
  idempotencyKey: string;
  fields: Record<string, unknown>;
}

/** A target system: records, a write log, and hooks to fail or hang individual writes. */
export class FakeTarget {
  records = new Map<string, StoredTarget>();
  /** Every successful create/update applied, in order. */
  applied: { op: 'create' | 'update'; id: string; sourceId: string }[] = [];
  writeCalls = 0;
  private nextId = 1;
  /** Decide per item: throw/return an error before applying, apply then fail ('ambiguous-after'), or hang. */
  fault: (item: WriteItem, call: number) => FakeError | 'ambiguous-after' | 'hang' | null = () => null;
  /** Called when a write hangs (the simulated process dies there). */
  onHang: () => void = () => undefined;

  constructor(private readonly prefix = 'T') {}

  async write(items: WriteItem[]): Promise<WriteOutcome[]> {
    const call = ++this.writeCalls;
    const out: WriteOutcome[] = [];
    for (const item of items) {
      const fault = this.fault(item, call);
      if (fault === 'hang') {
        this.onHang();
        return new Promise<never>(() => undefined);
      }
      if (fault instanceof FakeError) {
        out.push({ ok: false, error: fault, request: { item }, response: fault.response ?? { error: fault.message } });
        continue;
      }
      let id: string;
      if (item.op === 'create') {
        id = `${this.prefix}${this.nextId++}`;
        this.records.set(id, { id, idempotencyKey: item.idempotencyKey, fields: { ...item.payload } });
      } else {
        const rec = this.records.get(item.targetId!);
        if (!rec) {
          out.push({ ok: false, error: new FakeError('validation', `no record ${item.targetId}`) });
          continue;
        }
        Object.assign(rec.fields, item.payload);
        id = rec.id;
      }
      this.applied.push({ op: item.op, id, sourceId: item.sourceId });
      out.push(fault === 'ambiguous-after' ? { ok: false, error: new FakeError('ambiguous', 'socket hang up') } : { ok: true, targetId: id });
    }
    return out;
  }

  async findByIdempotencyKey(key: string): Promise<string | null> {
    return [...this.records.values()].find((r) => r.idempotencyKey === key)?.id ?? null;
  }

  async readTargets(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    return new Map(ids.filter((id) => this.records.has(id)).map((id) => [id, { ...this.records.get(id)!.fields }]));
  }

  createsPerSource(): Map<string, number> {
    const m = new Map<string, number>();
    for (const a of this.applied) if (a.op === 'create') m.set(a.sourceId, (m.get(a.sourceId) ?? 0) + 1);
    return m;
  }
}

/** A one-way flow from a fake source to a fake target that copies `data` as the payload. */
export function fakeFlow(
  source: FakeSource,
  target: FakeTarget,
  overrides: Partial<FlowDefinition> & { from?: SystemName; to?: SystemName } = {},
): FlowDefinition {
  const { from = 'coupa', to = 'salesforce', ...rest } = overrides;
  return {
    name: 'fake-flow',
    source: { system: from, object: from === 'coupa' ? 'invoices' : 'Coupa_Invoice__c' },
    target: { system: to, object: to === 'coupa' ? 'invoices' : 'Coupa_Invoice__c' },
    trigger: { kind: 'poll' },
    batchSize: 50,
    overlapMs: 60_000,
    read: (req) => source.read(req),
    fetch: (ids) => source.fetch(ids),
    map: (rec) => ({ ...rec.data }),
    write: (items) => target.write(items),
    findByIdempotencyKey: (key) => target.findByIdempotencyKey(key),
    classify: fakeClassify,
    ...rest,
  };
}
