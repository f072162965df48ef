/**
 * Story: an account manager sees a vendor's Coupa risk on its Account. Coupa's Supplier Risk feed holds each
 * supplier's scores; the flow writes the configured score and its level to the linked Account, and a supplier that
 * has no Account yet gets its risk as soon as supplier-account-sync links one.
 */
import { COUPA_SCHEMA } from '../../middleware/src/coupa';
import { createSupplierAccountSyncFlows, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { createSupplierRiskFlow, levelOf, parseSupplierRiskOptions, SUPPLIER_RISK_FLOW } from '../../middleware/src/flows/supplier-risk';
import { validateMapping } from '../../middleware/src/mapping';
import { startHarness, type Harness } from './harness';

jest.setTimeout(60_000);

describe('supplier risk (end to end)', () => {
  let h: Harness;
  const later = () => h.coupaEmu.control.clock.advance(1500);
  const account = async (id: string) =>
    (await h.user().query<any>(`SELECT Coupa_Risk_Score__c, Coupa_Risk_Level__c, Coupa_Last_Synced__c FROM Account WHERE Id = '${id}'`))
      .records[0];

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0 } });
    await h.salesforce.connect();
    h.engine.register(createSupplierRiskFlow(h.deps()));
  });
  afterAll(() => h.close());

  it('ships a default mapping that is valid against the org and the Coupa schema', async () => {
    const issues = await validateMapping(h.deps().mappings.get('supplier-risk')!, {
      coupaSchema: COUPA_SCHEMA,
      describe: (o) => h.salesforce.describe(o).catch(() => undefined)
    });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it("writes the feed's score and its level to the linked Account, and follows a new score", async () => {
    const supplier = await h.coupaApi('POST', '/api/suppliers', { name: 'Risky Metals', number: 'RISK-1', status: 'active' });
    const { id: accountId } = (await h
      .user()
      .sobject('Account')
      .create({ Name: 'Risky Metals', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplier.id) })) as { id: string };
    const feed = await h.coupaApi('POST', '/api/supplier_risk_aware_feed', {
      supplier: { id: supplier.id },
      'number-field-01': 71.5,
      'number-field-02': 12
    });
    const run = await h.engine.runNow(SUPPLIER_RISK_FLOW);
    // (the emulator's one generated supplier has a feed row too, but no Account: it waits)
    expect(run.counts).toMatchObject({ updated: 1, created: 0, deadLettered: 0 });
    const first = await account(accountId);
    expect(first).toMatchObject({ Coupa_Risk_Score__c: 71.5, Coupa_Risk_Level__c: 'High' });
    expect(first.Coupa_Last_Synced__c).toEqual(expect.any(String)); // "Last synced" on the panel

    later();
    await h.coupaApi('PUT', `/api/supplier_risk_aware_feed/${feed.id}`, { 'number-field-01': 91 });
    await h.engine.runNow(SUPPLIER_RISK_FLOW);
    expect(await account(accountId)).toMatchObject({ Coupa_Risk_Score__c: 91, Coupa_Risk_Level__c: 'Critical' });

    // A change of a feed field nobody maps writes nothing.
    later();
    await h.coupaApi('PUT', `/api/supplier_risk_aware_feed/${feed.id}`, { 'number-field-02': 30 });
    h.sfEmu.control.resetCounters();
    const before = (await account(accountId)).Coupa_Last_Synced__c;
    expect((await h.engine.runNow(SUPPLIER_RISK_FLOW)).counts).toMatchObject({ updated: 0 });
    // The stamp is never a reason to write: nothing written, nothing stamped.
    expect((await account(accountId)).Coupa_Last_Synced__c).toBe(before);
  });

  it('gives a supplier without an Account its risk once supplier-account-sync links one, and never creates an Account', async () => {
    later();
    const supplier = await h.coupaApi('POST', '/api/suppliers', { name: 'Late Risk Ltd', number: 'RISK-2', status: 'active' });
    await h.coupaApi('POST', '/api/supplier_risk_aware_feed', { supplier: { id: supplier.id }, 'number-field-01': 20 });
    await h.engine.runNow(SUPPLIER_RISK_FLOW);
    const none = await h.user().query<any>(`SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = '${supplier.id}'`);
    expect(none.records).toEqual([]);

    for (const flow of createSupplierAccountSyncFlows(h.deps())) h.engine.register(flow);
    expect((await h.engine.runNow(TO_SALESFORCE)).status).not.toBe('failed');
    const [linked] = (await h.user().query<{ Id: string }>(`SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = '${supplier.id}'`)).records;
    expect(linked).toBeDefined();

    // The feed row did not change; the new link alone brings it back.
    await h.engine.runNow(SUPPLIER_RISK_FLOW);
    expect(await account(linked.Id)).toMatchObject({ Coupa_Risk_Score__c: 20, Coupa_Risk_Level__c: 'Low' });
  });

  it('derives levels from the configured thresholds, whatever their order', () => {
    const { levels } = parseSupplierRiskOptions({
      levels: [
        { level: 'High', from: 50 },
        { level: 'Low', from: 0 }
      ]
    });
    expect([levelOf(0, levels), levelOf(49.9, levels), levelOf(50, levels), levelOf(null, levels), levelOf(-1, levels)]).toEqual([
      'Low',
      'Low',
      'High',
      null,
      null
    ]);
    expect(() => parseSupplierRiskOptions({ levels: [] })).toThrow(/flows\.supplier-risk\.options\.levels/);
  });
});
