/**
 * "Start supplier onboarding" under every fault kind on both sides: 40 requests filed at once each start exactly
 * one Coupa supplier-information record, and every request gets its status and the record's id back.
 */
import { createSupplierOnboardingFlows, FLOW_NAME, STATUS_FLOW_NAME } from '../../middleware/src/flows/supplier-onboarding';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, countPerKey, type FaultyConnector, expectNoRunLeftRunning } from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the requests. */
const N = process.env.RELIABILITY_SOAK ? 400 : 40;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('supplier onboarding with every fault kind on both sides', () => {
  let h: Harness;
  let c: FaultyConnector;
  const requestIds: string[] = [];


  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    const refs = await h.sfEmu.control.seed({
      Account: Array.from({ length: N }, (_, i) => ({
        '@ref': `a${i}`,
        Name: `Onboarding Vendor ${i}`,
        Type: 'Vendor',
        Website: `https://vendor-${i}.example`,
        BillingStreet: `${i} Main St`,
        BillingCity: 'Springfield',
        BillingPostalCode: '12345',
        BillingCountry: 'US',
      })),
    });
    const created = await h
      .user()
      .sobject('Coupa_Onboarding_Request__c')
      .create(Array.from({ length: N }, (_, i) => ({ Account__c: refs[`a${i}`], Status__c: 'Requested' })), { allOrNone: true } as never);
    for (const r of created as Array<{ id: string }>) requestIds.push(r.id);

    c = await behindFaultProxies(h, { salesforce: 37, coupa: 41 });
    const { salesforce, coupa } = c;
    for (const flow of createSupplierOnboardingFlows({ ...h.deps(), coupa, salesforce })) c.engine.register(flow);
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('starts exactly one supplier-information record per request and reports it back on each request', async () => {
    await c.settle(FLOW_NAME);
    await c.settle(STATUS_FLOW_NAME);
    expect(c.injected()).toBeGreaterThan(0);

    const perRequest = countPerKey(
      h.coupaEmu.control
        .list('supplier_information')
        .map((sim) => (sim['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-onboarding-request-id']),
    );
    expect([...perRequest.keys()].sort()).toEqual([...requestIds].sort());
    expect([...perRequest.values()].filter((n) => n !== 1)).toEqual([]);

    const requests = h.sfEmu.control.records('Coupa_Onboarding_Request__c') as Array<{ Id: string; Status__c: string; Coupa_Supplier_Information_Id__c?: string | null }>;
    const unreported = requests.filter((r) => requestIds.includes(r.Id) && (!r.Coupa_Supplier_Information_Id__c || r.Status__c === 'Requested'));
    expect(unreported).toEqual([]);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    await expectNoRunLeftRunning(h.store);
    report({
      story: `supplier-onboarding, ${N} requests filed at once, every fault kind both sides`,
      records: N,
      ...c.figures(),
      duplicates: [...perRequest.values()].reduce((n, c) => n + c - 1, 0),
      lost: requestIds.length - perRequest.size,
    });
  });
});
