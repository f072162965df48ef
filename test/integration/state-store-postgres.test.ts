/**
 * The state store, vault and sync engine on PostgreSQL with several instances sharing one database.
 * Uses TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and a throwaway schema.
 */
import { FakeError, FakeSource, FakeTarget, fakeFlow, seededRandom } from '../../middleware/src/engine/fakes';
import { FlowRunner } from '../../middleware/src/engine/runner';
import { SyncEngine } from '../../middleware/src/engine/sync-engine';
import { openStateStore, uniqueSchemaName, type SqlStateStore } from '../../middleware/src/store';
import { TEST_DATABASE_URL } from '../../middleware/src/store/test-stores';
import { Vault } from '../../middleware/src/vault';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

jest.setTimeout(30_000);

describe('PostgreSQL state shared by several instances', () => {
  let schema: string;
  let stores: SqlStateStore[];
  let clock: Date;
  const open = async () => {
    const s = await openStateStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, now: () => clock });
    stores.push(s);
    return s;
  };

  beforeEach(() => {
    schema = uniqueSchemaName('cs_it');
    stores = [];
    clock = new Date('2026-01-02T00:00:00.000Z');
  });
  afterEach(async () => {
    const [first, ...rest] = stores;
    for (const s of rest) await s.close();
    if (first) {
      await first.close();
      const { dropPostgresSchema } = await import('../../middleware/src/store');
      await dropPostgresSchema(TEST_DATABASE_URL, schema);
    }
  });

  it('hands each work item to exactly one of several concurrent claimers (SKIP LOCKED)', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    for (let i = 0; i < 60; i++) await a.enqueueWork('f', `k${i}`, { i });
    const claimed = new Map<string, string>();
    const worker = async (s: SqlStateStore, name: string) => {
      for (;;) {
        const items = await s.claimWork('f', name, 4, 60_000);
        if (items.length === 0) return;
        for (const it of items) {
          expect(claimed.has(it.recordKey)).toBe(false);
          claimed.set(it.recordKey, name);
          expect(await s.completeWork(it.id, name)).toBe(true);
        }
      }
    };
    await Promise.all([worker(a, 'a'), worker(b, 'b'), worker(c, 'c')]);
    expect(claimed.size).toBe(60);
  });

  it('runs a flow on one instance at a time and writes every record once under 10% faults', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    for (let i = 1; i <= 200; i++) source.put(String(i), t(i), { n: i });
    const rnd = seededRandom(3);
    target.fault = () => (rnd() < 0.1 ? new FakeError(rnd() < 0.5 ? 'transient' : 'rate-limited', 'injected') : null);
    const engines = [await open(), await open()].map((store, i) => {
      const e = new SyncEngine({ store, instanceId: `i${i}`, sleep: async () => undefined, retry: { maxAttempts: 8 } });
      e.register(fakeFlow(source, target, { batchSize: 100 }));
      return e;
    });
    const results = await Promise.all(engines.map((e) => e.runNow('fake-flow')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual(statuses.includes('busy') ? ['busy', 'succeeded'] : ['succeeded', 'succeeded']);
    // whichever ran second (or was busy) catches up without rewriting anything
    await engines[1].runNow('fake-flow');
    await engines[0].runNow('fake-flow');
    expect(target.records.size).toBe(200);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
    expect(await stores[0].listLinks('fake-flow', { limit: 1000 })).toHaveLength(200);
    expect(await stores[1].getCheckpoint('fake-flow')).toMatchObject({ cursorTs: t(200), cursorId: '200' });
    await Promise.all(engines.map((e) => e.stop()));
  });

  it('recovers after an instance dies mid-batch: no duplicate, no lost record', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    for (let i = 1; i <= 40; i++) source.put(String(i), t(i), { n: i });
    let applied = 0;
    let died!: () => void;
    const death = new Promise<string>((r) => (died = () => r('died')));
    target.onHang = died;
    target.fault = () => (applied++ === 23 ? 'hang' : null);
    const flow = fakeFlow(source, target, { batchSize: 15 });
    const first = new FlowRunner(flow, { store: await open(), instanceId: 'dead', leaseTtlMs: 30_000, now: () => clock, sleep: async () => undefined });
    expect(await Promise.race([first.runOnce(), death])).toBe('died');

    const second = new FlowRunner(flow, { store: await open(), instanceId: 'next', now: () => clock, sleep: async () => undefined });
    target.fault = () => null;
    expect(await second.runOnce()).toMatchObject({ status: 'busy' }); // the dead instance's lease still holds
    clock = new Date(clock.getTime() + 31_000);
    expect((await second.runOnce()).status).toBe('succeeded');
    expect(target.records.size).toBe(40);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
  });

  it('keeps credentials encrypted and rotatable in PostgreSQL', async () => {
    const store = await open();
    const vault = await Vault.open(store, 'pg-master-key-0123456789', { scryptCost: 1024 });
    await vault.set('coupa.client_secret', 'coupa-secret-xyz');
    expect(JSON.stringify(await store.listCredentials())).not.toContain('coupa-secret-xyz');
    await vault.rotate('pg-master-key-rotated-987', 'ops');
    const other = await Vault.open(await open(), 'pg-master-key-rotated-987', { scryptCost: 1024 });
    expect(await other.get('coupa.client_secret')).toBe('coupa-secret-xyz');
  });

  it('shares agent approvals and per-token rate limits between instances', async () => {
    const [a, b] = [await open(), await open()];
    // The same request arriving at two instances at once gets one approval.
    const both = await Promise.all(
      [a, b].map((s, i) => s.createApproval({ id: `apr-${i}`, token: 't', tool: 'replay_dead_letter', args: { deadLetterId: 1 }, dedupeKey: 'same', status: 'pending' })),
    );
    expect(both.map((r) => r.created).sort()).toEqual([false, true]);
    expect(new Set(both.map((r) => r.approval.id)).size).toBe(1);
    // An interrupted write is claimed by one instance only.
    await a.createApproval({ id: 'apr-x', token: 't', tool: 'replay_dead_letter', args: { deadLetterId: 2 }, dedupeKey: 'x', status: 'approved', decidedBy: 'policy:t' });
    const claims = await Promise.all([a, b].map((s) => s.claimApprovalRecovery('apr-x', 'interrupted', '2026-01-01T00:00:00.000Z')));
    expect(claims.sort()).toEqual(['claimed', 'running']);
    // Five calls a minute for the token, whichever instance takes them.
    const taken = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).takeAgentCall('agent', 5)));
    expect(taken.filter((r) => r.ok)).toHaveLength(5);
    expect(await b.takeAgentCall('agent', 5)).toMatchObject({ ok: false });
  });
});
