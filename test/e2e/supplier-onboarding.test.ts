/**
 * Story: an account manager clicks "Start supplier onboarding" on a vendor Account. Coupa gets one supplier
 * information (SIM) record built from the Account and its primary contact; the request and the Account follow SIM
 * through approval (the Account ends up linked to the Coupa supplier) or decline. A second click while one is open,
 * and a record Coupa refuses, end as Failed requests that say why.
 */
import { COUPA_SCHEMA } from '../../middleware/src/coupa';
import {
  createSupplierOnboardingFlows,
  FLOW_NAME,
  STATUS_FLOW_NAME,
  VENDOR_ACCOUNTS_FLOW_NAME,
  WON_OPPORTUNITIES_FLOW_NAME
} from '../../middleware/src/flows/supplier-onboarding';
import { assertMappingsValid } from '../../middleware/src/mapping';
import { startHarness, type Harness } from './harness';

jest.setTimeout(60_000);

describe('supplier onboarding (end to end)', () => {
  let h: Harness;
  const coupaApi = <T = any>(method: string, path: string, body?: unknown) => h.coupaApi<T>(method, path, body);

  const newVendor = async (name: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const refs = await h.sfEmu.control.seed({
      Account: [
        {
          '@ref': 'a',
          Name: name,
          Type: 'Vendor',
          Website: 'https://example.com',
          BillingStreet: '1 Main St',
          BillingCity: 'Springfield',
          BillingPostalCode: '12345',
          BillingCountry: 'US',
          ...extra
        }
      ],
      Contact: [
        { LastName: 'Nobody', AccountId: '@a' },
        { FirstName: 'Pat', LastName: 'Primary', Email: 'pat@example.com', Title: 'Sales Director', AccountId: '@a' }
      ]
    });
    return refs.a;
  };
  /** What the button does: create a request in status Requested. */
  const click = async (accountId: string) =>
    (
      (await h
        .user()
        .sobject('Coupa_Onboarding_Request__c')
        .create({ Account__c: accountId, Status__c: 'Requested' })) as { id: string }
    ).id;
  const request = async (id: string) =>
    (
      await h
        .user()
        .query<any>(
          `SELECT Status__c, Error__c, Coupa_SIM_Status__c, Coupa_Supplier_Information_Id__c, Coupa_Supplier_Id__c FROM Coupa_Onboarding_Request__c WHERE Id = '${id}'`
        )
    ).records[0];
  const account = async (id: string) =>
    (
      await h
        .user()
        .query<any>(`SELECT Coupa_Onboarding_Status__c, Coupa_Supplier_Id__c FROM Account WHERE Id = '${id}'`)
    ).records[0];
  const simsFor = (requestId: string) =>
    coupaApi<any[]>('GET', `/api/supplier_information?custom_fields[salesforce-onboarding-request-id]=${requestId}`);
  const simsNamed = (name: string) =>
    coupaApi<any[]>('GET', `/api/supplier_information?name=${encodeURIComponent(name)}`);
  const runBoth = async () => {
    await h.engine.runNow(FLOW_NAME);
    await h.engine.runNow(STATUS_FLOW_NAME);
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.salesforce.connect(); // the harness leaves the client unauthenticated (no instance URL yet)
    // Auto-start is on for technology-partner Accounts and won "New Customer" deals only, so the button stories are unaffected.
    const autoStart = { since: '2020-01-01', accountTypes: ['Technology Partner'], opportunityTypes: ['New Customer'] };
    for (const f of createSupplierOnboardingFlows(h.deps({ autoStart }))) h.engine.register(f);
  });
  afterAll(() => h.close());

  it('ships a default mapping that validates against the org describe and the Coupa schema', async () => {
    await expect(
      assertMappingsValid([h.deps().mappings.get('supplier-onboarding')!], {
        coupaSchema: COUPA_SCHEMA,
        describe: (o) => h.salesforce.describe(o)
      })
    ).resolves.toBeDefined();
  });

  it('onboards a vendor through approval and links the Account to the Coupa supplier; a second click starts nothing', async () => {
    const accountId = await newVendor('Contoso Widgets');
    const requestId = await click(accountId);

    await h.engine.runNow(FLOW_NAME);
    const [sim] = await simsFor(requestId);
    expect(sim).toMatchObject({ name: 'Contoso Widgets', status: 'pending_approval', website: 'https://example.com' });
    expect(sim['supplier-information-contacts']).toEqual([
      expect.objectContaining({ 'name-given': 'Pat', 'name-family': 'Primary', email: 'pat@example.com' })
    ]);
    expect(sim['supplier-information-addresses']).toEqual([
      expect.objectContaining({
        'street-address': '1 Main St',
        city: 'Springfield',
        country: expect.objectContaining({ code: 'US' })
      })
    ]);

    await h.engine.runNow(STATUS_FLOW_NAME);
    expect(await request(requestId)).toMatchObject({
      Status__c: 'In Progress',
      Coupa_SIM_Status__c: 'pending_approval',
      Coupa_Supplier_Information_Id__c: String(sim.id)
    });
    expect((await account(accountId)).Coupa_Onboarding_Status__c).toBe('In Progress');

    // An impatient second click while the first is open.
    const second = await click(accountId);
    await runBoth();
    expect(await simsNamed('Contoso Widgets')).toHaveLength(1);
    expect(await request(second)).toMatchObject({
      Status__c: 'Failed',
      Error__c: expect.stringMatching(
        /Supplier onboarding for Contoso Widgets is already in progress \(request OBR-\d+, In Progress\); this request was not sent to Coupa\./
      )
    });
    expect((await account(accountId)).Coupa_Onboarding_Status__c).toBe('In Progress');

    // Supplier management approves in Coupa.
    await coupaApi('PUT', `/api/supplier_information/${sim.id}`, { status: 'approved' });
    await h.engine.runNow(STATUS_FLOW_NAME);
    const supplierId = String(sim['supplier-id']);
    expect(await request(requestId)).toMatchObject({
      Status__c: 'Approved',
      Coupa_SIM_Status__c: 'approved',
      Coupa_Supplier_Id__c: supplierId
    });
    expect(await account(accountId)).toMatchObject({
      Coupa_Onboarding_Status__c: 'Approved',
      Coupa_Supplier_Id__c: supplierId
    });
    expect((await coupaApi<any>('GET', `/api/suppliers/${supplierId}`)).status).toBe('active');

    // Nothing more to do: another pass writes nothing.
    const again = await h.engine.runNow(STATUS_FLOW_NAME);
    expect(again.counts.updated).toBe(0);
  });

  it('mirrors a decline onto the request and the Account', async () => {
    const accountId = await newVendor('Fabrikam Tools');
    const requestId = await click(accountId);
    await h.engine.runNow(FLOW_NAME);
    const [sim] = await simsFor(requestId);
    await coupaApi('PUT', `/api/supplier_information/${sim.id}`, { status: 'declined' });
    await h.engine.runNow(STATUS_FLOW_NAME);
    expect(await request(requestId)).toMatchObject({ Status__c: 'Declined', Coupa_SIM_Status__c: 'declined' });
    expect(await account(accountId)).toMatchObject({
      Coupa_Onboarding_Status__c: 'Declined',
      Coupa_Supplier_Id__c: null
    });
  });

  it('of two clicks before the connector runs, only the first starts an onboarding', async () => {
    const accountId = await newVendor('Litware Cables');
    const first = await click(accountId);
    const second = await click(accountId);
    await h.engine.runNow(FLOW_NAME);
    expect(await simsFor(first)).toHaveLength(1);
    expect(await simsFor(second)).toHaveLength(0);
    expect((await request(second)).Status__c).toBe('Failed');
  });

  it('creates exactly one SIM record when Coupa creates it but the answer is lost', async () => {
    const accountId = await newVendor('Tailspin Parts');
    const requestId = await click(accountId);
    h.coupaEmu.control.addFault({ kind: 'drop-after', method: 'POST', path: '/api/supplier_information', times: 1 });
    h.coupaEmu.control.resetCounters();
    const run = await h.engine.runNow(FLOW_NAME);
    expect(run.status).toBe('succeeded');
    // One look-up before the create, one re-check after the lost answer, and no second POST.
    const calls = h.coupaEmu.control.counters().byEndpoint;
    expect(calls['POST /api/supplier_information']).toBe(1);
    expect(calls['GET /api/supplier_information']).toBe(2);
    await h.engine.runNow(FLOW_NAME);
    expect(await simsFor(requestId)).toHaveLength(1);
    await h.engine.runNow(STATUS_FLOW_NAME);
    expect((await request(requestId)).Status__c).toBe('In Progress');
  });

  it('optionally starts onboarding for a new Account of the configured type, without the button, once', async () => {
    const accountId = await newVendor('Proseware Chips', { Type: 'Technology Partner' });
    await h.engine.runNow(VENDOR_ACCOUNTS_FLOW_NAME);
    const requests = (
      await h
        .user()
        .query<any>(`SELECT Id, Status__c FROM Coupa_Onboarding_Request__c WHERE Account__c = '${accountId}'`)
    ).records;
    expect(requests).toHaveLength(1);
    const [sim] = await simsFor(requests[0].Id);
    expect(sim).toMatchObject({ name: 'Proseware Chips', status: 'pending_approval' });

    await runBoth();
    await h.engine.runNow(VENDOR_ACCOUNTS_FLOW_NAME);
    expect(await request(requests[0].Id)).toMatchObject({
      Status__c: 'In Progress',
      Coupa_Supplier_Information_Id__c: String(sim.id)
    });
    expect((await account(accountId)).Coupa_Onboarding_Status__c).toBe('In Progress');
    expect(await simsNamed('Proseware Chips')).toHaveLength(1);
    expect(
      (await h.user().query<any>(`SELECT Id FROM Coupa_Onboarding_Request__c WHERE Account__c = '${accountId}'`))
        .records
    ).toHaveLength(1);
  });

  it('optionally starts onboarding for the Account of a won deal of a configured type, once per Account', async () => {
    const accountId = await newVendor('Wingtip Resellers', { Type: 'Channel Partner / Reseller' });
    const deal = {
      Name: 'Wingtip reseller agreement',
      StageName: 'Closed Won',
      CloseDate: '2026-12-01',
      Type: 'New Customer',
      AccountId: accountId
    };
    await h
      .user()
      .sobject('Opportunity')
      .create([deal, { ...deal, Name: 'Wingtip second deal' }]);
    await h.engine.runNow(WON_OPPORTUNITIES_FLOW_NAME);
    await h.engine.runNow(WON_OPPORTUNITIES_FLOW_NAME);
    const requests = (
      await h.user().query<any>(`SELECT Id FROM Coupa_Onboarding_Request__c WHERE Account__c = '${accountId}'`)
    ).records;
    expect(requests).toHaveLength(1);
    expect(await simsNamed('Wingtip Resellers')).toHaveLength(1);
  });

  it('shows Coupa refusing the supplier on the request and keeps a dead letter with the reason', async () => {
    h.coupaEmu.control.create('suppliers', { name: 'Adventure Works', status: 'active' });
    const accountId = await newVendor('Adventure Works');
    const requestId = await click(accountId);
    const run = await h.engine.runNow(FLOW_NAME);
    // The dead letter first: when this story fails, its message says why.
    const letters = await h.store.listDeadLetters({ flow: FLOW_NAME, status: 'open' });
    expect(letters.filter((l) => l.recordKey.endsWith(requestId)).map((l) => `${l.errorClass} after ${l.attempts}: ${l.message}`)).toEqual([
      expect.stringMatching(/Supplier name has already been taken/)
    ]);
    expect(run.counts.deadLettered).toBe(1);
    expect(await request(requestId)).toMatchObject({
      Status__c: 'Failed',
      Error__c: 'Coupa did not accept the supplier: Supplier name has already been taken'
    });
    expect((await account(accountId)).Coupa_Onboarding_Status__c).toBe('Failed');
  });

  it('refuses a click on a Customer Account with the reason, and sends nothing to Coupa', async () => {
    const accountId = await newVendor('Fabrikam Retail', { Type: 'Customer - Direct' });
    const requestId = await click(accountId);
    await h.engine.runNow(FLOW_NAME);
    expect(await request(requestId)).toMatchObject({
      Status__c: 'Failed',
      Error__c: expect.stringMatching(/offered for Vendor and Prospect Accounts; Fabrikam Retail is a Customer - Direct Account/)
    });
    expect(await simsNamed('Fabrikam Retail')).toHaveLength(0);
  });
});
