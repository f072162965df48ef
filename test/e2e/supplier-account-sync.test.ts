/**
 * Supplier ⇄ vendor Account, as a buyer and a sales admin see it: suppliers maintained in Coupa appear as vendor
 * Accounts (with their primary contact); the website maintained in Salesforce flows back to Coupa; nothing is
 * duplicated, ambiguous matches wait in the conflict inbox, and an edit causes exactly one write on the other side.
 */
import { createSupplierAccountSyncFlows, TO_COUPA, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { startHarness, type Harness } from './harness';

const TRICKY = "O'Reilly & Söhne (Köln) 100%_";

describe('supplier-account-sync', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.salesforce.connect(); // the harness leaves the first login to the caller
    for (const flow of createSupplierAccountSyncFlows(h.deps())) h.engine.register(flow);
  });
  afterAll(() => h.close());

  const syncBoth = async () => {
    const a = await h.engine.runNow(TO_SALESFORCE);
    const b = await h.engine.runNow(TO_COUPA);
    expect([a.status, a.error]).not.toContain('failed');
    expect([b.status, b.error]).not.toContain('failed');
    return { toSalesforce: a, toCoupa: b };
  };
  const sfWrites = () => {
    const c = h.sfEmu.control.counters().byEndpoint as Record<string, number>;
    return Object.entries(c)
      .filter(([k]) => /create|update|upsert|delete/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  };
  const coupaWrites = () => {
    const c = h.coupaEmu.control.counters().byEndpoint as Record<string, number>;
    return Object.entries(c)
      .filter(([k]) => /^(PUT|POST|PATCH|DELETE) \/api\//.test(k))
      .reduce((n, [, v]) => n + v, 0);
  };
  const accounts = (where: string): Promise<any[]> =>
    h.user().query<any>(`SELECT Id, Name, Type, Website, Coupa_Supplier_Id__c, Coupa_Supplier_Number__c, Coupa_Supplier_Status__c, BillingCity, BillingCountry FROM Account WHERE ${where}`).then((r) => r.records as any[]);
  const createSupplier = (body: Record<string, unknown>) => h.coupaApi('POST', '/api/suppliers', { status: 'active', ...body });

  it('a supplier created in Coupa becomes one vendor Account with its primary contact, and nothing is written back to Coupa', async () => {
    const supplier = await createSupplier({
      name: TRICKY,
      number: 'SUP-100',
      website: 'https://oreilly.example',
      'primary-address': { street1: 'Domplatz 1', city: 'Köln', 'postal-code': '50667', country: { code: 'DE' } },
      'primary-contact': { 'name-given': 'Zoë', 'name-family': "D'Arcy", email: 'zoe@oreilly.example' },
    });
    h.coupaEmu.control.resetCounters();
    await syncBoth();
    expect(coupaWrites()).toBe(0);

    const [account] = await accounts(`Coupa_Supplier_Id__c = '${supplier.id}'`);
    expect(account).toMatchObject({ Name: TRICKY, Type: 'Vendor', Website: 'https://oreilly.example', Coupa_Supplier_Number__c: 'SUP-100', Coupa_Supplier_Status__c: 'active', BillingCity: 'Köln', BillingCountry: 'DE' });
    const contacts = (await h.user().query<any>(`SELECT FirstName, LastName, Email FROM Contact WHERE AccountId = '${account.Id}'`)).records;
    expect(contacts).toEqual([expect.objectContaining({ FirstName: 'Zoë', LastName: "D'Arcy", Email: 'zoe@oreilly.example' })]);

    const inCoupa = await h.coupaApi('GET', `/api/suppliers/${supplier.id}`);
    expect(inCoupa['custom-fields']?.['salesforce-account-id'] ?? null).toBeNull();
    expect(inCoupa.website).toBe('https://oreilly.example');

    // Re-running changes nothing anywhere.
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();
    await syncBoth();
    await syncBoth();
    expect(sfWrites()).toBe(0);
    expect(coupaWrites()).toBe(0);
    expect(await accounts(`Name = '${TRICKY.replace(/'/g, "\\'")}'`)).toHaveLength(1);
  });

  it('a Coupa edit updates the Account with one write and nothing after (no ping-pong)', async () => {
    const [account] = await accounts(`Coupa_Supplier_Number__c = 'SUP-100'`);
    const supplierId = Number(account.Coupa_Supplier_Id__c);
    // Coupa's updated-at has whole seconds: let the edit land in a later second than the last read.
    h.coupaEmu.control.clock.advance(1500);
    await h.coupaApi('PUT', `/api/suppliers/${supplierId}`, { name: `${TRICKY} Verlag` });
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();

    const first = await syncBoth();
    expect(first.toSalesforce.counts.updated).toBe(1);
    const afterFirst = sfWrites();
    expect(afterFirst).toBeGreaterThan(0);
    await syncBoth();
    await syncBoth();
    expect(sfWrites()).toBe(afterFirst);
    expect(coupaWrites()).toBe(0);
    expect((await accounts(`Id = '${account.Id}'`))[0].Name).toBe(`${TRICKY} Verlag`);
  });

  it('the website edited in Salesforce flows back to Coupa once; Coupa-owned fields edited in Salesforce do not', async () => {
    const [account] = await accounts(`Coupa_Supplier_Number__c = 'SUP-100'`);
    await h.user().sobject('Account').update({ Id: account.Id, Website: 'https://oreilly-soehne.example', Name: 'Renamed in Salesforce' });
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();

    const first = await syncBoth();
    expect(first.toCoupa.counts.updated).toBe(1);
    expect(coupaWrites()).toBe(1);
    await syncBoth();
    await syncBoth();
    expect(coupaWrites()).toBe(1);
    expect(sfWrites()).toBe(0);
    const supplier = await h.coupaApi('GET', `/api/suppliers/${account.Coupa_Supplier_Id__c}`);
    expect(supplier.website).toBe('https://oreilly-soehne.example');
    expect(supplier.name).toBe(`${TRICKY} Verlag`);
  });

  it('an existing Account is matched by supplier number or by normalised name + country instead of duplicated', async () => {
    const byNumber = await h.user().sobject('Account').create({ Name: 'Globex Intl', Type: 'Customer', Coupa_Supplier_Number__c: 'SUP-200' });
    const byName = await h.user().sobject('Account').create({ Name: 'Muller & Sohne GmbH', BillingCountry: 'DE' });
    const s1 = await createSupplier({ name: 'Globex International', number: 'SUP-200', website: 'https://globex.example' });
    const s2 = await createSupplier({ name: 'Müller & Söhne', number: 'SUP-201', 'primary-address': { street1: 'Ring 1', city: 'Berlin', 'postal-code': '10115', country: { code: 'DE' } } });
    await syncBoth();

    expect(await accounts(`Coupa_Supplier_Id__c = '${s1.id}'`)).toEqual([expect.objectContaining({ Id: (byNumber as any).id, Name: 'Globex International', Type: 'Customer', Website: 'https://globex.example' })]);
    expect((await h.coupaApi('GET', `/api/suppliers/${s1.id}`)).website).toBe('https://globex.example');
    expect(await accounts(`Coupa_Supplier_Id__c = '${s2.id}'`)).toEqual([expect.objectContaining({ Id: (byName as any).id, BillingCity: 'Berlin' })]);
    expect(await accounts(`Name LIKE 'Globex%'`)).toHaveLength(1);
  });

  it('an ambiguous match goes to the conflict inbox and creates nothing', async () => {
    await h.user().sobject('Account').create([{ Name: 'Initech LLC', BillingCountry: 'US' }, { Name: 'INITECH', BillingCountry: 'US' }]);
    const s = await createSupplier({ name: 'Initech', number: 'SUP-300', 'primary-address': { street1: '1 Main', city: 'Austin', 'postal-code': '73301', country: { code: 'US' } } });
    await syncBoth();
    await syncBoth();

    expect(await accounts(`Coupa_Supplier_Id__c = '${s.id}'`)).toEqual([]);
    expect(await accounts(`Name LIKE 'Initech%' OR Name = 'INITECH'`)).toHaveLength(2);
    const conflicts = await h.store.listConflicts({ status: 'open', recordKey: `coupa:suppliers:${s.id}` });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ field: '(match)', coupaValue: String(s.id) });
    expect(conflicts[0].sfValue).toHaveLength(2);
  });

  it('a supplier Salesforce rejects lands in dead letters with a readable reason; the others still sync', async () => {
    const bad = await createSupplier({
      name: 'Overlong Postcode Ltd',
      number: 'SUP-400',
      'primary-address': { street1: '1 Long Rd', city: 'Leeds', 'postal-code': 'LS1-4AP-0000-0000-0000-0000', country: { code: 'GB' } },
    });
    const good = await createSupplier({ name: 'Good Supplies', number: 'SUP-401' });
    const run = await h.engine.runNow(TO_SALESFORCE);
    expect(run.status).toBe('partial');

    expect(await accounts(`Coupa_Supplier_Id__c = '${good.id}'`)).toHaveLength(1);
    const dead = await h.store.listDeadLetters({ flow: TO_SALESFORCE, status: 'open' });
    expect(dead).toEqual([expect.objectContaining({ recordKey: `coupa:suppliers:${bad.id}`, errorClass: 'validation' })]);
    expect(dead[0].message).toMatch(/STRING_TOO_LONG.*Postal/i);
  });
});
