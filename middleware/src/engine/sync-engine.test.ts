import type { SqlStateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { FakeError, FakeSource, FakeTarget, fakeFlow } from './fakes';
import { loadConfig } from '../config';
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
    engine.start();
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

  it('pauses and resumes a flow, with an audit trail', async () => {
    const source = new FakeSource();
    source.put('1', t(1), { a: 1 });
    engine.register(fakeFlow(source, new FakeTarget(), { trigger: { kind: 'schedule', schedule: '0 3 * * *' } }));
    engine.start();
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

  it('takes batch size, schedule and retry settings from connector config', async () => {
    const cfg = loadConfig({ env: {}, cwd: '/nonexistent-dir' });
    const flowCfg = { ...cfg.flows['invoice-status'], enabled: true, schedule: '0 */2 * * *', batchSize: 2 };
    const configured = new SyncEngine({ store, sleep: async () => undefined, ...engineOptionsFromConfig(cfg.engine) });
    const source = new FakeSource();
    for (let i = 1; i <= 5; i++) source.put(String(i), t(i), { a: i });
    configured.register(fakeFlow(source, new FakeTarget(), { batchSize: 500 }), registerOptionsFromConfig(flowCfg));
    configured.start();
    expect((await configured.status())[0]).toMatchObject({ schedule: '0 */2 * * *', enabled: true });
    expect((await configured.runNow('fake-flow')).counts.created).toBe(5);
    expect(source.reads).toBe(3); // pages of 2: 2 + 2 + 1
    await configured.stop();
  });
});
