import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';
import { waitFor } from './harness';

/** The README's walkthrough: start the sandbox, win a deal in Salesforce, watch the requisition appear in Coupa. */
describe('the sandbox, as a newcomer uses it', () => {
  let sandbox: RunningSandbox;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSandbox({
      connectorPort: 0,
      salesforcePort: 0,
      coupaPort: 0,
      preview: false,
      sqlitePath: path.join(os.tmpdir(), `sandbox-e2e-${process.pid}.db`),
      logLevel: 'silent'
    });
    const token = sandbox.salesforce.control.issueToken();
    conn = new Connection({ instanceUrl: sandbox.salesforce.url, accessToken: token.access_token, version: '62.0' });
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('turns a Closed Won deal into one submitted Coupa requisition on its schedule, and shows the run in the admin API', async () => {
    const opp = (
      await conn.query<{ Id: string; Name: string }>("SELECT Id, Name FROM Opportunity WHERE Name LIKE 'Fabrikam%'")
    ).records[0];
    await conn.sobject('Opportunity').update({ Id: opp.Id, StageName: 'Closed Won' });

    const requisitionId = await waitFor(
      'the requisition id on the Opportunity',
      async () =>
        (
          await conn.query<{ Coupa_Requisition_Id__c: string | null }>(
            `SELECT Coupa_Requisition_Id__c FROM Opportunity WHERE Id = '${opp.Id}'`
          )
        ).records[0].Coupa_Requisition_Id__c,
      40_000,
      250
    );
    const requisition = sandbox.coupa.control.get('requisitions', Number(requisitionId)) as Record<string, any>;
    expect(requisition['req-title']).toBe(opp.Name);
    expect(requisition.status).toBe('pending_approval');
    expect(requisition['requisition-lines']).toHaveLength(2);
    const forThisDeal = sandbox.coupa.control
      .list('requisitions')
      .filter((r: Record<string, any>) => r['custom-fields']?.['salesforce-opportunity-id'] === opp.Id);
    expect(forThisDeal).toHaveLength(1);

    const res = await fetch(`${sandbox.connector.url}/api/v1/flows`, {
      headers: { Authorization: `Bearer ${sandbox.adminToken}` }
    });
    const { flows } = (await res.json()) as { flows: Array<{ name: string; lastRun: { status: string } | null }> };
    expect(flows.find((f) => f.name === 'opportunity-to-requisition')?.lastRun?.status).toBe('succeeded');
  }, 60_000);
});
