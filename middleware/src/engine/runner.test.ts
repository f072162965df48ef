import type { SqlStateStore, StateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { FakeError, FakeSource, FakeTarget, fakeClassify, fakeFlow, seededRandom } from './fakes';
import { FlowRunner, type RunnerOptions } from './runner';
import type { FlowDefinition } from './types';

// Generous limit for loaded CI machines; nothing here waits on a timer.
jest.setTimeout(30_000);

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000).toISOString();

describe('FlowRunner', () => {
  let store: SqlStateStore;
  let delays: number[];
  let clock: Date;
  const opts = (extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
    store,
    sleep: async (ms) => void delays.push(ms),
    random: seededRandom(7),
    now: () => clock,
    ...extra
  });

  beforeEach(async () => {
    delays = [];
    clock = new Date('2026-01-02T00:00:00.000Z');
    store = await openTestStore('sqlite');
  });
  afterEach(() => store.close());

  function seed(source: FakeSource, n: number, start = 0) {
    for (let i = 1; i <= n; i++) source.put(String(start + i), t(start + i), { amount: start + i });
  }

  it('creates, links and journals every record, then moves the checkpoint to the last one', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 120);
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    const summary = await runner.runOnce();
    expect(summary).toMatchObject({ status: 'succeeded', counts: { read: 120, created: 120, deadLettered: 0 } });
    expect(target.records.size).toBe(120);
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorTs: t(120), cursorId: '120' });
    const link = await store.findLink('fake-flow', 'coupa', 'invoices', '7');
    expect(link).toMatchObject({ sfObject: 'Coupa_Invoice__c' });
    expect(target.records.get(link!.sfId)?.fields).toEqual({ amount: 7 });
    expect(await store.listJournal({ recordKey: 'coupa:invoices:7' })).toEqual([
      expect.objectContaining({ action: 'create', after: { amount: 7 }, linkId: link!.id, runId: summary.runId })
    ]);
    expect(await store.getRun(summary.runId!)).toMatchObject({
      status: 'succeeded',
      counts: expect.objectContaining({ created: 120 })
    });
  });

  it('re-reads the overlap window without writing duplicates and picks up late commits', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 10);
    // read 2 s after the last change: a commit up to the overlap window (60 s) late may still be on its way
    clock = new Date(t(12));
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    await runner.runOnce();
    // a record committed late with a timestamp inside the overlap window, and one changed later
    source.put('late', t(5), { amount: 55 });
    source.put('3', t(20), { amount: 33 });
    const second = await runner.runOnce();
    expect(second.counts).toMatchObject({ created: 1, updated: 1 });
    expect(second.counts.duplicates).toBeGreaterThan(0);
    expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
    expect(target.records.size).toBe(11);
    const third = await runner.runOnce();
    expect(third.counts).toMatchObject({ created: 0, updated: 0 });
  });

  it('after a read made longer than the overlap window after its records, resumes at the cursor: nothing re-read', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 10);
    const reads: Array<string | null> = [];
    const flow = fakeFlow(source, target, { read: (req) => (reads.push(req.after ? `${req.after.ts}/${req.after.id}` : null), source.read(req)) });
    // the first run reads 30 s after the last change: the next run re-reads from readAt − 60 s (a late commit may come)
    clock = new Date(t(40));
    const runner = new FlowRunner(flow, opts());
    await runner.runOnce();
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ extra: expect.objectContaining({ readAt: t(40) }) });
    source.put('late', t(5), { amount: 55 }); // committed 35 s late, within the window
    clock = new Date(t(200));
    const second = await runner.runOnce();
    expect(reads[1]).toBe(`${t(-20)}/`);
    expect(second.counts).toMatchObject({ created: 1, duplicates: 10 });
    // that run read at t(200), 190 s after the newest record: the next one starts at the cursor itself
    reads.length = 0;
    const third = await runner.runOnce();
    expect(reads).toEqual([`${t(10)}/10`]);
    expect(third.counts).toMatchObject({ read: 0, duplicates: 0 });
    // a change after the cursor is read as ever
    source.put('3', t(300), { amount: 33 });
    expect((await runner.runOnce()).counts).toMatchObject({ read: 1, updated: 1 });
  });

  it('processes a second change made within the same whole second as the first (Coupa timestamps)', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    source.put('1', t(10), { status: 'pending_approval' });
    clock = new Date(Date.parse(t(10)) + 500); // read within the same second
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    expect((await runner.runOnce()).counts).toMatchObject({ created: 1 });

    source.put('1', t(10), { status: 'approved' });
    expect((await runner.runOnce()).counts).toMatchObject({ updated: 1, duplicates: 0 });
    expect([...target.records.values()][0].fields).toEqual({ status: 'approved' });

    expect((await runner.runOnce()).counts).toMatchObject({ updated: 0, duplicates: 1 });
  });

  it('dead-letters a validation failure with request and response, writes the rest, and replays it', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 5);
    target.fault = (item) =>
      item.sourceId === '3' && item.payload.amount === 3
        ? new FakeError('validation', 'INVALID_FIELD: amount', { status: 400, body: [{ errorCode: 'INVALID_FIELD' }] })
        : null;
    const runner = new FlowRunner(
      fakeFlow(source, target, { map: (r) => ({ amount: r.data.amount, note: 'x' }) }),
      opts()
    );
    const summary = await runner.runOnce();
    expect(summary).toMatchObject({ status: 'partial', counts: { created: 4, deadLettered: 1 } });
    const [dl] = await store.listDeadLetters({ flow: 'fake-flow', status: 'open' });
    expect(dl).toMatchObject({
      recordKey: 'coupa:invoices:3',
      errorClass: 'validation',
      attempts: 1,
      response: { status: 400, body: [{ errorCode: 'INVALID_FIELD' }] },
      request: { item: expect.objectContaining({ op: 'create', payload: { amount: 3, note: 'x' } }) }
    });
    expect(delays).toEqual([]); // validation is never retried
    expect(await store.getCheckpoint('fake-flow')).toMatchObject({ cursorId: '5' });

    target.fault = () => null; // "fixed"
    expect(await store.acquireLease('flow:fake-flow', 'another-instance', 60_000)).toBe(true);
    // A run that does not finish within the wait (15 s in 250 ms steps): the operator is told to try later.
    await expect(runner.replayDeadLetter(dl.id)).rejects.toThrow(/is running; replay dead letter \d+ later/);
    expect(delays).toHaveLength(60);
    // A run that finishes while the replay waits: the replay goes ahead.
    delays = [];
    const waiting = new FlowRunner(fakeFlow(source, target), opts({ sleep: async (ms) => {
      delays.push(ms);
      if (delays.length === 3) await store.releaseLease('flow:fake-flow', 'another-instance');
    } }));
    expect(await waiting.replayDeadLetter(dl.id, 'admin')).toEqual({ ok: true });
    expect(delays).toEqual([250, 250, 250]);
    expect(await store.getDeadLetter(dl.id)).toMatchObject({ status: 'replayed' });
    expect(target.records.size).toBe(5);
    await expect(runner.replayDeadLetter(dl.id)).rejects.toThrow(/replayed/);
  });

  it('never stores credentials from a failed request or response in dead letters or the journal', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 1);
    const token = 'Bearer 00Dxx0000001gPL!AQ0AQsecret';
    target.fault = () =>
      new FakeError('validation', `rejected; sent Authorization: ${token}`, {
        status: 400,
        headers: { Authorization: token },
        body: { access_token: 'tok-9f8e7d6c5b4a', error: 'bad' }
      });
    await new FlowRunner(fakeFlow(source, target), opts()).runOnce();
    const stored = JSON.stringify([await store.listDeadLetters(), await store.listJournal({})]);
    expect(stored).not.toContain('AQ0AQsecret');
    expect(stored).not.toContain('tok-9f8e7d6c5b4a');
    expect(stored).toContain('"error":"bad"');
  });

  it('keeps a dead letter open when its replay fails again', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 1);
    const runner = new FlowRunner(
      fakeFlow(source, target, {
        map: () => {
          throw new Error('mapping: unknown picklist value');
        }
      }),
      opts()
    );
    await runner.runOnce();
    const [dl] = await store.listDeadLetters();
    expect(dl).toMatchObject({ errorClass: 'validation', message: expect.stringContaining('unknown picklist value') });
    expect(await runner.replayDeadLetter(dl.id)).toMatchObject({
      ok: false,
      error: expect.stringContaining('picklist')
    });
    expect(await store.getDeadLetter(dl.id)).toMatchObject({ status: 'open', attempts: 2 });
    expect(await store.listDeadLetters()).toHaveLength(1);
  });

  it('writes every record exactly once with 10% injected transient and rate-limit failures', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 2000);
    const rnd = seededRandom(42);
    let injected = 0;
    target.fault = () => {
      const r = rnd();
      if (r >= 0.1) return null;
      injected++;
      return new FakeError(r < 0.05 ? 'transient' : 'rate-limited', r < 0.05 ? '503' : '429');
    };
    const runner = new FlowRunner(fakeFlow(source, target, { batchSize: 200 }), opts({ retry: { maxAttempts: 8 } }));
    const summary = await runner.runOnce();
    expect(injected).toBeGreaterThan(100);
    expect(summary).toMatchObject({ status: 'succeeded', counts: { created: 2000, deadLettered: 0 } });
    expect(summary.counts.retries).toBe(injected);
    expect(target.applied).toHaveLength(2000);
    expect(target.createsPerSource().size).toBe(2000);
    expect(delays.length).toBeGreaterThan(0);
  });

  it('backs off exponentially with jitter and dead-letters after the last attempt', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 1);
    target.fault = () => new FakeError('transient', '503');
    const runner = new FlowRunner(
      fakeFlow(source, target),
      opts({ retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 10_000 } })
    );
    const summary = await runner.runOnce();
    expect(summary.counts).toMatchObject({ deadLettered: 1, retries: 3 });
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      const exp = 100 * 2 ** i;
      expect(d).toBeGreaterThanOrEqual(0); // full jitter
      expect(d).toBeLessThanOrEqual(exp);
    });
    expect((await store.listDeadLetters())[0]).toMatchObject({ errorClass: 'transient', attempts: 4 });
  });

  it('waits at least rateLimitedDelayMs after a rate limit without Retry-After, and the Retry-After when one is given', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 1);
    let calls = 0;
    target.fault = () => (++calls <= 2 ? new FakeError('rate-limited', '429', undefined, calls === 2 ? 4_000 : undefined) : null);
    const runner = new FlowRunner(
      fakeFlow(source, target),
      opts({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 10, rateLimitedDelayMs: 750 } })
    );
    const summary = await runner.runOnce();
    expect(summary.counts).toMatchObject({ created: 1, deadLettered: 0, retries: 2 });
    expect(delays).toEqual([750, 4_000]);
  });

  it('stamps every write with stampField, and the stamp never makes an unchanged record look changed', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 2);
    const flow = fakeFlow(source, target, { stampField: 'Last_Synced__c', overlapMs: 0 });
    const runner = new FlowRunner(flow, opts());
    expect((await runner.runOnce()).counts.created).toBe(2);
    const [first] = [...target.records.values()];
    expect(first.fields.Last_Synced__c).toBe(clock.toISOString());
    expect(await store.listEchoes('fake-flow', [(await store.findLinks('fake-flow', 'coupa', 'invoices', ['1']))[0].id])).toEqual([
      expect.objectContaining({ payload: { amount: 1 } })
    ]);
    // Both re-read unchanged (a new timestamp, same values): nothing written, nothing stamped.
    clock = new Date(clock.getTime() + 60_000);
    source.put('1', t(10), { amount: 1 });
    source.put('2', t(11), { amount: 20 });
    expect((await runner.runOnce()).counts).toMatchObject({ updated: 1, skipped: 1 });
    expect(target.records.get(first.id)!.fields.Last_Synced__c).toBe('2026-01-02T00:00:00.000Z');
    expect([...target.records.values()][1].fields).toMatchObject({ amount: 20, Last_Synced__c: clock.toISOString() });
  });

  it('enriches only the records it will plan: an idle re-read of the overlap window costs no look-ups', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 3);
    clock = new Date(t(4));
    const enriched: string[][] = [];
    const flow = fakeFlow(source, target, { enrich: async (records) => void enriched.push(records.map((r) => r.id)) });
    const runner = new FlowRunner(flow, opts());
    await runner.runOnce();
    expect(enriched).toEqual([['1', '2', '3']]);
    await runner.runOnce(); // the overlap window returns all three again, unchanged
    expect(enriched).toEqual([['1', '2', '3']]);
    source.put('2', t(2), { amount: 22 });
    await runner.runOnce();
    expect(enriched).toEqual([['1', '2', '3'], ['2']]);
  });

  it('re-checks by idempotency key before retrying an ambiguous create', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 10);
    target.fault = (item, call) => (call === 1 && Number(item.sourceId) % 3 === 0 ? 'ambiguous-after' : null);
    const lookups: string[] = [];
    const runner = new FlowRunner(
      fakeFlow(source, target, {
        findByIdempotencyKey: async (key) => {
          lookups.push(key);
          return target.findByIdempotencyKey(key);
        }
      }),
      opts()
    );
    const summary = await runner.runOnce();
    expect(summary.counts).toMatchObject({ created: 10, deadLettered: 0 });
    expect(lookups).toHaveLength(3);
    expect(target.records.size).toBe(10);
    expect([...target.createsPerSource().values()]).toEqual(Array(10).fill(1));
    expect(await store.getIdempotency('fake-flow:coupa:invoices:3')).toMatchObject({ state: 'done' });
  });

  it('retries an ambiguous create whose re-check finds nothing, and dead-letters it when it cannot re-check', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 2);
    let first = true;
    target.fault = (item) => {
      if (item.sourceId === '1' && first) {
        first = false;
        return new FakeError('ambiguous', 'timeout before send');
      }
      return null;
    };
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    expect((await runner.runOnce()).counts).toMatchObject({ created: 2 });
    expect(target.records.size).toBe(2);

    const store2 = store;
    const s2 = new FakeSource();
    const t2 = new FakeTarget();
    seed(s2, 1);
    t2.fault = () => 'ambiguous-after';
    const blind = new FlowRunner(
      fakeFlow(s2, t2, { name: 'blind', findByIdempotencyKey: undefined }),
      opts({ store: store2 })
    );
    expect((await blind.runOnce()).counts).toMatchObject({ created: 0, deadLettered: 1 });
    expect(t2.records.size).toBe(1);
    expect((await store.listDeadLetters({ flow: 'blind' }))[0]).toMatchObject({ errorClass: 'ambiguous' });
  });

  it('one bad record never fails its batch, even when write() throws for the whole batch', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 4);
    let calls = 0;
    const flow = fakeFlow(source, target, {
      write: async (items) => {
        calls++;
        if (calls === 1) throw new FakeError('transient', 'ECONNRESET');
        return target.write(items);
      },
      map: (r) => {
        if (r.id === '2') throw new Error('cannot map');
        return { ...r.data };
      }
    });
    const summary = await new FlowRunner(flow, opts()).runOnce();
    expect(summary).toMatchObject({ status: 'partial', counts: { created: 3, deadLettered: 1, retries: 3 } });
  });

  it('stops on persistent auth failure without moving the checkpoint, then resumes cleanly', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 5);
    target.fault = (item) => (Number(item.sourceId) >= 3 ? new FakeError('auth', 'INVALID_SESSION_ID') : null);
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    const failed = await runner.runOnce();
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('INVALID_SESSION_ID') });
    expect(await store.getCheckpoint('fake-flow')).toBeNull();
    expect(target.records.size).toBe(2);
    target.fault = () => null;
    const ok = await runner.runOnce();
    expect(ok.counts).toMatchObject({ created: 3, skipped: 2 });
    expect(target.records.size).toBe(5);
  });

  it('retries a failed read and fails the run on a permanent one', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 3);
    source.failNextReads = 2;
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    expect((await runner.runOnce()).counts).toMatchObject({ created: 3, retries: 2 });
    const broken = new FlowRunner(
      fakeFlow(source, target, {
        name: 'broken',
        read: async () => {
          throw new FakeError('validation', 'bad filter');
        }
      }),
      opts()
    );
    expect(await broken.runOnce()).toMatchObject({ status: 'failed', error: expect.stringContaining('bad filter') });
  });

  it('does nothing while paused and resumes where it left off', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 3);
    const runner = new FlowRunner(fakeFlow(source, target), opts());
    await store.setFlowPaused('fake-flow', true);
    expect(await runner.runOnce()).toMatchObject({ status: 'paused', runId: null });
    expect(source.reads).toBe(0);
    await store.setFlowPaused('fake-flow', false);
    expect((await runner.runOnce()).counts.created).toBe(3);
  });

  it('lets only one instance run a flow at a time (lease)', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 3);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const inRead = new Promise<void>((r) => (reading = r));
    const slow = fakeFlow(source, target, {
      read: async (req) => {
        reading();
        await gate;
        return source.read(req);
      }
    });
    const a = new FlowRunner(slow, opts({ instanceId: 'a' }));
    const b = new FlowRunner(fakeFlow(source, target), opts({ instanceId: 'b' }));
    const running = a.runOnce();
    await inRead; // the first run holds the flow
    expect(await b.runOnce()).toMatchObject({ status: 'busy' });
    release();
    expect((await running).counts.created).toBe(3);
    expect((await b.runOnce()).status).toBe('succeeded');
    expect(target.records.size).toBe(3);
  });

  it('runs one run at a time in one process: a stream ingest during a poll is busy and the poll is not failed', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 3);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const inRead = new Promise<void>((r) => (reading = r));
    const runner = new FlowRunner(
      fakeFlow(source, target, {
        read: async (req) => {
          reading();
          await gate;
          return source.read(req);
        }
      }),
      opts()
    );
    const polling = runner.runOnce();
    await inRead; // the first run holds the flow
    source.put('9', t(9), { amount: 9 });
    const pushed = { id: '9', ts: t(9), data: { amount: 9 }, origin: null };
    expect(await runner.ingest([pushed], { trigger: 'stream' })).toMatchObject({ status: 'busy', runId: null });
    release();
    const poll = await polling;
    expect(poll).toMatchObject({ status: 'succeeded' });
    expect(await store.getRun(poll.runId!)).toMatchObject({ status: 'succeeded' });
    // retried after the poll, as stream triggers do
    expect(await runner.ingest([pushed], { trigger: 'stream' })).toMatchObject({ status: 'succeeded' });
    expect(target.records.size).toBe(4);
  });

  it('sends an ambiguous match to the conflict inbox instead of creating a duplicate', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    seed(source, 2);
    const runner = new FlowRunner(
      fakeFlow(source, target, {
        match: async (r) => (r.id === '1' ? { ambiguous: ['A1', 'A2'] } : { targetId: null })
      }),
      opts()
    );
    const summary = await runner.runOnce();
    expect(summary.counts).toMatchObject({ created: 1, conflicts: 1, skipped: 1 });
    expect(await store.listConflicts({ flow: 'fake-flow' })).toEqual([
      expect.objectContaining({
        recordKey: 'coupa:invoices:1',
        field: '(match)',
        sfValue: ['A1', 'A2'],
        coupaValue: '1'
      })
    ]);
  });

  it('updates a matched existing target and links it', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    await target.write([{ sourceId: 'pre', op: 'create', idempotencyKey: 'x', payload: { amount: 0 } }]);
    target.applied = [];
    seed(source, 1);
    const runner = new FlowRunner(fakeFlow(source, target, { match: async () => ({ targetId: 'T1' }) }), opts());
    expect((await runner.runOnce()).counts).toMatchObject({ created: 0, updated: 1 });
    expect(await store.findLink('fake-flow', 'salesforce', 'Coupa_Invoice__c', 'T1')).toMatchObject({ coupaId: '1' });
  });

  it('links a matched target that already holds the payload without writing it, and releases records waiting on it', async () => {
    const source = new FakeSource();
    const target = new FakeTarget();
    await target.write([{ sourceId: 'pre', op: 'create', idempotencyKey: 'x', payload: { amount: 1 } }]);
    target.applied = [];
    seed(source, 1);
    await store.addWaiting([{ depKey: 'salesforce:Coupa_Invoice__c:T1', flow: 'other-flow', sourceId: '42' }]);
    const flow = fakeFlow(source, target, { match: async () => ({ targetId: 'T1' }), readTargets: (ids) => target.readTargets(ids) });
    const runner = new FlowRunner(flow, opts());
    expect((await runner.runOnce()).counts).toMatchObject({ created: 0, updated: 0, skipped: 1 });
    expect(target.applied).toEqual([]);
    const link = await store.findLink('fake-flow', 'salesforce', 'Coupa_Invoice__c', 'T1');
    expect(link).toMatchObject({ coupaId: '1' });
    expect(await store.countWaiting('other-flow')).toBe(0);
    expect((await store.listJournal({ recordKey: 'coupa:invoices:1' })).map((j) => j.action).sort()).toEqual(['linked', 'skip-unchanged']);
    // What the target holds is known as ours: the same value read again is not written.
    expect((await store.getEcho('fake-flow', link!.id, 'to-salesforce'))?.payload).toEqual({ amount: 1 });
    source.put('1', t(5), { amount: 1 });
    expect((await runner.runOnce()).counts).toMatchObject({ updated: 0 });
    source.put('1', t(6), { amount: 2 });
    expect((await runner.runOnce()).counts).toMatchObject({ updated: 1 });
    expect(target.records.get('T1')?.fields).toEqual({ amount: 2 });
  });
});

describe('FlowRunner crash safety', () => {
  const t0 = new Date('2026-01-02T00:00:00.000Z');

  /** Wraps a store so that the Nth call, and every later one, never returns: the process "dies" there. */
  function dyingStore(inner: StateStore, dieAt: number, onDie: () => void): { store: StateStore; calls: () => number } {
    let calls = 0;
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'kind') return value;
        return (...args: unknown[]) => {
          calls++;
          if (calls >= dieAt) {
            onDie();
            return new Promise(() => undefined);
          }
          return value.apply(target, args);
        };
      }
    });
    return { store, calls: () => calls };
  }

  async function crashAndRestart(dieAt: number | null, targetHangAt: number | null) {
    let clock = t0;
    const inner = await openTestStore('sqlite', { now: () => clock });
    try {
      const source = new FakeSource();
      const target = new FakeTarget();
      for (let i = 1; i <= 25; i++) source.put(String(i), t(i), { amount: i });
      let applied = 0;
      target.fault = () => (targetHangAt !== null && applied++ === targetHangAt ? 'hang' : null);
      const flow: FlowDefinition = fakeFlow(source, target, { batchSize: 10 });
      let die!: () => void;
      const died = new Promise<string>((resolve) => (die = () => resolve('died')));
      target.onHang = die;
      const dying = dyingStore(inner, dieAt ?? Number.MAX_SAFE_INTEGER, die);
      const first = new FlowRunner(flow, {
        store: dying.store,
        instanceId: 'first',
        sleep: async () => undefined,
        now: () => clock,
        leaseTtlMs: 60_000
      });
      const outcome = await Promise.race([first.runOnce(), died]);
      // restart: a new process, after the dead one's lease has expired
      clock = new Date(t0.getTime() + 120_000);
      target.fault = () => null;
      const second = new FlowRunner(flow, {
        store: inner,
        instanceId: 'second',
        sleep: async () => undefined,
        now: () => clock
      });
      const summary = await second.runOnce();
      return { outcome, summary, target, inner, calls: dying.calls() };
    } catch (err) {
      await inner.close();
      throw err;
    }
  }

  it.each([
    ['after the second write of the first batch', null, 1],
    ['in the middle of the second batch', null, 14]
  ])('loses and duplicates nothing when the target hangs %s', async (_label, dieAt, hangAt) => {
    const { outcome, summary, target, inner } = await crashAndRestart(dieAt, hangAt);
    try {
      expect(outcome).toBe('died');
      expect(summary.status).toBe('succeeded');
      expect(target.records.size).toBe(25);
      expect([...target.createsPerSource().values()].every((n) => n === 1)).toBe(true);
      expect(target.createsPerSource().size).toBe(25);
      expect(await inner.listLinks('fake-flow')).toHaveLength(25);
    } finally {
      await inner.close();
    }
  });

  it('loses and duplicates nothing wherever the process dies between store calls', async () => {
    // First find how many store calls an uninterrupted run makes, then die at every one of them.
    const probe = await crashAndRestart(null, null);
    const total = probe.calls;
    await probe.inner.close();
    // Three pages: a handful of batched statements each (the page snapshot, the ledger, one commit transaction).
    expect(total).toBeGreaterThan(10);
    for (let dieAt = 1; dieAt <= total; dieAt++) {
      const { outcome, summary, target, inner } = await crashAndRestart(dieAt, null);
      try {
        expect({ dieAt, outcome }).toEqual({ dieAt, outcome: 'died' });
        expect({ dieAt, status: summary.status }).toEqual({ dieAt, status: 'succeeded' });
        expect({ dieAt, size: target.records.size }).toEqual({ dieAt, size: 25 });
        expect({ dieAt, dup: [...target.createsPerSource().values()].some((n) => n > 1) }).toEqual({
          dieAt,
          dup: false
        });
        expect({ dieAt, links: (await inner.listLinks('fake-flow')).length }).toEqual({ dieAt, links: 25 });
      } finally {
        await inner.close();
      }
    }
  });
});

describe('FlowRunner loop prevention', () => {
  let store: SqlStateStore;
  let clock: Date;
  beforeEach(async () => {
    clock = new Date('2026-01-02T00:00:00.000Z');
    store = await openTestStore('sqlite', { now: () => clock });
  });
  afterEach(() => store.close());
  const opts = (extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
    store,
    sleep: async () => undefined,
    now: () => clock,
    ...extra
  });

  /**
   * Two systems, each a FakeTarget holding records, and two flows between them sharing a link group.
   * Each system's changes are exposed as a source ordered by a modification counter.
   */
  function twoWay(fieldOwners?: Record<string, 'coupa' | 'salesforce'>) {
    const sf = new FakeTarget('SF');
    const coupa = new FakeTarget('C');
    const modified = new Map<string, { ts: string; origin: string | null }>();
    let tick = 0;
    const touch = (id: string, origin: string | null) => modified.set(id, { ts: t(++tick), origin });
    const sourceOf = (sys: FakeTarget) => ({
      read: async ({ after }: { after: { ts: string; id: string } | null }) =>
        [...sys.records.values()]
          .map((r) => ({
            id: r.id,
            ts: modified.get(r.id)!.ts,
            data: { ...r.fields },
            origin: modified.get(r.id)!.origin
          }))
          .filter((r) => !after || r.ts > after.ts || (r.ts === after.ts && r.id > after.id))
          .sort((a, b) => (a.ts === b.ts ? (a.id < b.id ? -1 : 1) : a.ts < b.ts ? -1 : 1))
    });
    const writerOf = (sys: FakeTarget) => async (items: Parameters<FakeTarget['write']>[0]) => {
      const out = await sys.write(items);
      out.forEach((o) => o.ok && touch(o.targetId, 'integration-user'));
      return out;
    };
    const base = {
      trigger: { kind: 'poll' as const },
      classify: fakeClassify,
      map: (r: { data: Record<string, unknown> }) => ({ ...r.data }),
      linkGroup: 'contract-sync',
      fieldOwners,
      overlapMs: 0
    };
    const toSf: FlowDefinition = {
      ...base,
      name: 'contract-sync:coupa-to-sf',
      source: { system: 'coupa', object: 'contracts' },
      target: { system: 'salesforce', object: 'Contract' },
      read: sourceOf(coupa).read,
      write: writerOf(sf),
      readTargets: (ids) => sf.readTargets(ids),
      findByIdempotencyKey: (k) => sf.findByIdempotencyKey(k)
    };
    const toCoupa: FlowDefinition = {
      ...base,
      name: 'contract-sync:sf-to-coupa',
      source: { system: 'salesforce', object: 'Contract' },
      target: { system: 'coupa', object: 'contracts' },
      read: sourceOf(sf).read,
      write: writerOf(coupa),
      readTargets: (ids) => coupa.readTargets(ids),
      findByIdempotencyKey: (k) => coupa.findByIdempotencyKey(k)
    };
    const edit = (sys: FakeTarget, id: string, fields: Record<string, unknown>, origin = 'human') => {
      Object.assign(sys.records.get(id)!.fields, fields);
      touch(id, origin);
    };
    const create = (sys: FakeTarget, fields: Record<string, unknown>) => {
      const id = `${sys === sf ? 'SF' : 'C'}${sys.records.size + 1000}`;
      sys.records.set(id, { id, idempotencyKey: '', fields });
      touch(id, 'human');
      return id;
    };
    return { sf, coupa, toSf, toCoupa, edit, create };
  }

  it('drops our own writes coming back (echo ledger) so a change crosses once', async () => {
    const w = twoWay();
    const c1 = w.create(w.coupa, { name: 'Acme MSA', status: 'draft' });
    const a = new FlowRunner(w.toSf, opts());
    const b = new FlowRunner(w.toCoupa, opts());
    expect((await a.runOnce()).counts.created).toBe(1);
    const back = await b.runOnce();
    expect(back.counts).toMatchObject({ echoes: 1, created: 0, updated: 0 });
    expect(w.coupa.records.size).toBe(1);
    // a real change in Salesforce does cross back, once
    const [sfId] = [...w.sf.records.keys()];
    w.edit(w.sf, sfId, { status: 'active' });
    expect((await b.runOnce()).counts.updated).toBe(1);
    expect(w.coupa.records.get(c1)!.fields.status).toBe('active');
    expect((await a.runOnce()).counts).toMatchObject({ echoes: 1, updated: 0 });
    const journal = await store.listJournal({ flow: 'contract-sync:sf-to-coupa' });
    expect(journal.map((j) => j.action)).toEqual(['skip-echo', 'update']);
  });

  it('drops changes carrying our origin tag', async () => {
    const w = twoWay();
    w.create(w.coupa, { name: 'X' });
    const flow = { ...w.toSf, isOwnChange: (r: { origin?: string | null }) => r.origin === 'integration-user' };
    const id = [...w.coupa.records.keys()][0];
    w.edit(w.coupa, id, { name: 'Y' }, 'integration-user');
    const summary = await new FlowRunner(flow, opts()).runOnce();
    expect(summary.counts).toMatchObject({ echoes: 1, created: 0 });
    expect((await store.listJournal({ flow: flow.name }))[0].action).toBe('skip-origin');
  });

  it('propagates only the owner’s fields and sends two-sided changes of owner-less fields to conflicts', async () => {
    const w = twoWay({ status: 'coupa', stage: 'salesforce' });
    const cId = w.create(w.coupa, { name: 'MSA', status: 'draft', stage: 'open' });
    const a = new FlowRunner(w.toSf, opts());
    const b = new FlowRunner(w.toCoupa, opts());
    await a.runOnce(); // first sync creates the record: Salesforce's own field (stage) arrives as its starting value
    const sfId = [...w.sf.records.keys()][0];
    expect(w.sf.records.get(sfId)!.fields).toEqual({ name: 'MSA', status: 'draft', stage: 'open' }); // stage: a starting value
    await b.runOnce();
    // both sides edit: Coupa changes status (it owns it) and name; Salesforce changes name and status
    w.edit(w.coupa, cId, { status: 'active', name: 'MSA (Coupa)' });
    w.edit(w.sf, sfId, { status: 'hacked', name: 'MSA (SF)' });
    const run = await a.runOnce();
    expect(run.counts).toMatchObject({ updated: 1, conflicts: 1 });
    expect(w.sf.records.get(sfId)!.fields).toMatchObject({ status: 'active', name: 'MSA (SF)' });
    expect(await store.listConflicts({ flow: 'contract-sync', status: 'open' })).toEqual([
      expect.objectContaining({
        field: 'name',
        sfValue: 'MSA (SF)',
        coupaValue: 'MSA (Coupa)',
        recordKey: `coupa:contracts:${cId}`
      })
    ]);
    // Salesforce's change of a Coupa-owned field never reaches Coupa
    await b.runOnce();
    expect(w.coupa.records.get(cId)!.fields.status).toBe('active');
  });

  it('leaves a field with an open conflict alone on both sides until it is resolved, and files it once', async () => {
    const w = twoWay({ status: 'coupa', stage: 'salesforce' });
    const cId = w.create(w.coupa, { name: 'MSA', status: 'draft', stage: 'open' });
    const a = new FlowRunner(w.toSf, opts());
    const b = new FlowRunner(w.toCoupa, opts());
    await a.runOnce();
    await b.runOnce();
    const sfId = [...w.sf.records.keys()][0];
    w.edit(w.coupa, cId, { name: 'MSA (Coupa)' });
    w.edit(w.sf, sfId, { name: 'MSA (SF)' });
    expect((await a.runOnce()).counts.conflicts).toBe(1);
    // More edits of the conflicted field on either side: nothing written, nothing filed again; other fields still flow.
    w.edit(w.coupa, cId, { name: 'MSA (Coupa 2)', status: 'active' });
    expect((await a.runOnce()).counts).toMatchObject({ conflicts: 0, updated: 1 });
    expect(w.sf.records.get(sfId)!.fields).toMatchObject({ name: 'MSA (SF)', status: 'active' });
    w.edit(w.sf, sfId, { name: 'MSA (SF 2)', stage: 'won' });
    expect((await b.runOnce()).counts).toMatchObject({ conflicts: 0, updated: 1 });
    expect(w.coupa.records.get(cId)!.fields).toMatchObject({ name: 'MSA (Coupa 2)', stage: 'won' });
    expect(await store.listConflicts({ flow: 'contract-sync', status: 'open' })).toHaveLength(1);
    // Resolved: the field is the sync's again (a new run reads the inbox afresh).
    const [conflict] = await store.listConflicts({ flow: 'contract-sync', status: 'open' });
    await store.resolveConflict(conflict.id, 'salesforce');
    w.edit(w.sf, sfId, { name: 'MSA (agreed)' });
    await b.runOnce();
    expect(w.coupa.records.get(cId)!.fields.name).toBe('MSA (agreed)');
  });

  it('quarantines a record that keeps bouncing (ping-pong breaker)', async () => {
    const w = twoWay();
    const cId = w.create(w.coupa, { n: 0 });
    const a = new FlowRunner(w.toSf, opts({ pingPong: { maxWrites: 3, windowMs: 60_000 } }));
    await a.runOnce();
    for (let i = 1; i <= 5; i++) {
      w.edit(w.coupa, cId, { n: i });
      await a.runOnce();
    }
    expect(await store.isQuarantined('contract-sync', `coupa:contracts:${cId}`)).toBe(true);
    expect(w.sf.applied.length).toBe(3);
    const quarantined = (await store.listJournal({ flow: 'contract-sync:coupa-to-sf' })).filter(
      (j) => j.action.startsWith('quarantine') || j.action === 'skip-quarantined'
    );
    expect(quarantined.length).toBeGreaterThanOrEqual(2);
    // released by an operator, and outside the window, it syncs again
    await store.releaseQuarantine('contract-sync', `coupa:contracts:${cId}`);
    clock = new Date(clock.getTime() + 120_000);
    w.edit(w.coupa, cId, { n: 9 });
    expect((await a.runOnce()).counts.updated).toBe(1);
  });

  describe('effects and creates whose answer was lost', () => {
    const seed = (source: FakeSource, n: number) => {
      for (let i = 1; i <= n; i++) source.put(String(i), t(i), { amount: i });
    };
    /** A flow planning one "task" per record on its first write, applied into `tasks` through `applyEffect`. */
    function withTasks(source: FakeSource, target: FakeTarget, applyEffect: (key: string, call: number) => 'ok' | 'lost-before' | 'lost-after') {
      const tasks: string[] = [];
      let calls = 0;
      const flow = fakeFlow(source, target, {
        effects: (rec, _p, ctx) => (ctx.lastWritten ? [] : [{ key: `task:${rec.id}`, kind: 'task', description: `task for ${rec.id}`, payload: {} }]),
        applyEffects: async (effects) => {
          calls++;
          return effects.map((e) => {
            const fate = applyEffect(e.key, calls);
            if (fate !== 'lost-before') tasks.push(e.key);
            return fate === 'ok' ? { ok: true as const, remoteId: e.key } : { ok: false as const, error: new FakeError('ambiguous', 'socket hang up') };
          });
        },
        findEffect: async (e) => (tasks.includes(e.key) ? e.key : null),
      });
      return { flow, tasks };
    }

    it.each([
      ['after the effect was applied (it is found, not repeated)', 'lost-after'],
      ['before the request reached the target (it is applied on the retry)', 'lost-before'],
    ] as const)('looks an effect up when its answer is lost %s, and dead-letters nothing', async (_label, fate) => {
      const source = new FakeSource();
      const target = new FakeTarget();
      seed(source, 10);
      const { flow, tasks } = withTasks(source, target, (_key, call) => (call === 1 ? fate : 'ok'));
      const summary = await new FlowRunner(flow, opts()).runOnce();
      expect(summary).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deadLettered: 0 }) });
      expect([...tasks].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `task:${i + 1}`).sort());
      expect(await store.listDeadLetters({})).toEqual([]);
    });

    it.each(['map', 'matchPage'] as const)('waits out a throttled %s call (it looks something up) instead of dead-lettering the page', async (stage) => {
      const source = new FakeSource();
      const target = new FakeTarget();
      seed(source, 5);
      let calls = 0;
      const throttledOnce = () => {
        if (++calls === 1) throw new FakeError('rate-limited', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', undefined, 5);
      };
      const flow = fakeFlow(
        source,
        target,
        stage === 'map'
          ? { map: async (rec) => (throttledOnce(), { ...rec.data }) }
          : { matchPage: async () => (throttledOnce(), new Map()) },
      );
      const summary = await new FlowRunner(flow, opts()).runOnce();
      expect(summary).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 5, deadLettered: 0 }) });
      expect(await store.listDeadLetters({})).toEqual([]);
    });

    it('re-sends a create whose answer was lost only after a re-check that worked found nothing', async () => {
      const source = new FakeSource();
      const target = new FakeTarget();
      seed(source, 5);
      // Every create's first answer is lost after it was applied; the first two re-checks fail.
      target.fault = (_item, call) => (call === 1 ? 'ambiguous-after' : null);
      let lookups = 0;
      const flow = fakeFlow(source, target, {
        findByIdempotencyKey: async (key) => {
          if (++lookups <= 2) throw new FakeError('transient', 'query failed');
          return target.findByIdempotencyKey(key);
        },
      });
      const summary = await new FlowRunner(flow, opts()).runOnce();
      expect(summary).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ deadLettered: 0 }) });
      expect(target.applied.filter((a) => a.op === 'create')).toHaveLength(5);
      expect(target.records.size).toBe(5);
    });
  });
});
