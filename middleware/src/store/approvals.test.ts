/** The agent gateway's part of the StateStore contract (approvals, recovery claims, rate limits) on SQLite and PostgreSQL. */
import type { SqlStateStore } from './sql-state-store';
import { STORE_KINDS, openTestStore, type StoreKind } from './test-stores';
import type { NewApproval } from './types';

jest.setTimeout(30_000);

const request = (over: Partial<NewApproval> = {}): NewApproval => ({
  id: `apr-${Math.random().toString(16).slice(2).padEnd(12, '0')}`,
  token: 'sales-agent',
  tool: 'replay_dead_letter',
  args: { deadLetterId: 7 },
  dedupeKey: 'k1',
  status: 'pending',
  ...over,
});

describe.each(STORE_KINDS)('approvals in the StateStore (%s)', (kind: StoreKind) => {
  let store: SqlStateStore;
  let clock: Date;
  const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

  beforeEach(async () => {
    clock = new Date('2026-01-01T00:00:10.000Z');
    store = await openTestStore(kind, { now: () => clock });
  });
  afterEach(() => store.close());

  it('creates an approval once per dedupe key while it is pending, approved or succeeded, and anew after a rejection', async () => {
    const first = await store.createApproval(request({ id: 'apr-1' }));
    expect(first).toMatchObject({ created: true, approval: { id: 'apr-1', status: 'pending', args: { deadLetterId: 7 }, decidedBy: null, decidedAt: null } });
    expect(await store.createApproval(request({ id: 'apr-2' }))).toMatchObject({ created: false, approval: { id: 'apr-1' } });
    expect(await store.createApproval(request({ id: 'apr-3', dedupeKey: 'k2' }))).toMatchObject({ created: true });

    expect(await store.transitionApproval('apr-1', 'pending', { status: 'rejected', decidedBy: 'token:ab12', reason: 'no' })).toBe(true);
    expect(await store.transitionApproval('apr-1', 'pending', { status: 'approved', decidedBy: 'token:cd34' })).toBe(false);
    expect(await store.getApproval('apr-1')).toMatchObject({ status: 'rejected', decidedBy: 'token:ab12', reason: 'no', decidedAt: clock.toISOString(), finishedAt: clock.toISOString() });
    expect(await store.createApproval(request({ id: 'apr-4' }))).toMatchObject({ created: true, approval: { id: 'apr-4' } });
  });

  it('records a policy-approved write as decided, then its result', async () => {
    const { approval } = await store.createApproval(request({ id: 'apr-auto', status: 'approved', decidedBy: 'policy:ops' }));
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'policy:ops', decidedAt: clock.toISOString() });
    tick(1000);
    expect(await store.transitionApproval('apr-auto', 'approved', { status: 'succeeded', result: { outcome: 'replayed' } })).toBe(true);
    expect(await store.getApproval('apr-auto')).toMatchObject({ status: 'succeeded', result: { outcome: 'replayed' }, error: null, finishedAt: clock.toISOString() });
    expect(await store.transitionApproval('apr-auto', 'approved', { status: 'failed', error: 'late' })).toBe(false);
  });

  it('lists approvals newest first, by status and token', async () => {
    await store.createApproval(request({ id: 'apr-a', dedupeKey: 'a' }));
    tick(1000);
    await store.createApproval(request({ id: 'apr-b', dedupeKey: 'b', token: 'other' }));
    tick(1000);
    await store.createApproval(request({ id: 'apr-c', dedupeKey: 'c', status: 'approved', decidedBy: 'policy:x' }));
    expect((await store.listApprovals()).map((a) => a.id)).toEqual(['apr-c', 'apr-b', 'apr-a']);
    expect((await store.listApprovals({ status: 'pending' })).map((a) => a.id)).toEqual(['apr-b', 'apr-a']);
    expect((await store.listApprovals({ token: 'other' })).map((a) => a.id)).toEqual(['apr-b']);
    expect((await store.listApprovals({ limit: 1 })).map((a) => a.id)).toEqual(['apr-c']);
    expect(await store.getApproval('apr-none')).toBeNull();
  });

  it('hands an interrupted approval to one recovery, and tells a running re-run from an interrupted one', async () => {
    await store.createApproval(request({ id: 'apr-r', status: 'approved', decidedBy: 'token:ab12' }));
    const claimedAt = clock.toISOString();
    expect(await store.claimApprovalRecovery('apr-r', 'interrupted', claimedAt)).toBe('claimed');
    expect(await store.getApproval('apr-r')).toMatchObject({ status: 'approved', error: 'interrupted' });
    // Its re-run started after the cut-off: still running elsewhere. Started before it and never finished: interrupted.
    expect(await store.claimApprovalRecovery('apr-r', 'interrupted', new Date(clock.getTime() - 1).toISOString())).toBe('running');
    expect(await store.claimApprovalRecovery('apr-r', 'interrupted', claimedAt)).toBe('interrupted-again');
    // A recovered write that succeeds loses the note; one that is still pending cannot be claimed.
    expect(await store.transitionApproval('apr-r', 'approved', { status: 'succeeded', result: { ok: 1 } })).toBe(true);
    expect(await store.getApproval('apr-r')).toMatchObject({ status: 'succeeded', error: null });
    expect(await store.claimApprovalRecovery('apr-r', 'interrupted', claimedAt)).toBe('not-approved');
    await store.createApproval(request({ id: 'apr-p', dedupeKey: 'p' }));
    expect(await store.claimApprovalRecovery('apr-p', 'interrupted', claimedAt)).toBe('not-approved');
  });

  it('limits tool calls per token over a sliding minute', async () => {
    for (let i = 0; i < 3; i++) expect(await store.takeAgentCall('slow', 3)).toEqual({ ok: true });
    const refused = await store.takeAgentCall('slow', 3);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 50 });
    expect(await store.takeAgentCall('other', 3)).toEqual({ ok: true });
    // 20 s into the next minute the previous one still counts for two thirds: 3 × 2/3 = 2, so one more call fits.
    tick(70_000);
    expect(await store.takeAgentCall('slow', 3)).toEqual({ ok: true });
    expect(await store.takeAgentCall('slow', 3)).toMatchObject({ ok: false });
    // Two minutes later the old calls no longer count.
    tick(120_000);
    for (let i = 0; i < 3; i++) expect(await store.takeAgentCall('slow', 3)).toEqual({ ok: true });
  });
});
