import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { VERSION, connect, failure, startOrg } from './helpers';

/** The case-safe suffix recomputed independently of the emulator. */
function caseSafe(id15: string): string {
  let out = '';
  for (let b = 0; b < 3; b++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[b * 5 + i])) bits |= 1 << i;
    out += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits];
  }
  return id15 + out;
}

describe('sObject CRUD, upsert and describe through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startOrg();
    conn = await connect(emu);
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  it('create → retrieve → update → destroy, with system fields and 18-char Ids', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Acme', Coupa_Supplier_Id__c: 'SUP-1' });
    expect(created).toEqual({ id: expect.stringMatching(/^001[a-zA-Z0-9]{15}$/), success: true, errors: [] });
    const id = created.id as string;
    expect(caseSafe(id.slice(0, 15))).toBe(id);

    const rec = await conn.sobject('Account').retrieve(id);
    expect(rec.attributes).toEqual({ type: 'Account', url: `/services/data/v${VERSION}/sobjects/Account/${id}` });
    expect(rec).toMatchObject({ Id: id, Name: 'Acme', IsDeleted: false, OwnerId: emu.control.integrationUserId(), CreatedById: emu.control.integrationUserId() });
    expect(rec.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(rec.SystemModstamp).toBe(rec.CreatedDate);

    emu.control.advanceClock(1000);
    const upd = await conn.sobject('Account').update({ Id: id, Industry: 'Energy' });
    expect(upd).toEqual({ id, success: true, errors: [] });
    const after = await conn.sobject('Account').retrieve(id, { fields: ['Industry', 'SystemModstamp', 'LastModifiedDate'] });
    expect(after.Industry).toBe('Energy');
    expect(after.SystemModstamp > (rec.SystemModstamp as string)).toBe(true);
    expect(Object.keys(after)).toEqual(['attributes', 'Industry', 'SystemModstamp', 'LastModifiedDate']);

    // 15-char and wrong-case 18-char Ids address the same record.
    expect((await conn.sobject('Account').retrieve(id.slice(0, 15))).Id).toBe(id);
    expect((await conn.sobject('Account').retrieve(id.slice(0, 15) + id.slice(15).toLowerCase())).Id).toBe(id);

    expect(await conn.sobject('Account').destroy(id)).toEqual({ id, success: true, errors: [] });
    const gone = await failure(conn.sobject('Account').retrieve(id));
    expect(gone.name).toBe('ENTITY_IS_DELETED');
    const all = await conn.query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`, { scanAll: true });
    expect(all.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
  });

  it("Contract EndDate follows Salesforce's month arithmetic: StartDate + ContractTerm months (clamped to the month end) − 1 day", async () => {
    const acct = (await conn.sobject('Account').create({ Name: 'Term Co' })) as { id: string };
    const cases: Array<[string, number, string]> = [
      ['2026-01-01', 12, '2026-12-31'],
      ['2026-11-30', 1, '2026-12-29'],
      ['2026-01-31', 1, '2026-02-27'],
      ['2024-01-31', 1, '2024-02-28'],
      ['2026-03-31', 11, '2027-02-27']
    ];
    for (const [start, term, end] of cases) {
      const { id } = (await conn.sobject('Contract').create({ AccountId: acct.id, StartDate: start, ContractTerm: term, Status: 'Draft' })) as { id: string };
      expect(((await conn.sobject('Contract').retrieve(id)) as { EndDate: string }).EndDate).toBe(end);
    }
  });

  it('a Contract cannot be inserted Activated: insert it as Draft, then activate it with an update', async () => {
    const acct = (await conn.sobject('Account').create({ Name: 'Activation Co' })) as { id: string };
    const refused = await failure(conn.sobject('Contract').create({ AccountId: acct.id, StartDate: '2026-01-01', ContractTerm: 12, Status: 'Activated' }));
    expect(refused.name).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect((await conn.query(`SELECT Id FROM Contract WHERE AccountId = '${acct.id}'`)).totalSize).toBe(0);
    const { id } = (await conn.sobject('Contract').create({ AccountId: acct.id, StartDate: '2026-01-01', ContractTerm: 12, Status: 'Draft' })) as { id: string };
    await conn.sobject('Contract').update({ Id: id, Status: 'Activated' });
    expect(await conn.sobject('Contract').retrieve(id)).toMatchObject({ Status: 'Activated', StatusCode: 'Activated', ActivatedDate: expect.any(String) });
  });

  it('with the org setting "Auto-calculate Contract End Date" off, EndDate is entered, not calculated', async () => {
    const manual = await startOrg({ contractAutoEndDate: false });
    try {
      const c2 = await connect(manual);
      const acct = (await c2.sobject('Account').create({ Name: 'Manual Co' })) as { id: string };
      const { id } = (await c2.sobject('Contract').create({ AccountId: acct.id, StartDate: '2026-01-01', ContractTerm: 12, EndDate: '2026-06-30', Status: 'Draft' })) as { id: string };
      expect(((await c2.sobject('Contract').retrieve(id)) as { EndDate: string }).EndDate).toBe('2026-06-30');
      const describe = await c2.sobject('Contract').describe();
      expect(describe.fields.find((f) => f.name === 'EndDate')).toMatchObject({ createable: true, updateable: true });
      // The default org calculates it and refuses it as input.
      const acct2 = (await conn.sobject('Account').create({ Name: 'Auto Co' })) as { id: string };
      const refused = await failure(conn.sobject('Contract').create({ AccountId: acct2.id, StartDate: '2026-01-01', ContractTerm: 12, EndDate: '2026-06-30', Status: 'Draft' }));
      expect(refused.name).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    } finally {
      await manual.close();
    }
  });

  it('validation errors use the real error codes and messages', async () => {
    const cases: Array<[Record<string, unknown>, string, string, string[] | undefined]> = [
      [{ Industry: 'Energy' }, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']],
      [{ Name: 'x', Bogus__c: 1 }, 'INVALID_FIELD', "No such column 'Bogus__c' on sobject of type Account", undefined],
      [{ Name: 'x'.repeat(256) }, 'STRING_TOO_LONG', `Account Name: data value too large: ${'x'.repeat(80)}... (max length=255)`, ['Name']],
      [{ Name: 'x', OwnerId: 'not-an-id' }, 'MALFORMED_ID', 'Owner ID: id value of incorrect type: not-an-id', ['OwnerId']],
      [{ Name: 'x', CreatedDate: '2020-01-01T00:00:00Z' }, 'INVALID_FIELD_FOR_INSERT_UPDATE', expect.stringContaining('Unable to create/update fields: CreatedDate') as unknown as string, ['CreatedDate']],
    ];
    for (const [body, code, message, fields] of cases) {
      const e = await failure(conn.sobject('Account').create(body));
      expect(e.name).toBe(code);
      expect(e.message).toEqual(message);
      if (fields) expect((e.data as { fields: string[] }).fields).toEqual(fields);
    }
    const pick = await failure(conn.sobject('Legacy_Record__c').create({ Name: 'l', Category__c: 'Food' }));
    expect(pick.name).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(pick.message).toBe('Category: bad value for restricted picklist field: Food');
    const range = await failure(conn.sobject('Legacy_Record__c').create({ Name: 'l', Amount__c: 12345 }));
    expect(range.name).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    const email = await failure(conn.sobject('Contact').create({ LastName: 'x', Email: 'not-an-email' }));
    expect(email.name).toBe('INVALID_EMAIL_ADDRESS');
    const missing = await failure(conn.sobject('Account').retrieve('001000000000000AAA'));
    expect(missing.name).toBe('NOT_FOUND');
    const unknownType = await failure(conn.sobject('Nope__c').create({ Name: 'x' }));
    expect(unknownType.name).toBe('NOT_FOUND');
    const dangling = await failure(conn.sobject('Contact').create({ LastName: 'x', AccountId: '0018d00000000ZZAAA' }));
    expect(['INVALID_CROSS_REFERENCE_KEY', 'MALFORMED_ID']).toContain(dangling.name);
  });

  it('unique External ID: DUPLICATE_VALUE names the existing record', async () => {
    const a = await conn.sobject('Account').create({ Name: 'A', Coupa_Supplier_Id__c: 'DUP' });
    const e = await failure(conn.sobject('Account').create({ Name: 'B', Coupa_Supplier_Id__c: 'dup' }));
    expect(e.name).toBe('DUPLICATE_VALUE');
    expect(e.message).toBe(`duplicate value found: Coupa_Supplier_Id__c duplicates value on record with id: ${a.id}`);
  });

  it('upsert by External ID: 201 created, 200 created:false, 300 MULTIPLE_CHOICES, NOT_FOUND for a non-external field', async () => {
    const first = await conn.sobject('Account').upsert({ Name: 'Up', Coupa_Supplier_Id__c: 'U-1' }, 'Coupa_Supplier_Id__c');
    expect(first).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [], created: true });
    const second = await conn.sobject('Account').upsert({ Name: 'Up 2', Coupa_Supplier_Id__c: 'U-1' }, 'Coupa_Supplier_Id__c');
    expect(second).toEqual({ id: first.id, success: true, errors: [], created: false });
    expect((await conn.sobject('Account').retrieve(first.id as string)).Name).toBe('Up 2');

    await conn.sobject('Legacy_Record__c').create([
      { Name: 'a', Legacy_Key__c: 'K' },
      { Name: 'b', Legacy_Key__c: 'K' },
    ]);
    const multi = await failure(conn.sobject('Legacy_Record__c').upsert({ Name: 'c', Legacy_Key__c: 'K' }, 'Legacy_Key__c'));
    expect(multi.name).toBe('MULTIPLE_CHOICES');
    expect(multi.data).toEqual([expect.stringMatching(new RegExp(`^/services/data/v${VERSION}/sobjects/Legacy_Record__c/`)), expect.any(String)]);

    const bad = await failure(conn.sobject('Account').upsert({ Name: 'x', Name2: 'y' }, 'Name'));
    expect(bad.name).toBe('NOT_FOUND');
    expect(bad.message).toBe('Provided external ID field does not exist or is not accessible: Name');
  });

  it('upsert with a URL-encoded External ID value in the path (jsforce itself does not encode it)', async () => {
    const odd = 'A/B %25 ü?';
    const path = `/sobjects/Account/Coupa_Supplier_Id__c/${encodeURIComponent(odd)}`;
    const patch = (name: string): Promise<{ id: string; created: boolean }> =>
      conn.request({ method: 'PATCH', url: path, body: JSON.stringify({ Name: name }), headers: { 'Content-Type': 'application/json' } });
    const first = await patch('Odd');
    expect(first.created).toBe(true);
    expect(await patch('Odd 2')).toMatchObject({ id: first.id, created: false });
    const rows = await conn.query<{ Coupa_Supplier_Id__c: string; Name: string }>(`SELECT Name, Coupa_Supplier_Id__c FROM Account WHERE Id = '${first.id}'`);
    expect(rows.records[0]).toMatchObject({ Name: 'Odd 2', Coupa_Supplier_Id__c: odd });
  });

  it('upsert on API < 46 answers 204 for an update', async () => {
    const old = new Connection({ instanceUrl: conn.instanceUrl, accessToken: conn.accessToken ?? '', version: '45.0' });
    await old.sobject('Account').upsert({ Name: 'Old', Coupa_Supplier_Id__c: 'O-1' }, 'Coupa_Supplier_Id__c');
    const res = await old.sobject('Account').upsert({ Name: 'Old 2', Coupa_Supplier_Id__c: 'O-1' }, 'Coupa_Supplier_Id__c');
    expect(res).toEqual({ success: true, errors: [] });
  });

  it('lookup set through a related External ID, and cascade delete of master-side children', async () => {
    await conn.sobject('Account').create({ Name: 'Parent', Coupa_Supplier_Id__c: 'P-9' });
    const c = await conn.sobject('Contact').create({ LastName: 'Kid', Account: { Coupa_Supplier_Id__c: 'P-9' } });
    const kid = await conn.sobject('Contact').retrieve(c.id as string);
    const parent = await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = 'P-9'");
    expect(kid.AccountId).toBe(parent.records[0].Id);
    expect(kid.Name).toBe('Kid');
    const e = await failure(conn.sobject('Contact').create({ LastName: 'Orphan', Account: { Coupa_Supplier_Id__c: 'nope' } }));
    expect(e.name).toBe('INVALID_FIELD');
    expect(e.message).toBe('Foreign key external ID: nope not found for field Coupa_Supplier_Id__c in entity Account');
    await conn.sobject('Account').destroy(parent.records[0].Id);
    expect((await conn.query('SELECT Id FROM Contact')).totalSize).toBe(0);
  });

  it('describeGlobal and describe are generated from standard objects and force-app metadata', async () => {
    const global = await conn.describeGlobal();
    const names = global.sobjects.map((s) => s.name);
    for (const n of ['Account', 'Contact', 'Opportunity', 'OpportunityLineItem', 'Product2', 'Pricebook2', 'PricebookEntry', 'Contract', 'User', 'Task', 'RecordType', 'Coupa_Invoice__c', 'Coupa_Spend_Summary__c', 'Coupa_Onboarding_Request__c', 'Legacy_Record__c']) {
      expect(names).toContain(n);
    }
    expect(global.maxBatchSize).toBe(200);
    const acct = await conn.sobject('Account').describe();
    const ext = acct.fields.find((f) => f.name === 'Coupa_Supplier_Id__c');
    expect(ext).toMatchObject({ type: 'string', externalId: true, unique: true, idLookup: true, custom: true, length: 40, nillable: true });
    expect(acct.keyPrefix).toBe('001');
    expect(acct.childRelationships).toEqual(expect.arrayContaining([expect.objectContaining({ childSObject: 'Contact', field: 'AccountId', relationshipName: 'Contacts' })]));
    const inv = await conn.sobject('Coupa_Invoice__c').describe();
    expect(inv.custom).toBe(true);
    expect(inv.keyPrefix).toMatch(/^a[0-9A-Z]{2}$/);
    const lookup = inv.fields.find((f) => f.name === 'Account__c');
    expect(lookup).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account__r' });
    const name = inv.fields.find((f) => f.name === 'Name');
    expect(name?.nameField).toBe(true);
    const legacy = await conn.sobject('Legacy_Record__c').describe();
    expect(legacy.fields.find((f) => f.name === 'Category__c')?.picklistValues?.map((p) => p.value)).toEqual(['Hardware', 'Services']);
    expect(legacy.fields.map((f) => f.name)).toContain('RecordTypeId');
    expect(legacy.recordTypeInfos.map((r) => (r as unknown as { developerName: string }).developerName)).toContain('Standard');
    expect((await failure(conn.sobject('Nope__c').describe())).name).toBe('NOT_FOUND');
  });

  it('serves describe/layouts, compactLayouts, approvalLayouts and namedLayouts; advertises only what it serves', async () => {
    const layouts = await conn.sobject('Account').layouts();
    expect(layouts.layouts).toHaveLength(1);
    const layout = layouts.layouts[0] as unknown as { id: string; detailLayoutSections: Array<{ heading: string; layoutRows: Array<{ layoutItems: Array<{ layoutComponents: Array<{ value: string }> }> }> }> };
    expect(layout.id).toMatch(/^00h[0-9A-Za-z]{15}$/);
    const detailFields = layout.detailLayoutSections.flatMap((sec) => sec.layoutRows.flatMap((r) => r.layoutItems.flatMap((i) => i.layoutComponents.map((c) => c.value))));
    expect(detailFields).toEqual(expect.arrayContaining(['Name', 'Coupa_Supplier_Id__c', 'CreatedById']));
    expect(layouts.recordTypeMappings).toEqual([expect.objectContaining({ recordTypeId: '012000000000000AAA', layoutId: layout.id, master: true })]);
    const compact = await conn.sobject('Contact').compactLayouts();
    expect(compact.compactLayouts).toEqual([expect.objectContaining({ id: null, name: 'SYSTEM', label: 'System Default', objectType: 'Contact' })]);
    expect(compact.defaultCompactLayoutId).toBeNull();
    expect(await conn.sobject('Coupa_Invoice__c').approvalLayouts()).toEqual({ approvalLayouts: [] });
    const named = await failure(conn.request(`/services/data/v${VERSION}/sobjects/User/describe/namedLayouts/UserAlt`));
    expect(named.name).toBe('NOT_FOUND');
    expect((await failure(conn.request(`/services/data/v${VERSION}/sobjects/Nope__c/describe/layouts`))).name).toBe('NOT_FOUND');
    // Every URL describe advertises answers.
    const acct = await conn.sobject('Account').describe();
    for (const [key, url] of Object.entries(acct.urls as Record<string, string>)) {
      if (key === 'rowTemplate') continue;
      await expect(conn.request(url)).resolves.toBeDefined();
    }
    // The resource map lists only served resources, and each answers.
    const map = await conn.request<Record<string, string>>(`/services/data/v${VERSION}`);
    expect(Object.keys(map).sort()).toEqual(['composite', 'identity', 'jobs', 'limits', 'query', 'queryAll', 'sobjects']);
    for (const key of ['sobjects', 'limits']) await expect(conn.request(map[key])).resolves.toBeDefined();
    await expect(conn.request(`${map.jobs}/ingest`)).resolves.toBeDefined();
    await expect(conn.request(`${map.query}?q=SELECT+Id+FROM+Account`)).resolves.toBeDefined();
  });

  it('AutoNumber name fields and record types from metadata', async () => {
    const acc = await conn.sobject('Account').create({ Name: 'Onb' });
    const r1 = await conn.sobject('Coupa_Onboarding_Request__c').create({ Account__c: acc.id });
    const r2 = await conn.sobject('Coupa_Onboarding_Request__c').create({ Account__c: acc.id });
    const rows = await conn.query<{ Name: string }>(`SELECT Name FROM Coupa_Onboarding_Request__c WHERE Id IN ('${r1.id}', '${r2.id}') ORDER BY Name`);
    expect(rows.records.map((r) => r.Name)).toEqual(['OBR-00001', 'OBR-00002']);
    const rts = await conn.query<{ DeveloperName: string }>("SELECT DeveloperName FROM RecordType WHERE SobjectType = 'Legacy_Record__c'");
    expect(rts.records).toEqual([expect.objectContaining({ DeveloperName: 'Standard' })]);
  });

  it('every org has a standard price book; Task.WhatId accepts custom objects with activities enabled, not unrelated objects', async () => {
    const pb = await conn.query<{ Name: string }>('SELECT Name FROM Pricebook2 WHERE IsStandard = true');
    expect(pb.records.map((r) => r.Name)).toEqual(['Standard Price Book']);
    const legacy = await conn.sobject('Legacy_Record__c').create({ Name: 'with tasks' });
    const t = await conn.sobject('Task').create({ Subject: 'Call', WhatId: legacy.id });
    const task = await conn.query<{ Status: string; What: { Name: string } }>(`SELECT Status, What.Name FROM Task WHERE Id = '${t.id}'`);
    expect(task.records[0]).toMatchObject({ Status: 'Not Started', What: { Name: 'with tasks' } });
    const book = await conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 LIMIT 1');
    const e = await failure(conn.sobject('Task').create({ Subject: 'Call', WhatId: book.records[0].Id }));
    expect(e.name).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('opportunity products: price book entries, derived line fields, OpportunityLineItems child query', async () => {
    const book = (await conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records[0].Id;
    const product = await conn.sobject('Product2').create({ Name: 'Widget', ProductCode: 'W-1', IsActive: true });
    const pbe = await conn.sobject('PricebookEntry').create({ Pricebook2Id: book, Product2Id: product.id, UnitPrice: 12.5, IsActive: true });
    const opp = await conn.sobject('Opportunity').create({ Name: 'Deal', StageName: 'Closed Won', CloseDate: '2026-01-15', Pricebook2Id: book });
    const missing = await failure(conn.sobject('OpportunityLineItem').create({ OpportunityId: opp.id, Quantity: 1 }));
    expect(missing.name).toBe('REQUIRED_FIELD_MISSING');
    await conn.sobject('OpportunityLineItem').create({ OpportunityId: opp.id, PricebookEntryId: pbe.id, Quantity: 4 });
    const res = await conn.query<Record<string, unknown>>(
      `SELECT Name, IsWon, IsClosed, FiscalYear, (SELECT Quantity, UnitPrice, TotalPrice, ListPrice, ProductCode, Product2.Name FROM OpportunityLineItems) FROM Opportunity WHERE Id = '${opp.id}'`,
    );
    const row = res.records[0] as { IsWon: boolean; IsClosed: boolean; FiscalYear: number; OpportunityLineItems: { records: Array<Record<string, unknown>> } };
    expect(row).toMatchObject({ IsWon: true, IsClosed: true, FiscalYear: 2026 });
    expect(row.OpportunityLineItems.records[0]).toMatchObject({ Quantity: 4, UnitPrice: 12.5, TotalPrice: 50, ListPrice: 12.5, ProductCode: 'W-1', Product2: { Name: 'Widget' } });
  });

  it('limits, Sforce-Limit-Info and the API counter', async () => {
    emu.control.resetCounters();
    await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 15000 });
    const limits = (await conn.limits()) as unknown as Record<string, { Max: number; Remaining: number }>;
    expect(limits.DailyApiRequests).toEqual({ Max: 15000, Remaining: 15000 - 2 });
    expect(limits.DataStorageMB.Max).toBeGreaterThan(0);
    expect(limits.FileStorageMB.Max).toBeGreaterThan(0);
    expect(emu.control.counters().byEndpoint).toEqual({ query: 1, limits: 1 });

    emu.control.setApiUsage({ used: 15000 });
    const e = await failure(conn.query('SELECT Id FROM Account'));
    expect(e.name).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(e.message).toBe('TotalRequests Limit exceeded.');
    emu.control.resetCounters();
  });

  it('versions list and resource map', async () => {
    const versions = await conn.request<Array<{ version: string; url: string; label: string }>>('/services/data');
    expect(versions).toEqual(expect.arrayContaining([{ version: '62.0', url: '/services/data/v62.0', label: "Winter '25" }]));
    const resources = await conn.request<Record<string, string>>(`/services/data/v${VERSION}`);
    expect(resources.sobjects).toBe(`/services/data/v${VERSION}/sobjects`);
    expect(resources.identity).toMatch(/\/id\/00D/);
  });
});
