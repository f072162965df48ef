/**
 * Approvals a stopped process left `approved` (decided, write not finished): recovered once at start or when the agent
 * polls, marked failed when the re-run itself was interrupted, left alone while they may still be running.
 */
import pino from 'pino';
import { openStateStore, type SqlStateStore } from '../store';
import { AgentGateway, RECOVERY_GRACE_MS, type Principal } from './gateway';
import { mcpFileSchema, resolveAgentTokens } from './config';

const AGENT = 'recovery-test-agent-token-0123456789';

describe('recovery of interrupted approved writes', () => {
  let store: SqlStateStore;
  let clock: Date;
  let gateway: AgentGateway;
  let principal: Principal;
  const replays: number[] = [];

  beforeEach(async () => {
    replays.length = 0;
    clock = new Date(Date.now() - RECOVERY_GRACE_MS - 60_000);
    store = await openStateStore({ sqlitePath: ':memory:', now: () => clock });
    const problems: string[] = [];
    const config = resolveAgentTokens(mcpFileSchema.parse({ tokens: [{ name: 'ops', tokenEnv: 'OPS', role: 'agent' }] }), { OPS: AGENT }, problems);
    const unused = () => {
      throw new Error('not used here');
    };
    gateway = new AgentGateway(
      {
        store,
        engine: {
          // The engine's replay: marks the dead letter replayed, as the real one does once the record went through.
          replay: async (id: number) => {
            replays.push(id);
            await store.updateDeadLetter(id, { status: 'replayed' });
            return { ok: true };
          },
          ingest: unused,
          plan: unused,
          resolveConflict: unused,
          status: unused,
        } as never,
        salesforce: { queryAll: unused, create: unused },
        flows: () => [],
        definition: () => undefined,
        logger: pino({ level: 'silent' }),
      },
      config,
    );
    const auth = gateway.authenticate(AGENT);
    if (!auth.ok) throw new Error('token not accepted');
    principal = auth.principal;
  });
  afterEach(() => store.close());

  async function approvedReplay(id: string, deadLetterId: number) {
    await store.createApproval({ id, token: 'ops', tool: 'replay_dead_letter', args: { deadLetterId }, dedupeKey: id, status: 'approved', decidedBy: 'token:ab12' });
  }

  it('re-runs an interrupted write once at start, and never again', async () => {
    const dl = { id: await store.addDeadLetter({ flow: 'f', recordKey: 'coupa:suppliers:1', errorClass: 'transient', attempts: 1 }) };
    await approvedReplay('apr-00000000-0000-4000-8000-000000000001', dl.id);
    clock = new Date();
    const [recovered] = await gateway.recoverInterrupted();
    expect(recovered).toMatchObject({ id: 'apr-00000000-0000-4000-8000-000000000001', status: 'succeeded', result: { outcome: 'replayed', deadLetterId: dl.id }, error: null });
    expect(replays).toEqual([dl.id]);
    expect(await gateway.recoverInterrupted()).toEqual([]);
    expect(replays).toEqual([dl.id]);
    expect((await store.listAudit({ action: 'mcp.approval.recovered' }))[0]).toMatchObject({ actor: 'connector', detail: { id: 'apr-00000000-0000-4000-8000-000000000001', status: 'succeeded' } });
  });

  it('recovers the approval an agent polls, and leaves one decided moments ago to its running write', async () => {
    const dl = { id: await store.addDeadLetter({ flow: 'f', recordKey: 'coupa:suppliers:2', errorClass: 'transient', attempts: 1 }) };
    await approvedReplay('apr-00000000-0000-4000-8000-000000000002', dl.id);
    clock = new Date();
    await approvedReplay('apr-00000000-0000-4000-8000-000000000003', 999);
    const polled = await gateway.call(principal, 'get_approval', { approvalId: 'apr-00000000-0000-4000-8000-000000000002' }, 'http');
    expect(polled.structuredContent).toMatchObject({ approvalId: 'apr-00000000-0000-4000-8000-000000000002', status: 'succeeded' });
    const recent = await gateway.call(principal, 'get_approval', { approvalId: 'apr-00000000-0000-4000-8000-000000000003' }, 'http');
    expect(recent.structuredContent).toMatchObject({ approvalId: 'apr-00000000-0000-4000-8000-000000000003', status: 'approved' });
    expect(replays).toEqual([dl.id]);
  });

  it('leaves a re-run another instance started moments ago to that instance', async () => {
    await approvedReplay('apr-00000000-0000-4000-8000-000000000005', 6);
    clock = new Date();
    expect(await store.claimApprovalRecovery('apr-00000000-0000-4000-8000-000000000005', 'interrupted', clock.toISOString())).toBe('claimed');
    expect(await gateway.recoverInterrupted()).toEqual([]);
    expect(await store.getApproval('apr-00000000-0000-4000-8000-000000000005')).toMatchObject({ status: 'approved' });
    expect(replays).toEqual([]);
  });

  it('marks failed, with the reason, a write whose re-run was interrupted too', async () => {
    await approvedReplay('apr-00000000-0000-4000-8000-000000000004', 5);
    expect(await store.claimApprovalRecovery('apr-00000000-0000-4000-8000-000000000004', 'interrupted', clock.toISOString())).toBe('claimed');
    clock = new Date();
    const [failed] = await gateway.recoverInterrupted();
    expect(failed).toMatchObject({ id: 'apr-00000000-0000-4000-8000-000000000004', status: 'failed', error: expect.stringMatching(/interrupted twice/) });
    expect(replays).toEqual([]);
  });
});
