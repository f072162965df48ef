/**
 * Contracts both ways under 10% injected 429/5xx on both sides: 100 contracts published in Coupa become exactly one
 * activated Salesforce Contract each, nothing is written back to Coupa on the first link, and 10 edits made in
 * Salesforce reach Coupa as exactly 10 contract updates.
 */
import pino from 'pino';
import { SyncEngine } from '../../middleware/src/engine';
import { createContractSyncFlows, CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import { startHarness, type Harness } from '../e2e/harness';
import { clientsBehind } from './behind-proxies';
import { coupaFailure, salesforceFailure, startFaultProxy, type FaultProxy } from './fault-proxy';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the contracts. */
const N = process.env.RELIABILITY_SOAK ? 1_000 : 100;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('contract-sync both ways with 10% injected 429/5xx on both sides', () => {
  let h: Harness;
  let sfProxy: FaultProxy;
  let coupaProxy: FaultProxy;
  let engine: SyncEngine;

  const coupaContractWrites = () =>
    Object.entries(h.coupaEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /^(PUT|POST|PATCH) \/api\/contracts/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const settle = async (name: string) => {
    let s = await engine.runNow(name);
    for (let i = 0; i < 8 && s.status !== 'succeeded'; i++) s = await engine.runNow(name);
    expect({ flow: name, status: s.status, error: s.error }).toEqual({ flow: name, status: 'succeeded', error: undefined });
  };
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
    const notAuth = (_m: string, p: string) => !p.includes('oauth2');
    sfProxy = await startFaultProxy({ target: h.sfEmu.url, rate: 0.1, seed: 23, match: notAuth, respond: salesforceFailure });
    coupaProxy = await startFaultProxy({ target: h.coupaEmu.url, rate: 0.1, seed: 31, match: notAuth, respond: coupaFailure });
    const { salesforce, coupa } = await clientsBehind(h, sfProxy, coupaProxy);
    engine = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }), retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20 } });
    for (const flow of createContractSyncFlows({ ...h.deps(), coupa, salesforce })) engine.register(flow);
  });

  afterAll(async () => {
    await engine?.stop();
    await sfProxy?.close();
    await coupaProxy?.close();
    await h?.close();
  });

  it('creates one activated Contract per published contract and writes nothing back on the first link', async () => {
    h.coupaEmu.control.resetCounters();
    await settle(CONTRACT_TO_SALESFORCE);
    await settle(CONTRACT_TO_COUPA);
    const byCoupaId = new Map<string, number>();
    for (const c of contractsInSalesforce()) byCoupaId.set(c.Coupa_Contract_Id__c!, (byCoupaId.get(c.Coupa_Contract_Id__c!) ?? 0) + 1);
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
    await settle(CONTRACT_TO_COUPA);
    await settle(CONTRACT_TO_SALESFORCE);
    await settle(CONTRACT_TO_COUPA);
    expect(coupaContractWrites()).toBe(10);
    for (const c of edited) {
      expect((h.coupaEmu.control.get('contracts', Number(c.Coupa_Contract_Id__c)) as { description: string }).description).toBe(`Renegotiated ${c.Coupa_Contract_Id__c}`);
    }
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(await h.store.listConflicts({ status: 'open' })).toEqual([]);
    report({
      story: `contract-sync both ways, ${N} contracts + 10 edits, 10% faults both sides`,
      records: N,
      faultsSalesforce: sfProxy.injected,
      faultsCoupa: coupaProxy.injected,
      coupaUpdatesForTenEdits: coupaContractWrites(),
      duplicates: 0,
      lost: 0,
    });
  });
});
