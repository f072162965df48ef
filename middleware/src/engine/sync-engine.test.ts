import type { SqlStateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { FakeError, FakeSource, FakeTarget, fakeClassify, fakeFlow } from './fakes';
import type { FlowDefinition } from './types';
import { loadConfig } from '../config';
import { ABANDONED_RUN } from './runner';
import { SyncEngine, engineOptionsFromConfig, registerOptionsFromConfig } from './sync-engine';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();

describe('SyncEngine', () => {
  let store: SqlStateStore;
  let engine: SyncEngine;
  beforeEach(async () => {
    store = await openTestStore('sqlite');
    engine = new SyncEngine({ store, sleep: async () => undefined });
  });
  afterEach(async () => {
    await engine.stop();
    await store.close();
  });

  it('schedules enabled flows by cron and runs them when the job fires', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    source.put('1', t(1), { a: 1 });
    engine.register(fakeFlow(source, target, { trigger: { kind: 'poll', schedule: '*/5 * * * *' } }));
    engine.register(fakeFlow(source, new FakeTarget(), { name: 'off' }), { schedule: '0 * * * *', enabled: false });
    await engine.start();
    const job = engine.job('fake-flow')!;
    expect(job.nextRun(new Date('2026-03-01T10:01:00Z'))?.toISOString()).toBe('2026-03-01T10:05:00.000Z');
    expect(engine.job('off')).toBeNull();
    await job.trigger();
    expect(target.records.size).toBe(1);
    expect((await store.listRuns({ flow: 'fake-flow' }))[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    const status = await engine.status();
    expect(status.find((s) => s.flow === 'fake-flow')).toMatchObject({ enabled: true, paused: false, schedule: '*/5 * * * *' });
    expect(status.find((s) => s.flow === 'fake-flow')?.nextRun).not.toBeNull();
  });

  it('runs now on demand, sharing one run between concurrent callers', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    for (let i = 1; i <= 3; i++) source.put(String(i), t(i), { a: i });
    engine.register(fakeFlow(source, target));
    const [a, b] = await Promise.all([engine.runNow('fake-flow'), engine.runNow('fake-flow')]);
    expect(a.runId).toBe(b.runId);
    expect(a.counts.created).toBe(3);
    await expect(engine.runNow('nope')).rejects.toThrow(/unknown flow "nope"/);
  });

  it('starts a run and answers with its id before it finishes; a paused flow is refused', async () => {
    const source = new FakeSource();
    source.put('1', t(1), { a: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const flow = fakeFlow(source, new FakeTarget());
    const read = flow.read.bind(flow);
    flow.read = async (q) => {
      await gate;
      return read(q);
    };
    engine.register(flow);
    const started = await engine.startRun('fake-flow', 'admin-api');
    expect(started.status).toBe('running');
    expect(await store.getRun(started.runId!)).toMatchObject({ status: 'running', trigger: 'admin-api' });
    // A second request while it runs joins the same run.
    expect((await engine.startRun('fake-flow')).runId).toBe(started.runId);
    release();
    expect(await started.done).toMatchObject({ runId: started.runId, status: 'succeeded' });
    expect(await store.getRun(started.runId!)).toMatchObject({ status: 'succeeded' });

    await engine.pause('fake-flow', 'alice');
    expect(await engine.startRun('fake-flow')).toMatchObject({ runId: null, status: 'paused' });
  });

  it('pauses and resumes a flow, with an audit trail', async () => {
    const source = new FakeSource();
    source.put('1', t(1), { a: 1 });
    engine.register(fakeFlow(source, new FakeTarget(), { trigger: { kind: 'schedule', schedule: '0 3 * * *' } }));
    await engine.start();
    await engine.pause('fake-flow', 'alice', 'maintenance');
    await engine.job('fake-flow')!.trigger();
    expect(source.reads).toBe(0);
    expect((await engine.status())[0].paused).toBe(true);
    await engine.resume('fake-flow', 'alice');
    expect((await engine.runNow('fake-flow')).counts.created).toBe(1);
    expect((await store.listAudit()).map((a) => a.action)).toEqual(['flow.resume', 'flow.pause']);
  });

  it('replays and discards dead letters by id', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    source.put('1', t(1), { a: 1 });
    source.put('2', t(2), { a: 2 });
    target.fault = () => new FakeError('validation', 'REQUIRED_FIELD_MISSING');
    engine.register(fakeFlow(source, target));
    await engine.runNow('fake-flow');
    const [d1, d2] = await store.listDeadLetters({ status: 'open' });
    target.fault = () => null;
    expect(await engine.replay(d1.id, 'bob')).toEqual({ ok: true });
    await engine.discard(d2.id, 'bob');
    expect((await store.listDeadLetters()).map((d) => d.status)).toEqual(['replayed', 'discarded']);
    expect(target.records.size).toBe(1);
    await expect(engine.discard(d2.id, 'bob')).rejects.toThrow(/already discarded/);
    await expect(engine.discard(d1.id, 'bob')).rejects.toThrow(/already replayed/);
    await expect(engine.discard(999, 'bob')).rejects.toThrow(/not found/);
    expect((await store.listDeadLetters()).map((d) => d.status)).toEqual(['replayed', 'discarded']);
    expect((await store.listAudit({ action: 'dead-letter.discard' })).length).toBe(1);
  });

  it('ingests streamed records and advances the checkpoint', async () => {
    const target = new FakeTarget();
    engine.register(fakeFlow(new FakeSource(), target, { trigger: { kind: 'stream' } }));
    const recs = [1, 2, 3].map((i) => ({ id: String(i), ts: t(i), data: { a: i } }));
    expect((await engine.ingest('fake-flow', recs)).counts.created).toBe(3);
    expect((await engine.ingest('fake-flow', recs.slice(1))).counts).toMatchObject({ created: 0, duplicates: 2 });
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorTs: t(3), cursorId: '3' });
    expect(target.records.size).toBe(3);
  });

  it('ingests a streamed batch with its replay position, leaving the poll checkpoint to the safety net', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    engine.register(fakeFlow(source, target, { batchSize: 2 }));
    const position = { consumer: 'fake-flow', channel: '/data/XChangeEvent', replayId: 'AAAAAAAAAAM=' };
    const recs = [1, 2, 3].map((i) => ({ id: String(i), ts: t(i), data: { a: i } }));
    expect((await engine.ingest('fake-flow', recs, { advanceCheckpoint: false, position })).counts.created).toBe(3);
    expect(await store.getStreamPosition('fake-flow', '/data/XChangeEvent')).toMatchObject({ replayId: 'AAAAAAAAAAM=' });
    expect(await store.getCheckpoint('fake-flow')).toBeNull();
    // A batch with nothing to process (own changes only) still moves the position.
    await engine.ingest('fake-flow', [], { advanceCheckpoint: false, position: { ...position, replayId: 'AAAAAAAAAAQ=' } });
    expect(await store.getStreamPosition('fake-flow', '/data/XChangeEvent')).toMatchObject({ replayId: 'AAAAAAAAAAQ=' });
    // The safety-net poll re-reads what was streamed: no-ops, nothing written twice.
    for (const r of recs) source.put(r.id, r.ts, r.data);
    const poll = await engine.runNow('fake-flow');
    expect(poll.counts.created).toBe(0);
    expect(target.records.size).toBe(3);
  });

  it('does not move the replay position when the page failed to commit', async () => {
    const target = new FakeTarget();
    engine.register(fakeFlow(new FakeSource(), target));
    const position = { consumer: 'fake-flow', channel: '/data/XChangeEvent', replayId: '9' };
    const failing = jest.spyOn(store, 'transaction').mockRejectedValueOnce(new Error('disk full'));
    const summary = await engine.ingest('fake-flow', [{ id: '1', ts: t(1), data: { a: 1 } }], { advanceCheckpoint: false, position });
    failing.mockRestore();
    expect(summary.status).toBe('failed');
    expect(await store.getStreamPosition('fake-flow', '/data/XChangeEvent')).toBeNull();
  });

  it('takes batch size, schedule and retry settings from connector config', async () => {
    const cfg = loadConfig({ env: {}, cwd: '/nonexistent-dir' });
    const flowCfg = { ...cfg.flows['invoice-status'], enabled: true, schedule: '0 */2 * * *', batchSize: 2 };
    const configured = new SyncEngine({ store, sleep: async () => undefined, ...engineOptionsFromConfig(cfg.engine) });
    const source = new FakeSource();
    for (let i = 1; i <= 5; i++) source.put(String(i), t(i), { a: i });
    configured.register(fakeFlow(source, new FakeTarget(), { batchSize: 500 }), registerOptionsFromConfig(flowCfg));
    await configured.start();
    expect((await configured.status())[0]).toMatchObject({ schedule: '0 */2 * * *', enabled: true });
    expect((await configured.runNow('fake-flow')).counts.created).toBe(5);
    expect(source.reads).toBe(3); // pages of 2: 2 + 2 + 1
    await configured.stop();
  });

  it('takes the flow lease TTL from connector config (engine.leaseTtlSeconds, 2 minutes by default)', async () => {
    const cfg = loadConfig({ env: {}, cwd: '/nonexistent-dir' });
    expect(engineOptionsFromConfig(cfg.engine).leaseTtlMs).toBe(120_000);
    const short = new SyncEngine({ store, sleep: async () => undefined, ...engineOptionsFromConfig({ ...cfg.engine, leaseTtlSeconds: 2.5 }) });
    const source = new FakeSource();
    source.put('1', t(1), { a: 1 });
    let expiresIn: number | null = null;
    const acquire = store.acquireLease.bind(store);
    const spy = jest.spyOn(store, 'acquireLease').mockImplementation(async (name, holder, ttlMs) => {
      expiresIn = ttlMs;
      return acquire(name, holder, ttlMs);
    });
    short.register(fakeFlow(source, new FakeTarget()));
    await short.runNow('fake-flow');
    spy.mockRestore();
    expect(expiresIn).toBe(2_500);
    await short.stop();
  });

  it('releases a record quarantined by the ping-pong breaker, audited, and its next change syncs', async () => {
    // Two flows sharing a link group (a loop is possible), each system's changes read in modification order.
    const looped = new SyncEngine({ store, sleep: async () => undefined, pingPong: { maxWrites: 3, windowMs: 60_000 } });
    const sf = new FakeTarget('SF');
    const coupa = new FakeTarget('C');
    const modified = new Map<string, string>();
    let tick = 0;
    const touch = (id: string) => modified.set(id, t(++tick));
    const flowBetween = (name: string, from: FakeTarget, to: FakeTarget, source: 'coupa' | 'salesforce'): FlowDefinition => ({
      name,
      linkGroup: 'contract-sync',
      trigger: { kind: 'poll' },
      overlapMs: 0,
      classify: fakeClassify,
      source: { system: source, object: source === 'coupa' ? 'contracts' : 'Contract' },
      target: { system: source === 'coupa' ? 'salesforce' : 'coupa', object: source === 'coupa' ? 'Contract' : 'contracts' },
      read: async ({ after }) =>
        [...from.records.values()]
          .map((r) => ({ id: r.id, ts: modified.get(r.id)!, data: { ...r.fields } }))
          .filter((r) => !after || r.ts > after.ts || (r.ts === after.ts && r.id > after.id))
          .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)),
      map: (r) => ({ ...r.data }),
      write: async (items) => {
        const out = await to.write(items);
        out.forEach((o) => o.ok && touch(o.targetId));
        return out;
      },
      readTargets: (ids) => to.readTargets(ids),
      findByIdempotencyKey: (k) => to.findByIdempotencyKey(k),
    });
    looped.register(flowBetween('contract-sync:coupa-to-sf', coupa, sf, 'coupa'));
    looped.register(flowBetween('contract-sync:sf-to-coupa', sf, coupa, 'salesforce'));
    coupa.records.set('C1', { id: 'C1', idempotencyKey: '', fields: { n: 0 } });
    touch('C1');
    const key = 'coupa:contracts:C1';
    try {
      await looped.runNow('contract-sync:coupa-to-sf');
      for (let i = 1; i <= 5; i++) {
        coupa.records.get('C1')!.fields.n = i;
        touch('C1');
        await looped.runNow('contract-sync:coupa-to-sf');
      }
      expect(await looped.listQuarantine()).toEqual([expect.objectContaining({ flow: 'contract-sync', recordKey: key })]);
      const sfId = [...sf.records.keys()][0];
      expect(sf.records.get(sfId)!.fields.n).not.toBe(9);

      expect(await looped.releaseQuarantine('contract-sync', key, 'alice')).toMatchObject({ status: 'released' });
      expect(await looped.listQuarantine('contract-sync')).toEqual([]);
      expect(await looped.releaseQuarantine('contract-sync', key, 'alice')).toMatchObject({ status: 'already-released', actor: 'alice' });
      expect(await looped.releaseQuarantine('contract-sync', 'coupa:contracts:nope', 'alice')).toEqual({ status: 'not-found' });
      expect((await store.listAudit({ action: 'quarantine.release' }))[0]).toMatchObject({
        actor: 'alice',
        detail: expect.objectContaining({ flow: 'contract-sync', recordKey: key }),
      });

      // still inside the breaker's window: writes before the release no longer count, so the next change flows
      coupa.records.get('C1')!.fields.n = 9;
      touch('C1');
      const after = await looped.runNow('contract-sync:coupa-to-sf');
      expect(after.counts.updated).toBe(1);
      expect(sf.records.get(sfId)!.fields.n).toBe(9);
      expect(await looped.listQuarantine()).toEqual([]);
    } finally {
      await looped.stop();
    }
  });

  describe('runs left running by a stopped instance (kill -9)', () => {
    let clock: Date;
    let clocked: SqlStateStore;
    beforeEach(async () => {
      clock = new Date('2026-01-02T00:00:00.000Z');
      clocked = await openTestStore('sqlite', { now: () => clock });
    });
    afterEach(() => clocked.close());
    const engineOn = (instanceId: string) =>
      new SyncEngine({ store: clocked, sleep: async () => undefined, now: () => clock, instanceId, leaseTtlMs: 60_000 });
    /** What a killed instance leaves behind: its lease and a run still `running`. */
    const killedRun = async (flow: string) => {
      expect(await clocked.acquireLease(`flow:${flow}`, 'killed-instance', 60_000)).toBe(true);
      return clocked.startRun({ flow, trigger: 'schedule' });
    };

    it('are failed by the instance that takes the flow lease after it expired', async () => {
      const source = new FakeSource();
      source.put('1', t(1), { a: 1 });
      const engine2 = engineOn('instance-2');
      engine2.register(fakeFlow(source, new FakeTarget()));
      const killed = await killedRun('fake-flow');

      expect((await engine2.runNow('fake-flow')).status).toBe('busy'); // lease still live
      expect((await clocked.getRun(killed.id))!.status).toBe('running');

      clock = new Date(clock.getTime() + 61_000);
      const summary = await engine2.runNow('fake-flow');
      expect(summary).toMatchObject({ status: 'succeeded', counts: { created: 1 } });
      expect(await clocked.getRun(killed.id)).toMatchObject({ status: 'failed', error: ABANDONED_RUN });
      expect((await clocked.listRuns({ flow: 'fake-flow' })).map((r) => r.status).sort()).toEqual(['failed', 'succeeded']);
      await engine2.stop();
    });

    it('are failed at start-up where the flow lease is gone, and left alone where it is live', async () => {
      const gone = await killedRun('fake-flow');
      const live = await killedRun('other');
      clock = new Date(clock.getTime() + 30_000);
      expect(await clocked.acquireLease('flow:other', 'killed-instance', 60_000)).toBe(true); // renewed: still live
      clock = new Date(clock.getTime() + 40_000); // fake-flow's lease expired 10 s ago
      const engine2 = engineOn('instance-2');
      engine2.register(fakeFlow(new FakeSource(), new FakeTarget()));
      engine2.register(fakeFlow(new FakeSource(), new FakeTarget(), { name: 'other' }));
      await engine2.start();
      expect(await clocked.getRun(gone.id)).toMatchObject({ status: 'failed', error: ABANDONED_RUN });
      expect((await clocked.getRun(live.id))!.status).toBe('running');
      await engine2.stop();
    });
  });
});
