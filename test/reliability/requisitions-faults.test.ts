/**
 * Closed Won → requisition under every fault kind on both sides: 60 deals won at once each get exactly one Coupa
 * requisition (a POST that failed never reached Coupa, and a retried create is looked up first), and every Opportunity
 * gets its requisition id back.
 */
import { createOpportunityToRequisitionFlows, FLOW_NAME, STATUS_FLOW_NAME } from '../../middleware/src/flows/opportunity-to-requisition';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, countPerKey, type FaultyConnector, expectNoRunLeftRunning } from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the deals. */
const N = process.env.RELIABILITY_SOAK ? 600 : 60;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('Closed Won → requisition with every fault kind on both sides', () => {
  let h: Harness;
  let c: FaultyConnector;
  const opportunityIds: string[] = [];


  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    const supplier = h.coupaEmu.control.create('suppliers', { name: 'Faulty Racks', number: 'FR-1', status: 'active' }) as { id: number };
    const refs = await h.sfEmu.control.seed({
      Account: [{ '@ref': 'acct', Name: 'Faulty Racks', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplier.id) }],
      Product2: [{ '@ref': 'p1', Name: 'Server rack', ProductCode: 'RACK-42U', IsActive: true }],
    });
    const user = h.user();
    for (let i = 0; i < N; i++) {
      const opp = (await user
        .sobject('Opportunity')
        .create({ Name: `Faulty deal ${i}`, StageName: 'Negotiation/Review', CloseDate: '2026-12-15', AccountId: refs.acct, Amount: 800 })) as { id: string };
      await user.sobject('OpportunityLineItem').create({ OpportunityId: opp.id, Product2Id: refs.p1, Quantity: 1, UnitPrice: 800 });
      opportunityIds.push(opp.id);
    }
    await user.sobject('Opportunity').update(opportunityIds.map((Id) => ({ Id, StageName: 'Closed Won' })), { allOrNone: true } as never);

    c = await behindFaultProxies(h, { salesforce: 17, coupa: 19 });
    const { salesforce, coupa } = c;
    const deps = { ...h.deps({ submitForApproval: true, fallbackRequesterLogin: 'jdoe', shipToLocationCode: 'HQ' }), coupa, salesforce };
    for (const flow of createOpportunityToRequisitionFlows(deps)) c.engine.register(flow);
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('creates exactly one requisition per won deal and writes each id back', async () => {
    await c.settle(FLOW_NAME);
    await c.settle(STATUS_FLOW_NAME);
    expect(c.injected()).toBeGreaterThan(0);

    const perDeal = countPerKey(
      h.coupaEmu.control.list('requisitions').map((r) => (r['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-opportunity-id']),
    );
    expect([...perDeal.keys()].sort()).toEqual([...opportunityIds].sort());
    expect([...perDeal.values()].filter((n) => n !== 1)).toEqual([]);

    const rows = h.sfEmu.control.records('Opportunity') as Array<{ Id: string; Coupa_Requisition_Id__c?: string | null }>;
    const missing = rows.filter((o) => opportunityIds.includes(o.Id) && !o.Coupa_Requisition_Id__c).map((o) => o.Id);
    expect(missing).toEqual([]);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    await expectNoRunLeftRunning(h.store);
    report({
      story: `opportunity-to-requisition, ${N} deals won at once, every fault kind both sides`,
      records: N,
      ...c.figures(),
      duplicates: [...perDeal.values()].reduce((n, c) => n + c - 1, 0),
      lost: opportunityIds.length - perDeal.size,
    });
  });
});
