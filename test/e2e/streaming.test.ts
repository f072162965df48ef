/**
 * Real-time triggers, end to end over each transport (Pub/Sub gRPC and CometD): the connector as `npm start` builds
 * it (buildConnector + stream triggers), against both emulators. The safety-net poll is scheduled once a year here,
 * so whatever reaches Coupa arrived by change event (or by a catch-up the stream itself asked for).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { createLogger } from '../../middleware/src/log';
import { buildConnector, type BuiltConnector } from '../../middleware/src/runtime/build';
import { waitFor } from './harness';

jest.setTimeout(60_000);

const repo = path.resolve(__dirname, '..', '..');

describe.each(['pubsub', 'cometd'] as const)('stream triggers over %s', (transport) => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  let connector: BuiltConnector | null = null;
  let person: Connection;
  let accountId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stream-e2e-${transport}-`));
  const configFile = path.join(dir, 'connector.yaml');
  const sqlitePath = path.join(dir, 'state.db');

  async function start(): Promise<BuiltConnector> {
    const config = loadConfig({
      cwd: repo,
      configFile,
      env: {
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'stream',
        SALESFORCE_CLIENT_SECRET: 'stream-secret',
        SALESFORCE_PUBSUB_URL: sf.pubsubUrl,
        COUPA_BASE_URL: coupa.url,
        COUPA_CLIENT_ID: coupa.clientId,
        COUPA_CLIENT_SECRET: coupa.clientSecret,
        SQLITE_PATH: sqlitePath,
      },
    });
    const c = await buildConnector({ config, logger: createLogger({ level: (process.env.E2E_LOG_LEVEL ?? 'silent') as 'silent' }), validateMappings: false });
    await c.engine.start();
    await c.streams!.start();
    connector = c;
    return c;
  }
  async function stop(): Promise<void> {
    await connector?.close();
    connector = null;
  }
  const stats = (flow: string) => connector!.streams!.stats().find((s) => s.flow === flow)!;

  /** Coupa records whose custom field `field` is `value`, read from the emulator (not through its rate-limited API). */
  const coupaWith = (resource: string, field: string, value: string) =>
    coupa.control.list(resource).filter((r) => ((r['custom-fields'] ?? r.custom_fields) as Record<string, unknown> | undefined)?.[field] === value);
  const requisitionsFor = async (oppId: string) => coupaWith('requisitions', 'salesforce-opportunity-id', oppId);
  let productId: string;
  let supplierRec: { id: number };
  /** An open Opportunity with one product (a requisition needs lines), as a rep would build it. */
  const newOpportunity = async (name: string) => {
    const id = ((await person.sobject('Opportunity').create({ Name: name, StageName: 'Negotiation/Review', CloseDate: '2026-12-15', AccountId: accountId, Amount: 500 })) as { id: string }).id;
    await person.sobject('OpportunityLineItem').create({ OpportunityId: id, Product2Id: productId, Quantity: 5, UnitPrice: 100 });
    return id;
  };

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      startSalesforceEmulator({ clientId: 'stream', clientSecret: 'stream-secret', pubsub: true }),
      startCoupaEmulator({ seed: 0, scopes: allScopes(), testControl: true }),
    ]);
    fs.writeFileSync(
      configFile,
      [
        'flows:',
        '  opportunity-to-requisition:',
        '    enabled: true',
        '    options: { stage: Closed Won, submitForApproval: false, fallbackRequesterLogin: stream.rep, statusSchedule: "0 0 1 1 *" }',
        '  supplier-onboarding:',
        '    enabled: true',
        '    options: { statusSchedule: "0 0 1 1 *" }',
        '  contract-sync:',
        '    enabled: true',
        '    options: { schedule: "0 0 1 1 *" }',
        '  supplier-account-sync:',
        '    enabled: true',
        '    options: { schedule: "0 0 1 1 *" }',
        'streaming:',
        '  enabled: true',
        `  transport: ${transport}`,
        '  flows: [opportunity-to-requisition, supplier-onboarding, contract-sync, supplier-account-sync]',
        '  safetyNetSchedule: "0 0 1 1 *"',
        '  batchSize: 50',
        '',
      ].join('\n'),
    );
    const supplier = (supplierRec = coupa.control.create('suppliers', { name: 'Stream Supplies', number: 'ST-1', status: 'active' }) as { id: number });
    coupa.control.create('users', { login: 'stream.rep', email: 'stream.rep@example.com', firstname: 'J', lastname: 'Doe', active: true });
    const refs = sf.control.seed({
      Account: [{ '@ref': 'a', Name: 'Stream Supplies', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplier.id) }],
      Product2: [{ '@ref': 'p', Name: 'Server rack', ProductCode: 'RACK-42U', IsActive: true }],
    });
    accountId = refs.a;
    productId = refs.p;
    person = new Connection({ instanceUrl: sf.url, accessToken: sf.control.issueToken().access_token, version: '62.0' });
    await start();
  });
  afterAll(async () => {
    await stop();
    await Promise.all([sf.close(), coupa.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a Closed Won Opportunity becomes a requisition by event, and the requisition id comes back at once', async () => {
    const oppId = await newOpportunity('Streamed deal');
    await person.sobject('Opportunity').update({ Id: oppId, StageName: 'Closed Won' });
    const reqs = await waitFor('requisition', async () => ((await requisitionsFor(oppId)).length ? requisitionsFor(oppId) : null));
    expect(reqs).toHaveLength(1);
    const opp = await waitFor('requisition id on the Opportunity', async () => {
      const r = (await person.query<any>(`SELECT Coupa_Requisition_Id__c FROM Opportunity WHERE Id = '${oppId}'`)).records[0];
      return r.Coupa_Requisition_Id__c ? r : null;
    });
    expect(opp.Coupa_Requisition_Id__c).toBe(String(reqs[0].id));
    const runs = await connector!.store.listRuns({ flow: 'opportunity-to-requisition' });
    expect(runs.some((r) => r.trigger === 'stream' && (r.counts as { created?: number }).created === 1)).toBe(true);
    expect(runs.some((r) => r.trigger === 'schedule')).toBe(false);
    // Our own write-back to the Opportunity came back as an event and was dropped before planning.
    await waitFor('own change dropped', async () => stats('opportunity-to-requisition').ownDropped > 0);
  });

  it('an onboarding request reaches Coupa by event', async () => {
    // A vendor not yet linked to a Coupa supplier, with its primary contact.
    const { v: vendorId } = sf.control.seed({
      Account: [{ '@ref': 'v', Name: 'Fresh Vendor', Type: 'Vendor', Website: 'https://example.com', BillingStreet: '1 Main St', BillingCity: 'Springfield', BillingPostalCode: '12345', BillingCountry: 'US' }],
      Contact: [{ FirstName: 'Pat', LastName: 'Primary', Email: 'pat@example.com', Title: 'Sales Director', AccountId: '@v' }],
    });
    const req = (await person.sobject('Coupa_Onboarding_Request__c').create({ Account__c: vendorId, Status__c: 'Requested' })) as { id: string };
    const sims = await waitFor('SIM record', async () => {
      const found = coupaWith('supplier_information', 'salesforce-onboarding-request-id', req.id);
      return found.length ? found : null;
    });
    expect(sims).toHaveLength(1);
  });

  it('an activated Contract becomes a Coupa contract by event', async () => {
    const id = ((await person.sobject('Contract').create({ AccountId: accountId, Name: 'Streamed contract', Status: 'Draft', StartDate: '2026-01-01', ContractTerm: 12 })) as { id: string }).id;
    await person.sobject('Contract').update({ Id: id, Status: 'Activated' });
    const contracts = await waitFor('Coupa contract', async () => {
      const found = coupaWith('contracts', 'salesforce-contract-id', id);
      return found.length ? found : null;
    });
    expect(contracts).toHaveLength(1);
  });

  it("a vendor Account's edit reaches its Coupa supplier by event", async () => {
    const website = `https://${transport}.stream.example`;
    await person.sobject('Account').update({ Id: accountId, Website: website });
    await waitFor('supplier website', async () => coupa.control.get('suppliers', supplierRec.id)?.website === website);
  });

  it('one event naming several records updates every record', async () => {
    const ids = [await newOpportunity('Multi A'), await newOpportunity('Multi B')];
    await person.requestPatch('/services/data/v62.0/composite/sobjects', {
      allOrNone: true,
      records: ids.map((Id) => ({ attributes: { type: 'Opportunity' }, Id, StageName: 'Closed Won' })),
    });
    for (const id of ids) await waitFor(`requisition of ${id}`, async () => (await requisitionsFor(id)).length === 1);
  });

  it('a gap event leads to a re-read of the records it names', async () => {
    const oppId = await newOpportunity('Gap deal');
    const before = stats('opportunity-to-requisition').gaps;
    // The change itself is written without an event (its capture failed); the org then says so with a gap event.
    sf.control.writeWithoutEvent('Opportunity', oppId, { StageName: 'Closed Won' });
    sf.control.emitGap('Opportunity', [oppId], 'GAP_UPDATE');
    await waitFor('requisition after the gap', async () => (await requisitionsFor(oppId)).length === 1);
    expect(stats('opportunity-to-requisition').gaps).toBe(before + 1);
  });

  it('an overflow event runs a catch-up poll', async () => {
    const oppId = await newOpportunity('Overflow deal');
    sf.control.writeWithoutEvent('Opportunity', oppId, { StageName: 'Closed Won' });
    const before = stats('opportunity-to-requisition').catchUps;
    sf.control.emitGap('Opportunity', [], 'GAP_OVERFLOW');
    await waitFor('requisition after the overflow', async () => (await requisitionsFor(oppId)).length === 1);
    expect(stats('opportunity-to-requisition').catchUps).toBe(before + 1);
  });

  it('resumes after a restart from the stored replay id: nothing lost, nothing twice', async () => {
    // The earlier tests' batches handled (a batch still waiting for a busy flow at stop would rightly be delivered again).
    await connector!.streams!.settled();
    await stop();
    const ids = [await newOpportunity('While down 1'), await newOpportunity('While down 2')];
    for (const Id of ids) await person.sobject('Opportunity').update({ Id, StageName: 'Closed Won' });
    await start();
    for (const id of ids) await waitFor(`requisition of ${id}`, async () => (await requisitionsFor(id)).length >= 1);
    for (const id of ids) expect(await requisitionsFor(id)).toHaveLength(1);
    // Replayed from the stored position: delivered as events, with no catch-up poll and no refused replay id.
    expect(stats('opportunity-to-requisition')).toMatchObject({ invalidReplays: 0, catchUps: 0 });
    expect(stats('opportunity-to-requisition').events).toBeGreaterThanOrEqual(2);
  });

  it('an expired replay id falls back to a catch-up poll, counted', async () => {
    await stop();
    const oppId = await newOpportunity('While expired');
    await person.sobject('Opportunity').update({ Id: oppId, StageName: 'Closed Won' });
    sf.control.expireReplayIds();
    await start();
    await waitFor('requisition after the catch-up', async () => (await requisitionsFor(oppId)).length === 1);
    await waitFor('invalid replay counted', async () => stats('opportunity-to-requisition').invalidReplays === 1);
    expect(stats('opportunity-to-requisition').catchUps).toBeGreaterThanOrEqual(1);
  });
});
