/**
 * The sandbox's record that needs a person: the Northwind Traders master supply agreement is activated in Salesforce
 * (contract-sync creates and links its Coupa contract), then its description, a field both systems may change, is
 * edited in Salesforce by the account team and in Coupa by procurement before either edit is synced. contract-sync
 * finds the two-sided change and puts it in the conflict inbox, where the console resolves it.
 */
import type { Connection } from 'jsforce';
import type { CoupaEmulator } from '../../emulators/coupa/src';
import { CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import type { RunningConnector } from '../../middleware/src/runtime/connector';
import type { Conflict } from '../../middleware/src/store/types';

/** The sample Contract (data/Contract.json) the story uses. */
export const CONFLICT_CONTRACT_REF = 'NorthwindMsa';
export const SALESFORCE_EDIT = 'Payment terms net 30, as agreed with Northwind by the account team.';
export const COUPA_EDIT = 'Payment terms net 45, as procurement policy requires for new suppliers.';
const ACTOR = 'sandbox';

export interface ConflictStory {
  contractId: string;
  coupaContractId: string;
  conflicts: Conflict[];
}

export interface ConflictStoryDeps {
  connector: RunningConnector;
  coupa: CoupaEmulator;
  /** Salesforce as a person (not the connector's user). */
  salesforce: Connection;
  /** A Coupa access token of a person. */
  coupaToken: string;
  contractId: string;
  timeoutMs?: number;
  /** Aborted when the sandbox stops: the story gives up at its next step. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error('sandbox conflict story: the sandbox stopped');
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`sandbox conflict story: timed out waiting for ${what}`);
    await sleep(250);
  }
}

export async function stageContractConflict(deps: ConflictStoryDeps): Promise<ConflictStory> {
  const { connector, salesforce, contractId } = deps;
  const engine = connector.engine;
  const timeoutMs = deps.timeoutMs ?? 60_000;
  await salesforce.sobject('Contract').update({ Id: contractId, Status: 'Activated' });
  const coupaContractId = await poll(
    'the Coupa contract of the activated Contract',
    async () =>
      (await salesforce.query<{ Coupa_Contract_Id__c: string | null }>(`SELECT Coupa_Contract_Id__c FROM Contract WHERE Id = '${contractId}'`))
        .records[0]?.Coupa_Contract_Id__c,
    timeoutMs,
    deps.signal
  );

  // Two people edit within one poll interval. Pausing both directions makes "within one interval" certain rather than
  // likely; the flows then find the two-sided change themselves. Audited as pause and resume by "sandbox".
  const reason = 'sandbox: two people edit the Northwind contract between syncs';
  await engine.pause(CONTRACT_TO_COUPA, ACTOR, reason);
  await engine.pause(CONTRACT_TO_SALESFORCE, ACTOR, reason);
  try {
    // Runs already under way (the activation's change events, a poll) finish first; paused flows start none.
    await poll(
      'contract-sync to finish its runs',
      async () => {
        const runs = [
          ...(await connector.store.listRuns({ flow: CONTRACT_TO_COUPA, limit: 5 })),
          ...(await connector.store.listRuns({ flow: CONTRACT_TO_SALESFORCE, limit: 5 }))
        ];
        return runs.every((r) => r.status !== 'running');
      },
      timeoutMs,
      deps.signal
    );
    await sleep(1100); // Coupa's updated-at has whole seconds: the edit lands after the last read
    await salesforce.sobject('Contract').update({ Id: contractId, Description: SALESFORCE_EDIT });
    const res = await fetch(`${deps.coupa.url}/api/contracts/${coupaContractId}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${deps.coupaToken}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ description: COUPA_EDIT })
    });
    if (!res.ok) throw new Error(`sandbox conflict story: Coupa answered ${res.status} to the contract edit`);
  } finally {
    await engine.resume(CONTRACT_TO_COUPA, ACTOR);
    await engine.resume(CONTRACT_TO_SALESFORCE, ACTOR);
  }
  // The flows' own triggers (the change event, the next poll) find it; a "run now" here could overlap a streamed run.
  const conflicts = await poll(
    'the conflict on the Northwind contract',
    async () => {
      const open = await connector.store.listConflicts({ flow: 'contract-sync', status: 'open' });
      const mine = open.filter((c) => c.recordKey.endsWith(`:${contractId}`) || c.recordKey.endsWith(`:${coupaContractId}`));
      return mine.length ? mine : null;
    },
    timeoutMs,
    deps.signal
  );
  return { contractId, coupaContractId: String(coupaContractId), conflicts };
}
