/**
 * An approved agent write left unfinished by an instance that stopped is picked up when a connector starts on the same
 * state store: run again through its tool, with the outcome recorded and audited.
 */
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../middleware/src/log';
import { RECOVERY_GRACE_MS } from '../../middleware/src/mcp/gateway';
import { startConnector, type RunningConnector } from '../../middleware/src/runtime/connector';
import { openStateStore } from '../../middleware/src/store';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';
import { waitFor } from '../e2e/harness';

describe('recovery of interrupted agent writes at start', () => {
  let sandbox: RunningSandbox;
  let restarted: RunningConnector | undefined;
  const sqlitePath = path.join(os.tmpdir(), `sandbox-mcp-recovery-${process.pid}.db`);

  beforeAll(async () => {
    sandbox = await startSandbox({ connectorPort: 0, preview: false, sqlitePath, logLevel: 'silent' });
  }, 90_000);
  afterAll(async () => {
    await restarted?.stop();
    await sandbox?.stop(); // its connector is already stopped; stopping it again is a no-op
  });

  it('runs an approved write a stopped instance left unfinished when a connector starts', async () => {
    // What a stopped instance left behind: approved ten minutes ago, never finished.
    const past = new Date(Date.now() - RECOVERY_GRACE_MS - 5 * 60_000);
    const dead = await openStateStore({ sqlitePath, now: () => past });
    const id = 'apr-00000000-0000-4000-8000-0000000000aa';
    await dead.createApproval({
      id,
      token: 'sandbox-agent',
      tool: 'resolve_conflict',
      args: { conflictId: 424242, winner: 'coupa' },
      dedupeKey: 'recovery-test',
      status: 'approved',
      decidedBy: 'token:deadbeef',
    });
    await dead.close();

    // The sandbox's connector stops; a connector starting on the same state store runs the write (the tool finds no
    // such conflict: failed, with why).
    await sandbox.connector.stop();
    restarted = await startConnector({ config: { ...sandbox.connector.config, port: 0 }, logger: createLogger({ level: 'silent' }) });
    const store = restarted.store;
    const finished = await waitFor('the recovered approval', async () => {
      const a = await store.getApproval(id);
      return a && a.status !== 'approved' ? a : null;
    });
    expect(finished).toMatchObject({ status: 'failed', error: 'conflict 424242 not found' });
    const [audit] = await store.listAudit({ action: 'mcp.approval.recovered' });
    expect(audit).toMatchObject({ actor: 'connector', detail: { id, tool: 'resolve_conflict', status: 'failed' } });
  }, 60_000);
});
