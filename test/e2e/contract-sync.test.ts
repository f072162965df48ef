/**
 * Contracts stay aligned both ways, as sales ops and procurement see them: activating a Contract in Salesforce
 * creates the Coupa contract; publishing or amending in Coupa updates Salesforce. Each edit causes one write on the
 * other side and nothing after; a field changed on both sides waits in the conflict inbox with both values.
 */
import { createContractSyncFlows, CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import { startHarness, type Harness } from './harness';

describe('contract-sync', () => {
  let h: Harness;
  let accountId: string;
  let supplierId: number;

  beforeAll(async () => {
    h = await startHarness();
    await h.salesforce.connect(); // the harness leaves the first login to the caller
    for (const flow of createContractSyncFlows(h.deps())) h.engine.register(flow);
    // A vendor Account already linked to its Coupa supplier (supplier-account-sync or onboarding did that).
    const supplier = await h.coupaApi('POST', '/api/suppliers', { name: 'Acme Logistics', number: 'SUP-1', status: 'active' });
    supplierId = supplier.id;
    accountId = ((await h.user().sobject('Account').create({ Name: 'Acme Logistics', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplierId) })) as any).id;
  });
  afterAll(() => h.close());

  const run = async (name: string) => {
    const s = await h.engine.runNow(name);
    expect([s.status, s.error]).not.toContain('failed');
    return s;
  };
  const syncBoth = async () => ({ toCoupa: await run(CONTRACT_TO_COUPA), toSalesforce: await run(CONTRACT_TO_SALESFORCE) });
  const sfWrites = () =>
    Object.entries(h.sfEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /create|update|upsert|delete/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const coupaWrites = () =>
    Object.entries(h.coupaEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /^(PUT|POST|PATCH|DELETE) \/api\//.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const resetCounters = () => {
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();
  };
  /** Two more rounds change nothing anywhere. */
  const expectQuiet = async () => {
    const [sfBefore, coupaBefore] = [sfWrites(), coupaWrites()];
    await syncBoth();
    await syncBoth();
    expect([sfWrites(), coupaWrites()]).toEqual([sfBefore, coupaBefore]);
  };
  const sfContract = async (id: string): Promise<any> =>
    (
      await h.user().query<any>(
        `SELECT Id, Name, Status, StartDate, EndDate, ContractTerm, Description, ContractNumber, AccountId, Coupa_Contract_Id__c, Coupa_Contract_Status__c FROM Contract WHERE Id = '${id}'`,
      )
    ).records[0];
  const coupaContract = (id: number | string) => h.coupaApi('GET', `/api/contracts/${id}`);
  /** Coupa's updated-at has whole seconds: a person's edit lands in a later second than our last read. */
  const coupaEdit = (id: number | string, body: Record<string, unknown>) => {
    h.coupaEmu.control.clock.advance(1500);
    return h.coupaApi('PUT', `/api/contracts/${id}`, body);
  };

  /** An activated Contract already synced both ways (each story uses its own: the ping-pong breaker counts writes per record). */
  const linkedContract = async (name: string) => {
    const id = ((await h.user().sobject('Contract').create({ AccountId: accountId, Name: name, Status: 'Draft', StartDate: '2026-01-01', ContractTerm: 12 })) as any).id as string;
    await h.user().sobject('Contract').update({ Id: id, Status: 'Activated' });
    await syncBoth();
    return { sfId: id, coupaId: String((await sfContract(id)).Coupa_Contract_Id__c) };
  };

  let sfContractId: string;
  let coupaContractId: string;

  it('a Contract activated in Salesforce creates one published Coupa contract, linked both ways', async () => {
    sfContractId = ((await h.user().sobject('Contract').create({ AccountId: accountId, Name: "Freight 2026 — O'Hare & Co (100%_)", Status: 'Draft', StartDate: '2026-01-01', ContractTerm: 12, Description: 'Freight' })) as any).id;
    await syncBoth();
    expect(await h.coupaApi('GET', `/api/contracts?custom_fields[salesforce-contract-id]=${sfContractId}`)).toEqual([]);

    await h.user().sobject('Contract').update({ Id: sfContractId, Status: 'Activated' });
    resetCounters();
    const first = await syncBoth();
    expect(first.toCoupa.counts.created).toBe(1);

    const [created] = await h.coupaApi('GET', `/api/contracts?custom_fields[salesforce-contract-id]=${sfContractId}`);
    const sf = await sfContract(sfContractId);
    expect(created).toMatchObject({ name: "Freight 2026 — O'Hare & Co (100%_)", number: sf.ContractNumber, status: 'published', description: 'Freight' });
    expect(created.supplier.id).toBe(supplierId);
    expect(created['start-date'].slice(0, 10)).toBe('2026-01-01');
    expect(created['end-date'].slice(0, 10)).toBe('2026-12-31');
    expect(sf).toMatchObject({ Coupa_Contract_Id__c: String(created.id), Coupa_Contract_Status__c: 'published', Status: 'Activated' });
    coupaContractId = String(created.id);
    expect(coupaWrites()).toBe(1);
    await expectQuiet();
  });

  it('a contract renewed and amended in Coupa updates Salesforce with one write and nothing after', async () => {
    await coupaEdit(coupaContractId, { 'end-date': '2027-12-31', description: 'Freight, renewed for 2027' });
    resetCounters();
    const first = await syncBoth();
    expect(first.toSalesforce.counts.updated).toBe(1);
    expect(sfWrites()).toBe(1);
    expect(coupaWrites()).toBe(0);
    expect(await sfContract(sfContractId)).toMatchObject({ ContractTerm: 24, EndDate: '2027-12-31', Description: 'Freight, renewed for 2027' });
    await expectQuiet();
  });

  it('a Salesforce edit reaches Coupa once; alternating edits on the two sides are not conflicts', async () => {
    ({ sfId: sfContractId, coupaId: coupaContractId } = await linkedContract('Freight 2026'));
    await h.user().sobject('Contract').update({ Id: sfContractId, Name: 'Freight 2026-27' });
    resetCounters();
    await syncBoth();
    expect(coupaWrites()).toBe(1);
    expect(sfWrites()).toBe(0);
    expect((await coupaContract(coupaContractId)).name).toBe('Freight 2026-27');

    await coupaEdit(coupaContractId, { name: 'Freight 2026-27 (EU)' });
    await syncBoth();
    expect((await sfContract(sfContractId)).Name).toBe('Freight 2026-27 (EU)');
    await h.user().sobject('Contract').update({ Id: sfContractId, Name: 'Freight EU' });
    await syncBoth();
    expect((await coupaContract(coupaContractId)).name).toBe('Freight EU');
    expect(await h.store.listConflicts({ status: 'open' })).toEqual([]);
    await expectQuiet();
  });

  it('a Contract renewed in Salesforce (longer term) extends the Coupa end date, once', async () => {
    const { sfId, coupaId } = await linkedContract('Courier 2026');
    await h.user().sobject('Contract').update({ Id: sfId, ContractTerm: 36 });
    resetCounters();
    await syncBoth();
    expect([sfWrites(), coupaWrites()]).toEqual([0, 1]);
    expect((await coupaContract(coupaId))['end-date'].slice(0, 10)).toBe('2028-12-31');
    await expectQuiet();
  });

  it('a contract published in Coupa creates the Salesforce Contract, activated, keeps its Coupa number, and is not written back', async () => {
    const c = await h.coupaApi('POST', '/api/contracts', {
      name: 'Warehousing Q3',
      number: 'CPA-77',
      supplier: { id: supplierId },
      status: 'published',
      'start-date': '2026-07-01',
      'end-date': '2026-09-30',
    });
    const draft = await h.coupaApi('POST', '/api/contracts', { name: 'Not yet', number: 'CPA-78', supplier: { id: supplierId }, 'start-date': '2026-07-01' });
    resetCounters();
    expect((await run(CONTRACT_TO_SALESFORCE)).counts.created).toBe(1);
    expect(sfWrites()).toBe(2); // inserted as Draft, then activated
    await run(CONTRACT_TO_COUPA);
    expect(coupaWrites()).toBe(0); // nothing goes back: the first link bumps nothing in Coupa

    const rows = (await h.user().query<any>(`SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = '${c.id}'`)).records;
    expect(rows).toHaveLength(1);
    expect(await sfContract(rows[0].Id)).toMatchObject({ Name: 'Warehousing Q3', Status: 'Activated', AccountId: accountId, ContractTerm: 3, EndDate: '2026-09-30', Coupa_Contract_Status__c: 'published' });
    expect((await h.user().query<any>(`SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = '${draft.id}'`)).records).toEqual([]);
    const back = await coupaContract(c.id);
    expect(back['custom-fields']?.['salesforce-contract-id'] ?? null).toBeNull();
    expect(back.number).toBe('CPA-77');
    await expectQuiet();
  });

  it('the same field changed on both sides since the last sync lands in the conflict inbox with both values', async () => {
    ({ sfId: sfContractId, coupaId: coupaContractId } = await linkedContract('Parcel 2026'));
    await h.user().sobject('Contract').update({ Id: sfContractId, Description: 'Salesforce says net 30' });
    await coupaEdit(coupaContractId, { description: 'Coupa says net 45' });
    resetCounters();
    await syncBoth();
    await syncBoth();
    expect([sfWrites(), coupaWrites()]).toEqual([0, 0]);

    expect((await sfContract(sfContractId)).Description).toBe('Salesforce says net 30');
    expect((await coupaContract(coupaContractId)).description).toBe('Coupa says net 45');
    const conflicts = await h.store.listConflicts({ status: 'open' });
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    expect(conflicts.every((c) => c.field.toLowerCase() === 'description' && c.sfValue === 'Salesforce says net 30' && c.coupaValue === 'Coupa says net 45')).toBe(true);
    expect(conflicts.every((c) => c.recordKey.endsWith(sfContractId) || c.recordKey.endsWith(`:${coupaContractId}`))).toBe(true);
  });

  it('resolving the conflict writes the winning value to the losing side at once; both systems then agree and stay quiet', async () => {
    const [conflict] = await h.store.listConflicts({ status: 'open' });
    resetCounters();
    expect(await h.engine.resolveConflict(conflict.id, 'coupa', 'ops@example.com')).toEqual({ written: true, action: 'update' });
    expect([sfWrites(), coupaWrites()]).toEqual([1, 0]);
    expect((await sfContract(sfContractId)).Description).toBe('Coupa says net 45');
    expect((await coupaContract(coupaContractId)).description).toBe('Coupa says net 45');
    expect(await h.store.listConflicts({ status: 'open' })).toEqual([]);
    expect(await h.store.listAudit({ action: 'conflict.resolve' })).toEqual([
      expect.objectContaining({ actor: 'ops@example.com', detail: expect.objectContaining({ id: conflict.id, winner: 'coupa', written: true }) }),
    ]);
    await expectQuiet();
    expect(await h.store.listConflicts({ status: 'open' })).toEqual([]);
  });

  it('a published Coupa contract whose supplier has no Salesforce Account lands in dead letters with a readable reason', async () => {
    const lone = await h.coupaApi('POST', '/api/suppliers', { name: 'No Account GmbH', number: 'SUP-9', status: 'active' });
    const c = await h.coupaApi('POST', '/api/contracts', { name: 'Lonely', number: 'CPA-90', supplier: { id: lone.id }, status: 'published', 'start-date': '2026-01-01' });
    const s = await run(CONTRACT_TO_SALESFORCE);
    expect(s.status).toBe('partial');
    const dead = await h.store.listDeadLetters({ flow: CONTRACT_TO_SALESFORCE, status: 'open' });
    expect(dead).toEqual([expect.objectContaining({ recordKey: `coupa:contracts:${c.id}`, errorClass: 'validation' })]);
    expect(dead[0].message).toMatch(new RegExp(`no Account has Coupa_Supplier_Id__c = ${lone.id} \\(is the Coupa supplier synced`));

    // Once the supplier has its Account, the dead letter replays into a Contract.
    await h.user().sobject('Account').create({ Name: 'No Account GmbH', Coupa_Supplier_Id__c: String(lone.id) });
    expect(await h.engine.replay(dead[0].id, 'ops@example.com')).toEqual({ ok: true });
    expect((await h.user().query<any>(`SELECT Name FROM Contract WHERE Coupa_Contract_Id__c = '${c.id}'`)).records).toEqual([expect.objectContaining({ Name: 'Lonely' })]);
  });

  it('a Contract activated on an Account not linked to a Coupa supplier lands in dead letters with a readable reason', async () => {
    const stray = ((await h.user().sobject('Account').create({ Name: 'Unlinked Vendor' })) as any).id;
    const id = ((await h.user().sobject('Contract').create({ AccountId: stray, Name: 'Orphan', Status: 'Draft', StartDate: '2026-01-01', ContractTerm: 6 })) as any).id;
    await h.user().sobject('Contract').update({ Id: id, Status: 'Activated' });
    const s = await run(CONTRACT_TO_COUPA);
    expect(s.status).toBe('partial');
    const dead = await h.store.listDeadLetters({ flow: CONTRACT_TO_COUPA, status: 'open' });
    expect(dead).toEqual([expect.objectContaining({ recordKey: `salesforce:Contract:${id}`, errorClass: 'validation' })]);
    expect(dead[0].message).toMatch(/not linked to a Coupa supplier/);
  });

  it('a Contract without a Name gets a sensible Coupa name ("<Account> contract <number>") instead of a dead letter', async () => {
    const id = ((await h.user().sobject('Contract').create({ AccountId: accountId, Status: 'Draft', StartDate: '2026-02-01', ContractTerm: 6 })) as any).id;
    await h.user().sobject('Contract').update({ Id: id, Status: 'Activated' });
    const s = await run(CONTRACT_TO_COUPA);
    expect(s.counts).toMatchObject({ created: 1, deadLettered: 0 });
    const sf = await sfContract(id);
    const [created] = await h.coupaApi('GET', `/api/contracts?custom_fields[salesforce-contract-id]=${id}`);
    expect(created.name).toBe(`Acme Logistics contract ${sf.ContractNumber}`);
    // Coupa's name comes back as our own write: the Salesforce Name stays as its owner left it.
    await run(CONTRACT_TO_SALESFORCE);
    expect((await sfContract(id)).Name ?? null).toBeNull();
  });

  it('a Coupa contract ending on a month end keeps its end date in Salesforce (Jan 31 → Feb 28 is a one-month term)', async () => {
    const c = await h.coupaApi('POST', '/api/contracts', {
      name: 'February cover',
      number: 'CPA-228',
      supplier: { id: supplierId },
      status: 'published',
      'start-date': '2026-01-31',
      'end-date': '2026-02-28'
    });
    expect((await run(CONTRACT_TO_SALESFORCE)).counts.created).toBe(1);
    const [row] = (await h.user().query<any>(`SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = '${c.id}'`)).records;
    const sf = await sfContract(row.Id);
    expect(sf.ContractTerm).toBe(1);
    // Salesforce's own month arithmetic (StartDate + 1 month − 1 day) lands within February, never in March.
    expect(sf.EndDate.slice(0, 7)).toBe('2026-02');
  });

  it("contract value, currency, renewal terms and an amendment's parent cross from Coupa; a value negotiated in Salesforce goes back", async () => {
    const parent = await h.coupaApi('POST', '/api/contracts', {
      name: 'Master services',
      number: 'CPA-900',
      supplier: { id: supplierId },
      status: 'published',
      'start-date': '2026-01-01',
      'end-date': '2026-12-31',
      'maximum-value': 120000,
      currency: { code: 'USD' },
      'term-type': 'auto_renew',
      'renewal-length-value': 12,
      'renewal-length-unit': 'months',
      'no-of-renewals': 2
    });
    const amendment = await h.coupaApi('POST', '/api/contracts', {
      name: 'Master services — amendment 1',
      number: 'CPA-900-A1',
      supplier: { id: supplierId },
      status: 'published',
      'start-date': '2026-06-01',
      'end-date': '2026-12-31',
      'maximum-value': 150000,
      currency: { code: 'USD' },
      parent: { id: parent.id }
    });
    await run(CONTRACT_TO_SALESFORCE);
    const contract = async (coupaId: number) =>
      (
        await h
          .user()
          .query<any>(
            `SELECT Id, Contract_Value__c, Contract_Currency__c, Coupa_Term_Type__c, Coupa_Renewal_Length__c, Coupa_Renewals__c, Coupa_Parent_Contract_Id__c FROM Contract WHERE Coupa_Contract_Id__c = '${coupaId}'`
          )
      ).records[0];
    const master = await contract(parent.id);
    expect(master).toMatchObject({
      Contract_Value__c: 120000,
      Contract_Currency__c: 'USD',
      Coupa_Term_Type__c: 'auto_renew',
      Coupa_Renewal_Length__c: '12 months',
      Coupa_Renewals__c: 2,
      Coupa_Parent_Contract_Id__c: null
    });
    expect(await contract(amendment.id)).toMatchObject({ Contract_Value__c: 150000, Coupa_Parent_Contract_Id__c: String(parent.id) });

    // Renegotiated in Salesforce: the value reaches Coupa once, and nothing bounces back.
    await run(CONTRACT_TO_COUPA);
    await h.user().sobject('Contract').update({ Id: master.Id, Contract_Value__c: 135000 });
    resetCounters();
    await syncBoth();
    expect(Number((await coupaContract(parent.id))['maximum-value'])).toBe(135000);
    expect(coupaWrites()).toBe(1);
    await expectQuiet();
  });
});
