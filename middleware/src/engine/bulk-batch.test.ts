import type { SqlStateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { FakeError, FakeSource, FakeTarget, fakeFlow } from './fakes';
import { FlowRunner, type RunnerOptions } from './runner';
import type { FlowDefinition, WriteItem } from './types';

// Generous limit for loaded CI machines; nothing here waits on a timer.
jest.setTimeout(30_000);

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000).toISOString();

/** Backlog batches: a bulk-writing flow reads, plans and writes several pages at once, committed with one checkpoint. */
describe('FlowRunner backlog batches (bulkWrite)', () => {
  let store: SqlStateStore;
  let clock: Date;
  const opts = (extra: Partial<RunnerOptions> = {}): RunnerOptions => ({ store, sleep: async () => undefined, now: () => clock, ...extra });

  beforeEach(async () => {
    clock = new Date('2026-01-02T00:00:00.000Z');
    store = await openTestStore('sqlite', { now: () => clock });
  });
  afterEach(() => store.close());

  function setup(n: number, flow: Partial<FlowDefinition> = {}) {
    const source = new FakeSource();
    const target = new FakeTarget();
    for (let i = 1; i <= n; i++) source.put(String(i), t(i), { amount: i });
    const writes: number[] = [];
    const reads: number[] = [];
    const def = fakeFlow(source, target, {
      batchSize: 50,
      read: (req) => {
        reads.push(req.limit);
        return source.read(req);
      },
      write: (items: WriteItem[]) => {
        writes.push(items.length);
        return target.write(items);
      },
      ...flow
    });
    return { source, target, def, writes, reads };
  }

  it('after a full page, reads and writes bulkBatch records per call, each record created once', async () => {
    const { target, def, writes, reads } = setup(1_230, { bulkWrite: true });
    const summary = await new FlowRunner(def, opts({ bulkBatch: 480 })).runOnce();
    expect(summary).toMatchObject({ status: 'succeeded', counts: { read: 1_230, created: 1_230, deadLettered: 0 } });
    // 480 rounded up to whole pages of 50: one page first, then backlog batches of 500
    expect(reads).toEqual([50, 500, 500, 500]);
    expect(writes).toEqual([50, 500, 500, 180]);
    expect(target.createsPerSource().size).toBe(1_230);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
    expect(await store.listLinks('fake-flow', { limit: 5_000 })).toHaveLength(1_230);
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorTs: t(1_230), cursorId: '1230' });
  });

  it('reads the next backlog batch while the current one is written, and plans it only after that one is committed', async () => {
    const { source, target } = setup(0);
    for (let i = 1; i <= 1_230; i++) source.put(String(i), t(i), { amount: i });
    const events: string[] = [];
    let committedLinks = 0;
    const def = fakeFlow(source, target, {
      batchSize: 50,
      bulkWrite: true,
      read: async (req) => {
        events.push(`read after ${req.after?.id ?? 'start'}`);
        return source.read(req);
      },
      write: async (items: WriteItem[]) => {
        events.push(`write ${items[0].sourceId}-${items[items.length - 1].sourceId} (links ${committedLinks})`);
        await new Promise((r) => setTimeout(r, 5));
        const out = await target.write(items);
        committedLinks += items.length;
        return out;
      },
    });
    const summary = await new FlowRunner(def, opts({ bulkBatch: 480 })).runOnce();
    expect(summary).toMatchObject({ status: 'succeeded', counts: { read: 1_230, created: 1_230 } });
    expect(events).toEqual([
      'read after start',
      'read after 50', // ahead, while records 1–50 are written
      'write 1-50 (links 0)',
      'read after 550',
      'write 51-550 (links 50)',
      'read after 1050',
      'write 551-1050 (links 550)',
      'write 1051-1230 (links 1050)', // not full: nothing read ahead
    ]);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorId: '1230' });
  });

  it('a failed read ahead fails the run after the batch being written is committed', async () => {
    const { source, target } = setup(0);
    for (let i = 1; i <= 700; i++) source.put(String(i), t(i), { amount: i });
    let reads = 0;
    const def = fakeFlow(source, target, {
      batchSize: 50,
      bulkWrite: true,
      read: async (req) => {
        if (++reads === 3) throw new FakeError('validation', 'bad request');
        return source.read(req);
      },
    });
    const summary = await new FlowRunner(def, opts({ bulkBatch: 480 })).runOnce();
    expect(summary.status).toBe('failed');
    expect(target.records.size).toBe(550);
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorId: '550' });
  });

  it('stays page by page for a flow without bulkWrite, or when bulkBatch is not above the page size', async () => {
    const plain = setup(230);
    await new FlowRunner(plain.def, opts({ bulkBatch: 480 })).runOnce();
    expect(plain.writes).toEqual([50, 50, 50, 50, 30]);
    await store.close();
    store = await openTestStore('sqlite', { now: () => clock });
    const small = setup(230, { bulkWrite: true });
    await new FlowRunner(small.def, opts({ bulkBatch: 40 })).runOnce();
    expect(small.writes).toEqual([50, 50, 50, 50, 30]);
  });

  it('an incremental poll that finds less than a page writes it as one page', async () => {
    const { source, def, writes } = setup(600, { bulkWrite: true });
    const runner = new FlowRunner(def, opts({ bulkBatch: 500 }));
    await runner.runOnce();
    writes.length = 0;
    for (let i = 1; i <= 7; i++) source.put(`new-${i}`, t(700 + i), { amount: i });
    expect((await runner.runOnce()).counts).toMatchObject({ created: 7 });
    expect(writes).toEqual([7]);
  });

  it('a record the target refuses inside a batch is dead-lettered with its request and response; the rest are written', async () => {
    const { target, def } = setup(400, { bulkWrite: true });
    target.fault = (item) => (item.sourceId === '333' ? new FakeError('validation', 'FIELD_CUSTOM_VALIDATION_EXCEPTION', { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }) : null);
    const summary = await new FlowRunner(def, opts({ bulkBatch: 300 })).runOnce();
    expect(summary).toMatchObject({ status: 'partial', counts: { created: 399, deadLettered: 1 } });
    const letters = await store.listDeadLetters({ flow: 'fake-flow' });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ recordKey: 'coupa:invoices:333', response: { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' } });
    expect(letters[0].request).toMatchObject({ item: expect.objectContaining({ sourceId: '333' }) });
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorId: '400' });
  });

  it('a kill in the middle of a batch commits nothing of it: the checkpoint stays before the batch, the restart loses and duplicates nothing', async () => {
    const { source, target, def } = setup(1_000, { bulkWrite: true });
    let calls = 0;
    let died!: () => void;
    const death = new Promise<'died'>((resolve) => (died = () => resolve('died')));
    // the third write call (the second backlog batch: records 551–1,000) hangs after applying some of its records
    target.fault = (item) => {
      if (item.sourceId === '551') calls++;
      return calls > 0 && Number(item.sourceId) >= 700 ? 'hang' : null;
    };
    target.onHang = died;
    const first = new FlowRunner(def, opts({ bulkBatch: 500, instanceId: 'first', leaseTtlMs: 60_000 }));
    expect(await Promise.race([first.runOnce(), death])).toBe('died');
    // the first page and the first batch are committed; the second batch (written up to record 699) is not
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorId: '550' });
    expect(await store.listLinks('fake-flow', { limit: 5_000 })).toHaveLength(550);
    expect(target.records.size).toBe(699);

    clock = new Date(clock.getTime() + 120_000);
    target.fault = () => null;
    const summary = await new FlowRunner(def, opts({ bulkBatch: 500, instanceId: 'second' })).runOnce();
    expect(summary.status).toBe('succeeded');
    expect(target.records.size).toBe(1_000);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
    expect(await store.listLinks('fake-flow', { limit: 5_000 })).toHaveLength(source.records.size);
  });

  it('a dry run plans a batch larger than a page exactly as a run would', async () => {
    const { source, def } = setup(120, { bulkWrite: true });
    const runner = new FlowRunner(def, opts({ bulkBatch: 500 }));
    const decisions = await runner.plan(await source.read({ after: null, limit: 120 }));
    expect(decisions).toHaveLength(120);
    expect(decisions.every((d) => d.action === 'create')).toBe(true);
  });
});

/** One write call (a Bulk API job on a busy org) can outlast the flow lease: it is renewed while the call runs. */
describe('FlowRunner lease during a long write', () => {
  let store: SqlStateStore;
  let clock: Date;
  const ttl = 300;
  /** Resolves after the writer's next lease renewal has been answered (waits on the store, not on a fixed delay). */
  async function renewal(): Promise<void> {
    const acquire = store.acquireLease.bind(store);
    await new Promise<void>((resolve) => {
      jest.spyOn(store, 'acquireLease').mockImplementation(async (name, holder, ms) => {
        const ok = await acquire(name, holder, ms);
        if (holder === 'writer') resolve();
        return ok;
      });
    });
    jest.restoreAllMocks();
  }

  beforeEach(async () => {
    clock = new Date('2026-01-02T00:00:00.000Z');
    store = await openTestStore('sqlite', { now: () => clock });
  });
  afterEach(() => store.close());

  function slowFlow(n: number) {
    const source = new FakeSource();
    const target = new FakeTarget();
    for (let i = 1; i <= n; i++) source.put(String(i), t(i), { amount: i });
    let release!: () => void;
    let started!: () => void;
    const inWrite = new Promise<void>((r) => (started = r));
    const gate = new Promise<void>((r) => (release = r));
    const def = fakeFlow(source, target, {
      batchSize: 50,
      write: async (items: WriteItem[]) => {
        started();
        await gate;
        return target.write(items);
      },
    });
    const runner = new FlowRunner(def, { store, sleep: async () => undefined, now: () => clock, instanceId: 'writer', leaseTtlMs: ttl });
    return { runner, target, inWrite, release };
  }

  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

  it('renews the lease while the write call is in flight, so no other instance can take the flow', async () => {
    const { runner, inWrite, release } = slowFlow(10);
    const run = runner.runOnce();
    await inWrite;
    advance(ttl - 50);
    await renewal(); // while writing: the lease now runs to ttl - 50 + ttl
    advance(100); // past the expiry the run started with
    expect(await store.acquireLease('flow:fake-flow', 'other', ttl)).toBe(false);
    release();
    expect(await run).toMatchObject({ status: 'succeeded', counts: { created: 10 } });
  });

  it('once another instance took the lease, commits what the call wrote and stops without moving the checkpoint', async () => {
    const { runner, target, inWrite, release } = slowFlow(10);
    const run = runner.runOnce();
    await inWrite;
    advance(ttl * 10); // the process stalled: the lease expired and another instance took the flow
    expect(await store.acquireLease('flow:fake-flow', 'other', 60_000)).toBe(true);
    await renewal();
    release();
    const summary = await run;
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/lost the flow lease/);
    expect(target.records.size).toBe(10);
    expect(await store.listLinks('fake-flow', { limit: 100 })).toHaveLength(10);
    expect(await store.getCheckpoint('fake-flow')).toBeNull();
  });
});
