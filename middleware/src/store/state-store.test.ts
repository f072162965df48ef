import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QUARANTINE_RELEASED, openStateStore, uniqueSchemaName } from './index';
import type { SqlStateStore } from './sql-state-store';
import { STORE_KINDS, TEST_DATABASE_URL, openTestStore, type StoreKind } from './test-stores';

// Generous limit for loaded CI machines; nothing here waits on a timer.
jest.setTimeout(30_000);

describe.each(STORE_KINDS)('StateStore contract (%s)', (kind: StoreKind) => {
  let store: SqlStateStore;
  let clock: Date;

  beforeEach(async () => {
    clock = new Date('2026-01-01T00:00:00.000Z');
    store = await openTestStore(kind, { now: () => clock });
  });
  afterEach(async () => {
    await store.close();
  });

  it('applies every migration once and records it', async () => {
    expect(await store.appliedMigrations()).toEqual([1, 2, 3, 4, 5]);
    expect(await store.migrate()).toEqual([]);
    expect(store.kind).toBe(kind);
  });

  it('links records uniquely in both directions per flow', async () => {
    const link = await store.createLink({ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: '7' });
    expect(link.id).toBeGreaterThan(0);
    expect(await store.findLink('f', 'salesforce', 'Account', 'a1')).toMatchObject({ coupaId: '7' });
    expect(await store.findLink('f', 'coupa', 'suppliers', '7')).toMatchObject({ sfId: 'a1' });
    expect(await store.findLink('other', 'coupa', 'suppliers', '7')).toBeNull();
    // same pair again is idempotent
    expect((await store.createLink({ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: '7' })).id).toBe(link.id);
    await expect(
      store.createLink({ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: '8' }),
    ).rejects.toThrow(/already linked/);
    await expect(
      store.createLink({ flow: 'f', sfObject: 'Account', sfId: 'a2', coupaResource: 'suppliers', coupaId: '7' }),
    ).rejects.toThrow(/suppliers 7 is already linked to Account a1/);
    await store.createLink({ flow: 'g', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: '7' });
    expect(await store.listLinks('f')).toHaveLength(1);
    await store.deleteLink(link.id);
    expect(await store.getLink(link.id)).toBeNull();
  });

  it('reads and writes a page of sync state in batches (page snapshot and commit)', async () => {
    const links = await store.insertLinks(
      Array.from({ length: 600 }, (_, i) => ({ flow: 'f', sfObject: 'Account', sfId: `a${i}`, coupaResource: 'suppliers', coupaId: String(i) })),
    );
    expect(links).toHaveLength(600);
    const found = await store.findLinks('f', 'coupa', 'suppliers', ['1', '599', 'nope', '1']);
    expect(found.map((l) => l.sfId).sort()).toEqual(['a1', 'a599']);
    expect(await store.findLinks('f', 'salesforce', 'Account', ['a2'])).toEqual([expect.objectContaining({ coupaId: '2' })]);
    await expect(store.insertLinks([{ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: 'x' }])).rejects.toThrow();

    await store.setEchoes([
      { flow: 'f', linkId: links[0].id, direction: 'to-coupa', hash: 'h1', payload: { a: 1 } },
      { flow: 'f', linkId: links[0].id, direction: 'to-salesforce', hash: 'h2', payload: null },
      { flow: 'f', linkId: links[1].id, direction: 'to-coupa', hash: 'h3', payload: { b: 2 } },
    ]);
    await store.setEchoes([{ flow: 'f', linkId: links[0].id, direction: 'to-coupa', hash: 'h4', payload: { a: 2 } }]);
    const echoes = await store.listEchoes('f', [links[0].id, links[1].id, links[2].id]);
    expect(echoes).toHaveLength(3);
    expect(echoes.find((e) => e.linkId === links[0].id && e.direction === 'to-coupa')).toMatchObject({ hash: 'h4', payload: { a: 2 } });

    await store.appendJournalMany([
      { flow: 'f', direction: 'to-coupa', recordKey: 'k1', action: 'update', linkId: links[0].id, after: { a: 1 } },
      { flow: 'f', direction: 'to-coupa', recordKey: 'k1', action: 'update', linkId: links[0].id },
      { flow: 'f', direction: 'to-coupa', recordKey: 'k2', action: 'skip-echo', linkId: links[1].id },
    ]);
    const counts = await store.countLinkWritesMany([links[0].id, links[1].id], '2025-01-01T00:00:00.000Z', ['create', 'update']);
    expect(counts.get(links[0].id)).toBe(2);
    expect(counts.has(links[1].id)).toBe(false);
    expect(await store.listJournal({ recordKey: 'k1' })).toEqual([
      expect.objectContaining({ after: { a: 1 } }),
      expect.objectContaining({ after: null }),
    ]);

    await store.beginIdempotent('i1', 'f');
    const begun = await store.beginIdempotentMany(['i1', 'i2', 'i3', 'i2'], 'f');
    expect(begun.get('i1')).toMatchObject({ created: false });
    expect(begun.get('i2')).toMatchObject({ created: true, entry: { state: 'pending' } });
    expect((await store.beginIdempotentMany(['i2'], 'f')).get('i2')).toMatchObject({ created: false });
    await store.completeIdempotentMany([
      { key: 'i2', remoteId: 'r2', flow: 'f' },
      { key: 'i9', remoteId: 'r9', flow: 'f' },
    ]);
    const entries = await store.getIdempotencies(['i1', 'i2', 'i9']);
    expect(Object.fromEntries(entries.map((e) => [e.key, [e.state, e.remoteId]]))).toEqual({
      i1: ['pending', null],
      i2: ['done', 'r2'],
      i9: ['done', 'r9'],
    });
  });

  it('moves records waiting for a link to their flow\'s work queue when it appears', async () => {
    await store.addWaiting([
      { depKey: 'g|coupa|suppliers|7', flow: 'inv', sourceId: '100' },
      { depKey: 'g|coupa|suppliers|7', flow: 'inv', sourceId: '101' },
      { depKey: 'g|coupa|suppliers|7', flow: 'inv', sourceId: '100' },
      { depKey: 'g|coupa|suppliers|8', flow: 'inv', sourceId: '102' },
    ]);
    expect(await store.countWaiting('inv')).toBe(3);
    expect(await store.releaseWaiting(['g|coupa|suppliers|7', 'g|coupa|suppliers|9'])).toBe(2);
    expect(await store.countWaiting('inv')).toBe(1);
    const work = await store.claimWork('inv', 'me', 10, 60_000);
    expect(work.map((w) => w.recordKey).sort()).toEqual(['100', '101']);
  });

  it('saves and replaces checkpoints with extra state', async () => {
    expect(await store.getCheckpoint('f')).toBeNull();
    await store.saveCheckpoint({ flow: 'f', cursorTs: '2026-01-01T00:00:00.000Z', cursorId: '5', extra: { seen: { a: 1 } } });
    await store.saveCheckpoint({ flow: 'f', cursorTs: '2026-01-02T00:00:00.000Z', cursorId: '9', extra: { seen: {} } });
    expect(await store.getCheckpoint('f')).toMatchObject({ cursorTs: '2026-01-02T00:00:00.000Z', cursorId: '9', extra: { seen: {} } });
    await store.resetCheckpoint('f');
    expect(await store.getCheckpoint('f')).toBeNull();
  });

  it('keeps one replay position per consumer and channel, replaced in a transaction, rolled back with it', async () => {
    expect(await store.getStreamPosition('f', '/data/AccountChangeEvent')).toBeNull();
    await store.saveStreamPosition({ consumer: 'f', channel: '/data/AccountChangeEvent', replayId: 'AAAAAAAAAAE=' });
    await store.transaction(async (tx) => tx.saveStreamPosition({ consumer: 'f', channel: '/data/AccountChangeEvent', replayId: 'AAAAAAAAAAI=' }));
    await store.saveStreamPosition({ consumer: 'g', channel: '/data/AccountChangeEvent', replayId: '7' });
    await expect(
      store.transaction(async (tx) => {
        await tx.saveStreamPosition({ consumer: 'f', channel: '/data/AccountChangeEvent', replayId: 'lost' });
        throw new Error('page failed');
      }),
    ).rejects.toThrow('page failed');
    expect(await store.getStreamPosition('f', '/data/AccountChangeEvent')).toMatchObject({ replayId: 'AAAAAAAAAAI=' });
    expect(await store.getStreamPosition('g', '/data/AccountChangeEvent')).toMatchObject({ replayId: '7' });
    await store.clearStreamPosition('f', '/data/AccountChangeEvent');
    expect(await store.getStreamPosition('f', '/data/AccountChangeEvent')).toBeNull();
  });

  it('records runs and lists the newest first', async () => {
    const r1 = await store.startRun({ flow: 'f', trigger: 'schedule' });
    clock = new Date('2026-01-01T00:01:00.000Z');
    const r2 = await store.startRun({ flow: 'f', trigger: 'manual' });
    await store.finishRun(r1.id, { status: 'succeeded', counts: { written: 3 } });
    expect(await store.getRun(r1.id)).toMatchObject({ status: 'succeeded', counts: { written: 3 }, trigger: 'schedule' });
    expect((await store.listRuns({ flow: 'f' })).map((r) => r.id)).toEqual([r2.id, r1.id]);
    expect(await store.listRuns({ flow: 'nope' })).toEqual([]);
  });

  it('marks runs left running as failed, only while their flow lease is free or expired unless told otherwise', async () => {
    const stale = await store.startRun({ flow: 'f', trigger: 'schedule' });
    const other = await store.startRun({ flow: 'g', trigger: 'schedule' });
    const done = await store.startRun({ flow: 'f', trigger: 'manual' });
    await store.finishRun(done.id, { status: 'succeeded', counts: {} });
    expect(await store.acquireLease('flow:f', 'dead-instance', 60_000)).toBe(true);
    expect(await store.failRunningRuns('f', 'stopped', { unlessLeaseHeld: 'flow:f' })).toBe(0);
    expect((await store.getRun(stale.id))!.status).toBe('running');
    clock = new Date('2026-01-01T00:01:00.000Z'); // the lease has expired
    expect(await store.failRunningRuns('f', 'stopped', { unlessLeaseHeld: 'flow:f' })).toBe(1);
    expect(await store.getRun(stale.id)).toMatchObject({ status: 'failed', error: 'stopped', finishedAt: '2026-01-01T00:01:00.000Z' });
    expect(await store.getRun(done.id)).toMatchObject({ status: 'succeeded', error: null });
    expect((await store.getRun(other.id))!.status).toBe('running');
    // no lease row at all: free
    expect(await store.failRunningRuns('g', 'stopped', { unlessLeaseHeld: 'flow:g' })).toBe(1);
    // the caller holds the lease itself: every run still running is abandoned
    const held = await store.startRun({ flow: 'f', trigger: 'schedule' });
    expect(await store.acquireLease('flow:f', 'me', 60_000)).toBe(true);
    expect(await store.failRunningRuns('f', 'stopped')).toBe(1);
    expect((await store.getRun(held.id))!.status).toBe('failed');
  });

  it('journals per record and counts writes per link in a window', async () => {
    await store.appendJournal({ flow: 'f', direction: 'to-salesforce', recordKey: 'k', linkId: 1, action: 'update', after: { a: 1 } });
    clock = new Date('2026-01-01T00:10:00.000Z');
    await store.appendJournal({ flow: 'f2', direction: 'to-coupa', recordKey: 'k', linkId: 1, action: 'update', before: { a: 1 }, after: { a: 2 } });
    await store.appendJournal({ flow: 'f', direction: 'to-coupa', recordKey: 'k', linkId: 1, action: 'skip-echo' });
    const rows = await store.listJournal({ recordKey: 'k' });
    expect(rows.map((r) => r.action)).toEqual(['update', 'update', 'skip-echo']);
    expect(await store.listJournal({ flow: 'f' })).toHaveLength(2);
    expect(rows[1]).toMatchObject({ before: { a: 1 }, after: { a: 2 }, linkId: 1 });
    expect(await store.countLinkWrites(1, '2026-01-01T00:05:00.000Z', ['create', 'update'])).toBe(1);
    expect(await store.countLinkWrites(1, '2025-12-31T00:00:00.000Z', ['create', 'update'])).toBe(2);
  });

  it('counts only the writes after an operator released the link from quarantine', async () => {
    for (const linkId of [1, 2]) {
      await store.appendJournal({ flow: 'g', direction: 'to-salesforce', recordKey: `k${linkId}`, linkId, action: 'update' });
    }
    clock = new Date('2026-01-01T00:01:00.000Z');
    await store.appendJournal({ flow: 'g', direction: 'operator', recordKey: 'k1', linkId: 1, action: QUARANTINE_RELEASED });
    const since = '2025-12-31T00:00:00.000Z';
    expect(await store.countLinkWrites(1, since, ['update'])).toBe(0);
    expect(Object.fromEntries(await store.countLinkWritesMany([1, 2], since, ['update']))).toEqual({ 2: 1 });
    clock = new Date('2026-01-01T00:02:00.000Z');
    await store.appendJournal({ flow: 'g', direction: 'to-salesforce', recordKey: 'k1', linkId: 1, action: 'update' });
    expect(await store.countLinkWrites(1, since, ['update'])).toBe(1);
    expect(Object.fromEntries(await store.countLinkWritesMany([1, 2], since, ['update']))).toEqual({ 1: 1, 2: 1 });
  });

  it('keeps dead letters with request and response and tracks status', async () => {
    const id = await store.addDeadLetter({
      flow: 'f',
      recordKey: 'k',
      payload: { id: 'k' },
      request: { body: { x: 1 } },
      response: { status: 400, body: [{ errorCode: 'INVALID_FIELD' }] },
      errorClass: 'validation',
      message: 'bad field',
      attempts: 1,
    });
    expect(await store.getDeadLetter(id)).toMatchObject({ status: 'open', response: { status: 400 }, errorClass: 'validation' });
    await store.updateDeadLetter(id, { status: 'replayed', attempts: 2 });
    expect(await store.listDeadLetters({ flow: 'f', status: 'open' })).toEqual([]);
    expect(await store.listDeadLetters({ status: 'replayed' })).toHaveLength(1);
  });

  it('keeps one open dead letter per record and flow: a repeated failure updates it, a new one follows a replay', async () => {
    const letter = (message: string, attempts: number) => ({
      flow: 'f',
      recordKey: 'k2',
      payload: { id: 'k2', v: message },
      request: { n: attempts },
      response: null,
      errorClass: 'validation' as const,
      message,
      attempts,
    });
    const first = await store.addDeadLetter(letter('first', 1));
    const again = await store.addDeadLetter(letter('second', 3));
    expect(again).toBe(first);
    expect(await store.listDeadLetters({ flow: 'f', status: 'open' })).toEqual([
      expect.objectContaining({ id: first, message: 'second', attempts: 4, payload: { id: 'k2', v: 'second' } }),
    ]);
    await store.addDeadLetter({ ...letter('other record', 1), recordKey: 'k3' });
    await store.updateDeadLetter(first, { status: 'replayed' });
    const later = await store.addDeadLetter(letter('after the replay', 1));
    expect(later).not.toBe(first);
    expect((await store.listDeadLetters({ flow: 'f', status: 'open' })).map((d) => d.message).sort()).toEqual(['after the replay', 'other record']);
  });

  it('begins an idempotent create only once', async () => {
    const first = await store.beginIdempotent('f:1', 'f');
    const second = await store.beginIdempotent('f:1', 'f');
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, entry: { state: 'pending' } });
    await store.completeIdempotent('f:1', 'remote-9');
    expect(await store.getIdempotency('f:1')).toMatchObject({ state: 'done', remoteId: 'remote-9' });
    await expect(store.completeIdempotent('missing', 'x')).rejects.toThrow(/not found/);
  });

  it('stores and resolves conflicts', async () => {
    const id = await store.addConflict({ flow: 'f', recordKey: 'k', field: 'Name', sfValue: 'A', coupaValue: 'B' });
    expect(await store.listConflicts({ status: 'open' })).toEqual([expect.objectContaining({ id, sfValue: 'A', coupaValue: 'B' })]);
    await store.resolveConflict(id, 'salesforce');
    expect(await store.getConflict(id)).toMatchObject({ status: 'resolved', resolution: 'salesforce' });
  });

  it('keeps the last written hash per link and direction', async () => {
    await store.setEcho({ flow: 'f', linkId: 3, direction: 'to-coupa', hash: 'h1', payload: { a: 1 } });
    await store.setEcho({ flow: 'f', linkId: 3, direction: 'to-coupa', hash: 'h2', payload: { a: 2 } });
    expect(await store.getEcho('f', 3, 'to-coupa')).toMatchObject({ hash: 'h2', payload: { a: 2 } });
    expect(await store.getEcho('f', 3, 'to-salesforce')).toBeNull();
  });

  it('audits, pauses flows and quarantines records', async () => {
    await store.audit('admin', 'flow.pause', { flow: 'f' });
    expect(await store.listAudit()).toEqual([expect.objectContaining({ actor: 'admin', detail: { flow: 'f' } })]);
    expect((await store.getFlowState('f')).paused).toBe(false);
    await store.setFlowPaused('f', true, 'maintenance');
    expect(await store.getFlowState('f')).toMatchObject({ paused: true, reason: 'maintenance' });
    await store.setFlowPaused('f', false);
    expect((await store.getFlowState('f')).paused).toBe(false);
    await store.quarantine('f', 'k', 'ping-pong');
    expect(await store.isQuarantined('f', 'k')).toBe(true);
    expect(await store.listQuarantine('f')).toHaveLength(1);
    expect(await store.releaseQuarantine('f', 'k')).toBe(true);
    expect(await store.isQuarantined('f', 'k')).toBe(false);
  });

  it('stores credential ciphertext rows', async () => {
    await store.putCredential({ name: 'coupa.secret', ciphertext: 'c', iv: 'i', tag: 't', keyVersion: 1, salt: null });
    await store.putCredential({ name: 'coupa.secret', ciphertext: 'c2', iv: 'i2', tag: 't2', keyVersion: 2, salt: 's' });
    expect(await store.getCredential('coupa.secret')).toMatchObject({ ciphertext: 'c2', keyVersion: 2, salt: 's' });
    expect(await store.listCredentials()).toHaveLength(1);
    expect(await store.deleteCredential('coupa.secret')).toBe(true);
    expect(await store.deleteCredential('coupa.secret')).toBe(false);
  });

  it('grants a lease to one holder until it expires', async () => {
    expect(await store.acquireLease('flow:f', 'a', 1000)).toBe(true);
    expect(await store.acquireLease('flow:f', 'b', 1000)).toBe(false);
    expect(await store.acquireLease('flow:f', 'a', 1000)).toBe(true); // renewal
    clock = new Date(clock.getTime() + 1001);
    expect(await store.acquireLease('flow:f', 'b', 1000)).toBe(true);
    expect(await store.acquireLease('flow:f', 'a', 1000)).toBe(false);
    await store.releaseLease('flow:f', 'b');
    expect(await store.acquireLease('flow:f', 'a', 1000)).toBe(true);
  });

  it('counts open dead letters, open conflicts and quarantined records by flow', async () => {
    const dl = await store.addDeadLetter({ flow: 'a', recordKey: 'k1', errorClass: 'validation', attempts: 1 });
    await store.addDeadLetter({ flow: 'a', recordKey: 'k2', errorClass: 'validation', attempts: 1 });
    await store.addDeadLetter({ flow: 'b', recordKey: 'k3', errorClass: 'validation', attempts: 1 });
    await store.updateDeadLetter(dl, { status: 'discarded' });
    const c = await store.addConflict({ flow: 'g', recordKey: 'k1', field: 'x', sfValue: 1, coupaValue: 2 });
    await store.addConflict({ flow: 'g', recordKey: 'k2', field: 'x', sfValue: 1, coupaValue: 2 });
    await store.resolveConflict(c, 'coupa');
    await store.quarantine('g', 'k9', 'bounced');
    const open = await store.countOpen();
    expect(Object.fromEntries(open.deadLetters)).toEqual({ a: 1, b: 1 });
    expect(Object.fromEntries(open.conflicts)).toEqual({ g: 1 });
    expect(Object.fromEntries(open.quarantined)).toEqual({ g: 1 });
  });

  it('claims each work item for one holder and re-offers expired claims', async () => {
    for (let i = 0; i < 5; i++) await store.enqueueWork('f', `k${i}`, { i });
    const a = await store.claimWork('f', 'a', 3, 1000);
    const b = await store.claimWork('f', 'b', 3, 1000);
    expect(a.map((w) => w.recordKey)).toEqual(['k0', 'k1', 'k2']);
    expect(b.map((w) => w.recordKey)).toEqual(['k3', 'k4']);
    expect(await store.completeWork(a[0].id, 'b')).toBe(false);
    expect(await store.completeWork(a[0].id, 'a')).toBe(true);
    clock = new Date(clock.getTime() + 1001);
    const again = await store.claimWork('f', 'c', 10, 1000);
    expect(again.map((w) => w.recordKey)).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(again[0]).toMatchObject({ attempts: 2, payload: { i: 1 } });
  });

  it('commits a transaction as a whole and rolls it back on error', async () => {
    await store.transaction(async (tx) => {
      await tx.saveCheckpoint({ flow: 'f', cursorTs: 't1', cursorId: '1', extra: {} });
      await tx.appendJournal({ flow: 'f', direction: 'd', recordKey: 'k', action: 'update' });
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.saveCheckpoint({ flow: 'f', cursorTs: 't2', cursorId: '2', extra: {} });
        await tx.appendJournal({ flow: 'f', direction: 'd', recordKey: 'k', action: 'update' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.getCheckpoint('f')).toMatchObject({ cursorTs: 't1' });
    expect(await store.listJournal({ flow: 'f' })).toHaveLength(1);
  });

  it('rolls back a transaction whose statements were issued together when one of them fails, and stays usable', async () => {
    await store.insertLinks([{ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: 'c1' }]);
    await expect(
      store.transaction(async (tx) => {
        const issued = [
          tx.saveCheckpoint({ flow: 'f', cursorTs: 't1', cursorId: '1', extra: {} }),
          tx.insertLinks([{ flow: 'f', sfObject: 'Account', sfId: 'a1', coupaResource: 'suppliers', coupaId: 'c2' }]),
          tx.appendJournalMany([{ flow: 'f', direction: 'd', recordKey: 'k', action: 'update' }]),
        ];
        const failed = (await Promise.allSettled(issued)).find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }),
    ).rejects.toThrow();
    expect(await store.getCheckpoint('f')).toBeNull();
    expect(await store.listJournal({ flow: 'f' })).toHaveLength(0);
    for (let i = 0; i < 3; i++) {
      await store.transaction(async (tx) => {
        await Promise.all([tx.saveCheckpoint({ flow: 'f', cursorTs: `t${i}`, cursorId: String(i), extra: {} }), tx.appendJournalMany([{ flow: 'f', direction: 'd', recordKey: 'k', action: 'update' }])]);
      });
    }
    expect(await store.getCheckpoint('f')).toMatchObject({ cursorTs: 't2' });
    expect(await store.listJournal({ flow: 'f' })).toHaveLength(3);
  });

  it('stores batched rows with any text as given (quotes, backslashes, line breaks, non-ASCII, a lone surrogate)', async () => {
    const odd = 'k "q" \\ \\ud83d \n\t é 😀 \u0001';
    await store.appendJournalMany([
      { flow: 'f', direction: 'd', recordKey: odd, action: 'update', after: { [odd]: odd, n: 1.5, b: true, z: null } },
      { flow: 'f', direction: 'd', recordKey: 'lone', action: 'update', error: 'x \ud800 y', after: { v: 'a\udc00b' } },
    ]);
    expect(await store.listJournal({ recordKey: odd })).toEqual([expect.objectContaining({ recordKey: odd, after: { [odd]: odd, n: 1.5, b: true, z: null } })]);
    const [lone] = await store.listJournal({ recordKey: 'lone' });
    expect(lone.after).toEqual({ v: 'a\udc00b' });
    expect(lone.error).toMatch(/^x .+ y$/u); // how a lone surrogate is replaced is the database's own
    const links = await store.insertLinks([{ flow: 'f', sfObject: 'Account', sfId: odd, coupaResource: 'suppliers', coupaId: '1' }]);
    expect(await store.findLinks('f', 'salesforce', 'Account', [odd])).toEqual(links);
  });

  it('does not let other callers see or join an open transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = store.transaction(async (t) => {
      await t.saveCheckpoint({ flow: 'f', cursorTs: 'inside', cursorId: '1', extra: {} });
      await held;
      throw new Error('rollback');
    });
    const outside = store.appendJournal({ flow: 'f', direction: 'd', recordKey: 'outside', action: 'update' });
    release();
    await expect(tx).rejects.toThrow('rollback');
    await outside;
    expect(await store.getCheckpoint('f')).toBeNull();
    expect(await store.listJournal({ recordKey: 'outside' })).toHaveLength(1);
  });
});

describe('openStateStore', () => {
  it('creates a WAL SQLite file and keeps data across reopen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-store-'));
    const file = path.join(dir, 'nested', 'state.db');
    try {
      const s1 = await openStateStore({ sqlitePath: file });
      await s1.saveCheckpoint({ flow: 'f', cursorTs: 't', cursorId: '1', extra: {} });
      await s1.close();
      expect(fs.existsSync(file)).toBe(true);
      const s2 = await openStateStore({ sqlitePath: file });
      expect(await s2.getCheckpoint('f')).toMatchObject({ cursorTs: 't' });
      expect(await s2.appliedMigrations()).toEqual([1, 2, 3, 4, 5]);
      await s2.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the SQLite file and its -wal and -shm readable by the owner only, and narrows an existing file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-mode-'));
    const previous = process.umask(0o022);
    try {
      const file = path.join(dir, 'connector.db');
      const store = await openStateStore({ sqlitePath: file });
      await store.addDeadLetter({ flow: 'f', recordKey: 'k', errorClass: 'validation', attempts: 1, request: { secret: 'x' } });
      const mode = (f: string) => fs.statSync(f).mode & 0o777;
      expect([file, `${file}-wal`, `${file}-shm`].map(mode)).toEqual([0o600, 0o600, 0o600]);
      await store.close();

      const old = path.join(dir, 'old.db');
      fs.writeFileSync(old, '');
      fs.chmodSync(old, 0o644);
      const reopened = await openStateStore({ sqlitePath: old });
      await reopened.audit('a', 'b');
      expect([old, `${old}-wal`, `${old}-shm`].map(mode)).toEqual([0o600, 0o600, 0o600]);
      await reopened.close();
    } finally {
      process.umask(previous);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a PostgreSQL schema once when two instances open it together', async () => {
    const schema = uniqueSchemaName('cs_test');
    const [a, b] = await Promise.all([
      openStateStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema }),
      openStateStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, dropSchemaOnClose: true }),
    ]);
    try {
      expect(await a.appliedMigrations()).toEqual([1, 2, 3, 4, 5]);
      await a.saveCheckpoint({ flow: 'f', cursorTs: 't', cursorId: '1', extra: {} });
      expect(await b.getCheckpoint('f')).toMatchObject({ cursorTs: 't' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
