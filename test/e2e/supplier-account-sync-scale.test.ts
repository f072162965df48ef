/**
 * The first sync of a Coupa company's 400 suppliers, as an admin connecting an existing org would run it: every
 * supplier becomes (or is matched to) one vendor Account, matching costs a few queries per page rather than one per
 * supplier, and nothing is written back to Coupa (each write would bump the supplier's updated-at).
 */
import { createSupplierAccountSyncFlows, TO_COUPA, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { startHarness, type Harness } from './harness';

jest.setTimeout(120_000);

describe('supplier-account-sync at scale', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0 } });
    await h.salesforce.connect();
    for (const flow of createSupplierAccountSyncFlows(h.deps({ syncPrimaryContact: false }))) h.engine.register(flow);
    for (let i = 0; i < 400; i++) {
      h.coupaEmu.control.create('suppliers', {
        name: `Scale Supplier ${String(i).padStart(3, '0')}`,
        number: `SC-${i}`,
        status: 'active',
        website: `https://scale-${i}.example`,
      });
    }
    // 40 of them already exist in Salesforce, found by supplier number (and left unlinked until now).
    await h.user().sobject('Account').create(Array.from({ length: 40 }, (_, i) => ({ Name: `Existing ${i}`, Coupa_Supplier_Number__c: `SC-${i * 10}` })), {
      allOrNone: true,
    } as never);
  });
  afterAll(() => h.close());

  const count = (c: Record<string, number>, re: RegExp) => Object.entries(c).filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);

  it('links 400 suppliers with a constant number of queries per page and writes nothing back to Coupa', async () => {
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();
    const toSf = await h.engine.runNow(TO_SALESFORCE);
    const toCoupa = await h.engine.runNow(TO_COUPA);
    expect([toSf.status, toCoupa.status]).toEqual(['succeeded', 'succeeded']);
    // (the emulator's company always has its own base supplier besides the 400)
    const suppliers = h.coupaEmu.control.list('suppliers').length;
    expect(suppliers).toBeGreaterThanOrEqual(400);
    expect(toSf.counts).toMatchObject({ created: suppliers - 40, updated: 40, deadLettered: 0 });

    const sf = h.sfEmu.control.counters().byEndpoint as Record<string, number>;
    const coupa = h.coupaEmu.control.counters().byEndpoint as Record<string, number>;
    expect(count(coupa, /^(PUT|POST|PATCH|DELETE) \/api\//)).toBe(0);
    // Two pages of 200: a handful of match queries each, and the Account writes in collections of 200.
    expect(count(sf, /query/)).toBeLessThanOrEqual(20);
    expect(count(sf, /create|update|upsert/)).toBeLessThanOrEqual(6);
    const accounts = await h.user().query<{ Id: string }>("SELECT Id FROM Account WHERE Coupa_Supplier_Id__c != null");
    expect(accounts.totalSize).toBe(suppliers);

    // A second cycle finds nothing to do on either side.
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();
    await h.engine.runNow(TO_SALESFORCE);
    await h.engine.runNow(TO_COUPA);
    expect(count(h.coupaEmu.control.counters().byEndpoint as Record<string, number>, /^(PUT|POST|PATCH|DELETE) \/api\//)).toBe(0);
    expect(count(h.sfEmu.control.counters().byEndpoint as Record<string, number>, /create|update|upsert/)).toBe(0);
  });
});
