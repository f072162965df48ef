/**
 * The two-way supplier sync under every fault kind on both sides: 300 suppliers are linked to exactly one Account
 * each, nothing is written back to Coupa on the first link, and 20 Website edits in Salesforce reach Coupa as exactly
 * 20 supplier updates. Failures come from fault proxies in front of each emulator, so a failed request never reached
 * the system behind it.
 */
import { createSupplierAccountSyncFlows, TO_COUPA, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, countPerKey, expectNoRunLeftRunning, expectWritesOnce, type FaultyConnector } from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the suppliers. */
const N = process.env.RELIABILITY_SOAK ? 3_000 : 300;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('supplier ⇄ Account sync with every fault kind on both sides', () => {
  let h: Harness;
  let c: FaultyConnector;

  const coupaPuts = () =>
    Object.entries(h.coupaEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /^(PUT|POST|PATCH) \/api\/suppliers/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const settle = (name: string) => c.settle(name, 7);

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    for (let i = 0; i < N; i++) {
      h.coupaEmu.control.create('suppliers', { name: `Faulty Supplies ${i}`, number: `FS-${i}`, status: 'active', website: `https://fs-${i}.example` });
    }
    c = await behindFaultProxies(h, { salesforce: 7, coupa: 13 });
    const { salesforce, coupa } = c;
    for (const flow of createSupplierAccountSyncFlows({ ...h.deps({ syncPrimaryContact: false }), coupa, salesforce })) c.engine.register(flow);
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('links every supplier to exactly one Account and writes nothing back on the first link', async () => {
    h.coupaEmu.control.resetCounters();
    await settle(TO_SALESFORCE);
    await settle(TO_COUPA);
    expect(c.sfProxy.injected).toBeGreaterThan(0);
    expect(c.coupaProxy.injected).toBeGreaterThan(0);
    const accounts = h.sfEmu.control.records('Account') as Array<{ Coupa_Supplier_Id__c?: string | null }>;
    const bySupplier = countPerKey(accounts.map((a) => a.Coupa_Supplier_Id__c));
    const suppliers = (h.coupaEmu.control.list('suppliers') as Array<{ id: number }>).map((s) => String(s.id));
    expect([...bySupplier.keys()].sort()).toEqual(suppliers.sort());
    expect([...bySupplier.values()].filter((n) => n !== 1)).toEqual([]);
    expect(coupaPuts()).toBe(0);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(await h.store.listQuarantine()).toEqual([]);
  });

  it('sends 20 Website edits made in Salesforce to Coupa as exactly 20 supplier updates, and nothing after', async () => {
    const accounts = (h.sfEmu.control.records('Account') as Array<{ Id: string; Coupa_Supplier_Id__c?: string | null }>).filter((a) => a.Coupa_Supplier_Id__c).slice(0, 20);
    const user = h.user();
    await user.sobject('Account').update(
      accounts.map((a) => ({ Id: a.Id, Website: `https://edited-${a.Coupa_Supplier_Id__c}.example` })),
      { allOrNone: true } as never,
    );
    h.coupaEmu.control.resetCounters();
    const lostBefore = c.coupaProxy.answersLost.length;
    await settle(TO_COUPA);
    await settle(TO_SALESFORCE);
    await settle(TO_COUPA);
    expectWritesOnce(coupaPuts(), 20, c.coupaProxy, /^(PUT|POST|PATCH) \/api\/suppliers/, lostBefore);
    for (const a of accounts) {
      const s = h.coupaEmu.control.get('suppliers', Number(a.Coupa_Supplier_Id__c)) as { website: string };
      expect(s.website).toBe(`https://edited-${a.Coupa_Supplier_Id__c}.example`);
    }
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    await expectNoRunLeftRunning(h.store);
    report({
      story: `supplier-account-sync both ways, ${N.toLocaleString('en')} suppliers + 20 edits, every fault kind both sides`,
      records: h.coupaEmu.control.list('suppliers').length,
      ...c.figures(),
      coupaUpdatesForTwentyEdits: coupaPuts(),
      duplicates: 0,
      lost: 0,
    });
  });
});
