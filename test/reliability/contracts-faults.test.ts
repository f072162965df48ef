/**
 * Contracts both ways under every fault kind on both sides: 100 contracts published in Coupa become exactly one
 * activated Salesforce Contract each, nothing is written back to Coupa on the first link, and 10 edits made in
 * Salesforce reach Coupa as exactly 10 contract updates.
 */
import { createContractSyncFlows, CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, countPerKey, expectNoRunLeftRunning, expectWritesOnce, type FaultyConnector } from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the contracts. */
const N = process.env.RELIABILITY_SOAK ? 1_000 : 100;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('contract-sync both ways with every fault kind on both sides', () => {
  let h: Harness;
  let c: FaultyConnector;

  const coupaContractWrites = () =>
    Object.entries(h.coupaEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /^(PUT|POST|PATCH) \/api\/contracts/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const contractsInSalesforce = () =>
    (h.sfEmu.control.records('Contract') as Array<{ Id: string; Coupa_Contract_Id__c?: string | null; Status?: string }>).filter((c) => c.Coupa_Contract_Id__c);

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    const supplier = h.coupaEmu.control.create('suppliers', { name: 'Faulty Freight', number: 'FF-1', status: 'active' }) as { id: number };
    await h.user().sobject('Account').create({ Name: 'Faulty Freight', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplier.id) });
    for (let i = 0; i < N; i++) {
      h.coupaEmu.control.create('contracts', {
        name: `Freight ${i}`,
        number: `FF-C-${i}`,
        supplier: { id: supplier.id },
        status: 'published',
        'start-date': '2026-01-01',
        'end-date': '2026-12-31',
      });
    }
    c = await behindFaultProxies(h, { salesforce: 23, coupa: 31 });
    const { salesforce, coupa } = c;
    for (const flow of createContractSyncFlows({ ...h.deps(), coupa, salesforce })) c.engine.register(flow);
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('creates one activated Contract per published contract and writes nothing back on the first link', async () => {
    h.coupaEmu.control.resetCounters();
    await c.settle(CONTRACT_TO_SALESFORCE);
    await c.settle(CONTRACT_TO_COUPA);
    const byCoupaId = countPerKey(contractsInSalesforce().map((k) => k.Coupa_Contract_Id__c));
    const published = (h.coupaEmu.control.list('contracts') as Array<{ id: number; status: string }>).filter((c) => c.status === 'published').map((c) => String(c.id));
    expect([...byCoupaId.keys()].sort()).toEqual(published.sort());
    expect([...byCoupaId.values()].filter((n) => n !== 1)).toEqual([]);
    expect(contractsInSalesforce().every((c) => c.Status === 'Activated')).toBe(true);
    expect(coupaContractWrites()).toBe(0);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('sends 10 Description edits made in Salesforce to Coupa as exactly 10 contract updates', async () => {
    const edited = contractsInSalesforce().slice(0, 10);
    await h.user().sobject('Contract').update(
      edited.map((c) => ({ Id: c.Id, Description: `Renegotiated ${c.Coupa_Contract_Id__c}` })),
      { allOrNone: true } as never,
    );
    h.coupaEmu.control.resetCounters();
    const lostBefore = c.coupaProxy.answersLost.length;
    await c.settle(CONTRACT_TO_COUPA);
    await c.settle(CONTRACT_TO_SALESFORCE);
    await c.settle(CONTRACT_TO_COUPA);
    expectWritesOnce(coupaContractWrites(), 10, c.coupaProxy, /^(PUT|POST|PATCH) \/api\/contracts/, lostBefore);
    for (const c of edited) {
      expect((h.coupaEmu.control.get('contracts', Number(c.Coupa_Contract_Id__c)) as { description: string }).description).toBe(`Renegotiated ${c.Coupa_Contract_Id__c}`);
    }
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(await h.store.listConflicts({ status: 'open' })).toEqual([]);
    await expectNoRunLeftRunning(h.store);
    report({
      story: `contract-sync both ways, ${N} contracts + 10 edits, every fault kind both sides`,
      records: N,
      ...c.figures(),
      coupaUpdatesForTenEdits: coupaContractWrites(),
      duplicates: 0,
      lost: 0,
    });
  });
});
