import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import { COUPA_EDIT, SALESFORCE_EDIT } from '../../scripts/sandbox/conflict-story';
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
      logLevel: 'silent',
      conflictStory: true // as npm start
    });
    const token = sandbox.salesforce.control.issueToken();
    conn = new Connection({ instanceUrl: sandbox.salesforce.url, accessToken: token.access_token, version: '62.0' });
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('turns a Closed Won deal into one submitted Coupa requisition by change event, and shows the run in the admin API', async () => {
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

    // The id is on the Opportunity a moment before the run that wrote it is recorded as finished.
    const lastRun = await waitFor(
      'the run in the admin API',
      async () => {
        const res = await fetch(`${sandbox.connector.url}/api/v1/flows`, {
          headers: { Authorization: `Bearer ${sandbox.adminToken}` }
        });
        const { flows } = (await res.json()) as { flows: Array<{ name: string; lastRun: { status: string } | null }> };
        const run = flows.find((f) => f.name === 'opportunity-to-requisition')?.lastRun;
        return run && run.status !== 'running' ? run : null;
      },
      20_000,
      100
    );
    expect(lastRun.status).toBe('succeeded');
    const runs = await sandbox.connector.store.listRuns({ flow: 'opportunity-to-requisition' });
    expect(runs.some((r) => r.trigger === 'stream' && (r.counts as { created?: number }).created === 1)).toBe(true);
  }, 60_000);

  it('streams: the Start supplier onboarding button reaches Coupa by change event', async () => {
    // What the button does: a request in status Requested on a vendor Account not yet in Coupa.
    const accountId = sandbox.accounts.OReillyRef;
    const request = (await conn.sobject('Coupa_Onboarding_Request__c').create({ Account__c: accountId, Status__c: 'Requested' })) as { id: string };
    await waitFor(
      'the supplier information record in Coupa',
      async () =>
        sandbox.coupa.control
          .list('supplier_information')
          .some((r: Record<string, any>) => r['custom-fields']?.['salesforce-onboarding-request-id'] === request.id),
      40_000,
      100
    );
    // The Coupa record exists before the run that created it has finished (it writes back to Salesforce after).
    await waitFor(
      'the streamed supplier-onboarding run that created it',
      async () =>
        (await sandbox.connector.store.listRuns({ flow: 'supplier-onboarding' })).some(
          (r) => r.trigger === 'stream' && r.status === 'succeeded' && (r.counts as { created?: number }).created === 1
        ),
      20_000,
      100
    );
  }, 60_000);

  it('is one company: the sample vendors keep their names, and risk, Last synced and invoices with due dates arrive through the flows', async () => {
    type Vendor = {
      Id: string;
      Name: string;
      Coupa_Risk_Level__c: string | null;
      Coupa_Risk_Score__c: number | null;
      Coupa_Last_Synced__c: string | null;
      Coupa_Supplier_Status__c: string | null;
    };
    const vendors = async () =>
      (
        await conn.query<Vendor>(
          "SELECT Id, Name, Coupa_Risk_Level__c, Coupa_Risk_Score__c, Coupa_Last_Synced__c, Coupa_Supplier_Status__c FROM Account WHERE Name IN ('Northwind Traders', 'Contoso Logistics GmbH') ORDER BY Name"
        )
      ).records;
    // Nothing Coupa owns is in the sample data: before the flows run, no risk, no status.
    const ready = await waitFor(
      'risk levels and supplier status on both sample vendors',
      async () => {
        const rows = await vendors();
        return rows.length === 2 && rows.every((r) => r.Coupa_Risk_Level__c && r.Coupa_Last_Synced__c && r.Coupa_Supplier_Status__c) ? rows : null;
      },
      40_000,
      250
    );
    expect(ready.map((r) => [r.Name, r.Coupa_Risk_Level__c, r.Coupa_Risk_Score__c, r.Coupa_Supplier_Status__c])).toEqual([
      ['Contoso Logistics GmbH', 'High', 77, 'active'],
      ['Northwind Traders', 'Low', 18.5, 'active']
    ]);
    const invoices = await waitFor(
      "invoices on a sample vendor's Account",
      async () => {
        const rows = (
          await conn.query<{ Due_Date__c: string | null; Account__c: string }>(
            `SELECT Due_Date__c, Account__c FROM Coupa_Invoice__c WHERE Account__c IN ('${ready[0].Id}', '${ready[1].Id}')`
          )
        ).records;
        return rows.length ? rows : null;
      },
      40_000,
      250
    );
    expect(invoices.every((i) => /^\d{4}-\d{2}-\d{2}$/.test(String(i.Due_Date__c)))).toBe(true);
  }, 90_000);

  it('has a conflict that needs a person: the Northwind contract edited on both sides, resolved from the console API into both systems', async () => {
    const contractId = sandbox.accounts.NorthwindMsa;
    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${sandbox.connector.url}/api/v1${p}`, {
        method,
        headers: { Authorization: `Bearer ${sandbox.adminToken}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      expect(res.status).toBe(200);
      return (await res.json()) as any;
    };
    const coupaDescription = async (id: string) =>
      (sandbox.coupa.control.get('contracts', Number(id)) as Record<string, unknown>).description;
    const sfDescription = async () =>
      (await conn.query<{ Description: string }>(`SELECT Description FROM Contract WHERE Id = '${contractId}'`)).records[0].Description;

    const story = await sandbox.conflictReady!;
    expect(story.contractId).toBe(contractId);
    // What the console's Conflicts screen lists: the field with both people's values, neither side overwritten.
    const { conflicts } = (await api('GET', '/conflicts?status=open&flow=contract-sync')) as { conflicts: Array<Record<string, any>> };
    const mine = conflicts.filter((c) => c.recordKey.endsWith(`:${contractId}`) || c.recordKey.endsWith(`:${story.coupaContractId}`));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.every((c) => String(c.field).toLowerCase() === 'description' && c.sfValue === SALESFORCE_EDIT && c.coupaValue === COUPA_EDIT)).toBe(true);
    expect(await sfDescription()).toBe(SALESFORCE_EDIT);
    expect(await coupaDescription(story.coupaContractId)).toBe(COUPA_EDIT);
    // Filed by a contract-sync run that read the two edits, not written into the inbox.
    const runs = [
      ...(await sandbox.connector.store.listRuns({ flow: CONTRACT_TO_COUPA })),
      ...(await sandbox.connector.store.listRuns({ flow: CONTRACT_TO_SALESFORCE }))
    ];
    expect(runs.some((r) => (r.counts as { conflicts?: number }).conflicts! >= 1)).toBe(true);

    // The console's "Keep Salesforce" button.
    const resolved = await api('POST', `/conflicts/${mine[0].id}/resolve`, { winner: 'salesforce' });
    expect(resolved).toMatchObject({ written: true });
    expect(await coupaDescription(story.coupaContractId)).toBe(SALESFORCE_EDIT);
    expect(await sfDescription()).toBe(SALESFORCE_EDIT);
    // Later syncs agree with the decision: nothing reopens, nothing is overwritten.
    await sandbox.connector.engine.runNow(CONTRACT_TO_COUPA, 'test');
    await sandbox.connector.engine.runNow(CONTRACT_TO_SALESFORCE, 'test');
    const stillOpen = ((await api('GET', '/conflicts?status=open&flow=contract-sync')).conflicts as Array<{ recordKey: string }>).filter(
      (c) => c.recordKey.endsWith(`:${contractId}`) || c.recordKey.endsWith(`:${story.coupaContractId}`)
    );
    expect(stillOpen).toEqual([]);
    expect([await sfDescription(), await coupaDescription(story.coupaContractId)]).toEqual([SALESFORCE_EDIT, SALESFORCE_EDIT]);
  }, 90_000);
});
