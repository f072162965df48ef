/**
 * Closed Won → requisition under 10% injected 429/5xx on both sides: 60 deals won at once each get exactly one Coupa
 * requisition (a POST that failed never reached Coupa, and a retried create is looked up first), and every Opportunity
 * gets its requisition id back.
 */
import pino from 'pino';
import { SyncEngine } from '../../middleware/src/engine';
import { createOpportunityToRequisitionFlows, FLOW_NAME, STATUS_FLOW_NAME } from '../../middleware/src/flows/opportunity-to-requisition';
import { startHarness, type Harness } from '../e2e/harness';
import { clientsBehind } from './behind-proxies';
import { coupaFailure, salesforceFailure, startFaultProxy, type FaultProxy } from './fault-proxy';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the deals. */
const N = process.env.RELIABILITY_SOAK ? 600 : 60;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('Closed Won → requisition with 10% injected 429/5xx on both sides', () => {
  let h: Harness;
  let sfProxy: FaultProxy;
  let coupaProxy: FaultProxy;
  let engine: SyncEngine;
  const opportunityIds: string[] = [];

  const settle = async (name: string) => {
    let s = await engine.runNow(name);
    for (let i = 0; i < 8 && s.status !== 'succeeded'; i++) s = await engine.runNow(name);
    expect({ flow: name, status: s.status, error: s.error }).toEqual({ flow: name, status: 'succeeded', error: undefined });
  };

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

    const notAuth = (_m: string, p: string) => !p.includes('oauth2');
    sfProxy = await startFaultProxy({ target: h.sfEmu.url, rate: 0.1, seed: 17, match: notAuth, respond: salesforceFailure });
    coupaProxy = await startFaultProxy({ target: h.coupaEmu.url, rate: 0.1, seed: 19, match: notAuth, respond: coupaFailure });
    const { salesforce, coupa } = await clientsBehind(h, sfProxy, coupaProxy);
    engine = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }), retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20 } });
    const deps = { ...h.deps({ submitForApproval: true, fallbackRequesterLogin: 'jdoe', shipToLocationCode: 'HQ' }), coupa, salesforce };
    for (const flow of createOpportunityToRequisitionFlows(deps)) engine.register(flow);
  });

  afterAll(async () => {
    await engine?.stop();
    await sfProxy?.close();
    await coupaProxy?.close();
    await h?.close();
  });

  it('creates exactly one requisition per won deal and writes each id back', async () => {
    await settle(FLOW_NAME);
    await settle(STATUS_FLOW_NAME);
    expect(sfProxy.injected + coupaProxy.injected).toBeGreaterThan(0);

    const perDeal = new Map<string, number>();
    for (const r of h.coupaEmu.control.list('requisitions')) {
      const opp = (r['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-opportunity-id'];
      if (typeof opp === 'string') perDeal.set(opp, (perDeal.get(opp) ?? 0) + 1);
    }
    expect([...perDeal.keys()].sort()).toEqual([...opportunityIds].sort());
    expect([...perDeal.values()].filter((n) => n !== 1)).toEqual([]);

    const rows = h.sfEmu.control.records('Opportunity') as Array<{ Id: string; Coupa_Requisition_Id__c?: string | null }>;
    const missing = rows.filter((o) => opportunityIds.includes(o.Id) && !o.Coupa_Requisition_Id__c).map((o) => o.Id);
    expect(missing).toEqual([]);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    report({
      story: `opportunity-to-requisition, ${N} deals won at once, 10% faults both sides`,
      records: N,
      faultsSalesforce: sfProxy.injected,
      faultsCoupa: coupaProxy.injected,
      duplicates: [...perDeal.values()].reduce((n, c) => n + c - 1, 0),
      lost: opportunityIds.length - perDeal.size,
    });
  });
});
