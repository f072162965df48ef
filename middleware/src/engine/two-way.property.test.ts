/**
 * Property: random interleaved edits on both sides of a two-way sync (a contract- or supplier-like record with a shared
 * field and one field owned by each side) converge to what the ownership rules say, never cause more connector writes
 * than there were edits, and never trip the ping-pong breaker.
 */
import fc from 'fast-check';
import type { StateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { compareCursors } from './cursor';
import { fakeClassify } from './fakes';
import { SyncEngine } from './sync-engine';
import type { FlowDefinition, SourceRecord, SystemName, WriteItem, WriteOutcome } from './types';

type Fields = { name: string; status: string; website: string };
const FIELDS = ['name', 'status', 'website'] as const;
/** status belongs to Coupa, website to Salesforce, name to nobody (shared: a two-sided change is a conflict). */
const OWNER: Record<string, SystemName | undefined> = { status: 'coupa', website: 'salesforce' };

/** One system: records with a last-modified clock; the connector's writes bump it like anyone's. */
class System {
  records = new Map<string, { ts: number; data: Fields }>();
  writes = 0;
  private clock = 0;
  private next = 1;
  constructor(readonly name: SystemName) {}
  private tick(): number {
    return ++this.clock;
  }
  create(data: Fields): string {
    const id = `${this.name === 'salesforce' ? 'a' : ''}${this.next++}`;
    this.records.set(id, { ts: this.tick(), data: { ...data } });
    return id;
  }
  edit(id: string, patch: Partial<Fields>): void {
    const r = this.records.get(id)!;
    Object.assign(r.data, patch);
    r.ts = this.tick();
  }
  private rec(id: string): SourceRecord<Fields> {
    const r = this.records.get(id)!;
    return { id, ts: new Date(Date.UTC(2026, 0, 1) + r.ts * 1000).toISOString(), data: { ...r.data } };
  }
  async read({ after, limit }: { after: { ts: string; id: string } | null; limit: number }): Promise<SourceRecord<Fields>[]> {
    return [...this.records.keys()]
      .map((id) => this.rec(id))
      .filter((r) => !after || compareCursors({ ts: r.ts, id: r.id }, after) > 0)
      .sort((a, b) => compareCursors(a, b))
      .slice(0, limit);
  }
  async fetch(ids: string[]) {
    return ids.filter((id) => this.records.has(id)).map((id) => this.rec(id));
  }
  async write(items: WriteItem[]): Promise<WriteOutcome[]> {
    return items.map((it) => {
      this.writes++;
      if (it.op === 'create') return { ok: true, targetId: this.create(it.payload as Fields) };
      this.edit(it.targetId!, it.payload as Partial<Fields>);
      return { ok: true, targetId: it.targetId! };
    });
  }
}

function flow(from: System, to: System, createsOnTarget: boolean): FlowDefinition<Fields> {
  return {
    name: `pair.to-${to.name}`,
    linkGroup: 'pair',
    source: { system: from.name, object: 'Pair' },
    target: { system: to.name, object: 'Pair' },
    trigger: { kind: 'poll' },
    batchSize: 50,
    read: (req) => from.read(req),
    fetch: (ids) => from.fetch(ids),
    map: (rec, ctx) => (ctx.targetId || createsOnTarget ? { ...rec.data } : null),
    write: (items) => to.write(items),
    readTargets: async (ids) => new Map(ids.filter((id) => to.records.has(id)).map((id) => [id, { ...to.records.get(id)!.data }])),
    classify: fakeClassify,
    fieldOwners: Object.fromEntries(Object.entries(OWNER).filter(([, o]) => o)) as Record<string, SystemName>,
    lineage: { name: ['name'], status: ['status'], website: ['website'] },
  };
}

type Op =
  | { kind: 'edit'; side: SystemName; record: number; field: (typeof FIELDS)[number]; value: string }
  | { kind: 'sync'; to: SystemName };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('edit' as const),
    side: fc.constantFrom<SystemName>('salesforce', 'coupa'),
    record: fc.integer({ min: 0, max: 2 }),
    field: fc.constantFrom(...FIELDS),
    value: fc.constantFrom('x', 'y', 'z'),
  }),
  fc.record({ kind: fc.constant('sync' as const), to: fc.constantFrom<SystemName>('salesforce', 'coupa') }),
);

describe('two-way sync under random interleaved edits (property)', () => {
  jest.setTimeout(120_000);

  it('converges per ownership, writes at most once per edit and never ping-pongs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
        const store: StateStore = await openTestStore('sqlite');
        try {
          const sf = new System('salesforce');
          const coupa = new System('coupa');
          const engine = new SyncEngine({ store, sleep: async () => undefined, pingPong: { maxWrites: 6, windowMs: 3_600_000 } });
          engine.register(flow(coupa, sf, true));
          engine.register(flow(sf, coupa, false));
          const coupaIds = [0, 1, 2].map((i) => coupa.create({ name: `n${i}`, status: 's', website: 'w' }));
          const syncBoth = async () => {
            expect((await engine.runNow('pair.to-salesforce')).status).toBe('succeeded');
            expect((await engine.runNow('pair.to-coupa')).status).toBe('succeeded');
          };
          await syncBoth();
          const linkOf = async (coupaId: string) => (await store.findLink('pair', 'coupa', 'Pair', coupaId))!;
          const baseline = sf.writes + coupa.writes;
          let edits = 0;
          for (const op of ops) {
            if (op.kind === 'sync') {
              expect((await engine.runNow(`pair.to-${op.to}`)).status).toBe('succeeded');
              continue;
            }
            // People edit a field only on the side that may change it: its owner, or either side when shared.
            const owner = OWNER[op.field];
            if (owner && owner !== op.side) continue;
            const link = await linkOf(coupaIds[op.record]);
            const id = op.side === 'coupa' ? link.coupaId : link.sfId;
            const system = op.side === 'coupa' ? coupa : sf;
            if (system.records.get(id)!.data[op.field] === op.value) continue;
            system.edit(id, { [op.field]: op.value });
            edits++;
          }
          for (let round = 0; round < 3; round++) await syncBoth();

          const writes = sf.writes + coupa.writes - baseline;
          expect(writes).toBeLessThanOrEqual(edits);
          expect(await store.listQuarantine()).toEqual([]);
          const open = await store.listConflicts({ status: 'open' });
          for (const coupaId of coupaIds) {
            const link = await linkOf(coupaId);
            const a = sf.records.get(link.sfId)!.data;
            const b = coupa.records.get(link.coupaId)!.data;
            for (const f of FIELDS) {
              if (a[f] === b[f]) continue;
              const conflicted = open.some(
                (c) => c.field === f && (c.recordKey === `coupa:Pair:${link.coupaId}` || c.recordKey === `salesforce:Pair:${link.sfId}`),
              );
              expect({ field: f, sf: a[f], coupa: b[f], conflicted }).toEqual({ field: f, sf: a[f], coupa: b[f], conflicted: true });
            }
          }
          // Quiet once converged: another round writes nothing.
          const before = sf.writes + coupa.writes;
          await syncBoth();
          expect(sf.writes + coupa.writes).toBe(before);
          await engine.stop();
        } finally {
          await store.close();
        }
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });
});
