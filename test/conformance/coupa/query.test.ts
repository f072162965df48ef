import { fields, requisitionBody, startHarness, type Harness } from './helpers';

describe('Coupa emulator: pagination, ordering, filters, fields, return_object', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 1; i <= 120; i++) {
      h.emu.control.create('suppliers', {
        name: `Supplier ${String(i).padStart(3, '0')}`,
        number: `N${i}`,
        status: i % 10 === 0 ? 'inactive' : 'active',
        'po-email': i % 3 === 0 ? null : `po${i}@example.com`,
        'custom-fields': { 'salesforce-account-id': i === 7 ? '001AAA' : null },
      });
    }
  });
  afterAll(() => h.close());

  it('pages 120 records with limit/offset: 50 + 50 + 20, ascending id, no overlap', async () => {
    const ids: number[] = [];
    const sizes: number[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = await h.api('GET', `/api/suppliers?limit=50&offset=${offset}`);
      expect(page.status).toBe(200);
      expect(Array.isArray(page.body)).toBe(true);
      sizes.push(page.body.length);
      ids.push(...page.body.map((s: any) => s.id));
      if (page.body.length < 50) break;
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(new Set(ids).size).toBe(120);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('defaults to 50 rows and rejects limit > 50 (strict) with a 400 errors body', async () => {
    expect((await h.api('GET', '/api/suppliers')).body).toHaveLength(50);
    const res = await h.api('GET', '/api/suppliers?limit=51');
    expect(res.status).toBe(400);
    expect(res.body.errors.supplier[0]).toMatch(/limit/);
  });

  it('orders by a field in both directions', async () => {
    const desc = await h.api('GET', '/api/suppliers?order_by=name&dir=desc&limit=2');
    expect(desc.body.map((s: any) => s.name)).toEqual(['Supplier 120', 'Supplier 119']);
    const asc = await h.api('GET', '/api/suppliers?order_by=number&dir=asc&limit=2');
    expect(asc.body.map((s: any) => s.number)).toEqual(['N1', 'N10']);
    expect((await h.api('GET', '/api/suppliers?order_by=nonsense')).status).toBe(400);
  });

  const names = async (query: string) => {
    const res = await h.api('GET', `/api/suppliers?${query}&limit=50`);
    expect(res.status).toBe(200);
    return res.body.map((s: any) => s.name as string);
  };

  it.each([
    ['name=Supplier 005', ['Supplier 005']],
    ['name[contains]=11', ['Supplier 011', 'Supplier 110', 'Supplier 111', 'Supplier 112', 'Supplier 113', 'Supplier 114', 'Supplier 115', 'Supplier 116', 'Supplier 117', 'Supplier 118', 'Supplier 119']],
    ['name[starts_with]=Supplier 10', ['Supplier 100', 'Supplier 101', 'Supplier 102', 'Supplier 103', 'Supplier 104', 'Supplier 105', 'Supplier 106', 'Supplier 107', 'Supplier 108', 'Supplier 109']],
    ['name[ends_with]=20', ['Supplier 020', 'Supplier 120']],
    ['number[in]=N3,N4,N999', ['Supplier 003', 'Supplier 004']],
    ['name[gt]=Supplier 118', ['Supplier 119', 'Supplier 120']],
    ['name[gt_or_eq]=Supplier 119', ['Supplier 119', 'Supplier 120']],
    ['name[lt]=Supplier 002', ['Supplier 001']],
    ['name[lt_or_eq]=Supplier 002', ['Supplier 001', 'Supplier 002']],
    ['id[gt]=117', ['Supplier 118', 'Supplier 119', 'Supplier 120']],
    ['status[not_eq]=active&name[starts_with]=Supplier 0', ['Supplier 010', 'Supplier 020', 'Supplier 030', 'Supplier 040', 'Supplier 050', 'Supplier 060', 'Supplier 070', 'Supplier 080', 'Supplier 090']],
    ['status[not_in]=active,draft&id[lt]=25', ['Supplier 010', 'Supplier 020']],
    ['po-email[blank]=true&id[lt]=10', ['Supplier 003', 'Supplier 006', 'Supplier 009']],
    ['po_email[blank]=false&id[lt]=4', ['Supplier 001', 'Supplier 002']],
    ['custom_fields[salesforce-account-id]=001AAA', ['Supplier 007']],
  ])('filter %s', async (query, expected) => {
    expect(await names(query)).toEqual(expected);
  });

  it('no match is 200 []; unknown id is 404; unknown attribute is 400', async () => {
    const none = await h.api('GET', '/api/suppliers?name=Nobody');
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
    expect((await h.api('GET', '/api/suppliers/999999')).status).toBe(404);
    expect((await h.api('GET', '/api/suppliers?colour=red')).status).toBe(400);
  });

  it('compares strings case-insensitively (contains, starts_with, ends_with, equality, in) as a real instance does', async () => {
    expect(await names('name[contains]=supplier 11')).toEqual(['Supplier 110', 'Supplier 111', 'Supplier 112', 'Supplier 113', 'Supplier 114', 'Supplier 115', 'Supplier 116', 'Supplier 117', 'Supplier 118', 'Supplier 119']);
    expect(await names('name[starts_with]=SUPPLIER 12')).toEqual(['Supplier 120']);
    expect(await names('name[ends_with]=PLIER 007')).toEqual(['Supplier 007']);
    expect(await names('name=supplier 042')).toEqual(['Supplier 042']);
    expect(await names('number[in]=n5,N6')).toEqual(['Supplier 005', 'Supplier 006']);
    expect(await names('custom_fields[salesforce-account-id]=001aaa')).toEqual(['Supplier 007']);
  });

  it('filters datetimes (underscore or dash names, date-only = midnight UTC) and refuses string operators on them', async () => {
    const all = await names('updated_at[gt]=2000-01-01');
    expect(all).toHaveLength(50);
    expect(await names('updated-at[lt]=2000-01-01T00:00:00%2B00:00')).toEqual([]);
    const bad = await h.api('GET', '/api/suppliers?updated_at[contains]=2020');
    expect(bad.status).toBe(400);
    expect((await h.api('GET', '/api/suppliers?updated_at[gt]=yesterday')).status).toBe(400);
  });

  it('filters through associations and one-to-many collections', async () => {
    const r1 = await h.api('POST', '/api/requisitions', { body: requisitionBody(['Supplier 001']) });
    const r2 = await h.api('POST', '/api/requisitions', { body: requisitionBody(['Supplier 002', 'Supplier 003']) });
    expect(r1.status).toBe(201);
    expect(r2.status).toBe(201);
    const byLineSupplier = await h.api('GET', `/api/requisitions?requisition_lines[supplier][name]=Supplier 003`);
    expect(byLineSupplier.body.map((r: any) => r.id)).toEqual([r2.body.id]);
    const byRequester = await h.api('GET', `/api/requisitions?requested-by[login]=jdoe&requisition-lines[supplier][number][in]=N1,N2`);
    expect(byRequester.body.map((r: any) => r.id)).toEqual([r1.body.id, r2.body.id]);
    const byAccountType = await h.api('GET', `/api/accounts?account_type[name]=Chart of Accounts&segment-1=200`);
    expect(byAccountType.body.map((a: any) => a.code)).toEqual(['200-6100']);
  });

  it('maps /api/users?status=active to active=true', async () => {
    h.emu.control.create('users', { login: 'gone', email: 'gone@example.com', firstname: 'G', lastname: 'One', active: false });
    const active = await h.api('GET', '/api/users?status=active');
    expect(active.body.map((u: any) => u.login)).not.toContain('gone');
    const inactive = await h.api('GET', '/api/users?status=inactive');
    expect(inactive.body.map((u: any) => u.login)).toEqual(['gone']);
  });

  it('projects fields=[…] including nested objects and custom_fields', async () => {
    const res = await h.api('GET', `/api/suppliers?id=7&${fields(['id', 'name', { primary_contact: ['email'] }, { custom_fields: {} }, { payment_term: ['code'] }])}`);
    expect(res.body).toEqual([{ id: 7, name: 'Supplier 007', 'custom-fields': { 'salesforce-account-id': '001AAA' } }]);
    const req = await h.api('GET', `/api/requisitions?${fields(['id', { requisition_lines: ['line_num', { supplier: ['name'] }] }])}&limit=1`);
    expect(req.body[0]).toEqual({ id: req.body[0].id, 'requisition-lines': [{ 'line-num': 1, supplier: { name: 'Supplier 001' } }] });
    expect((await h.api('GET', '/api/suppliers?fields=notjson')).status).toBe(400);
  });

  it('return_object=limited|shallow on reads; none only on writes', async () => {
    const limited = await h.api('GET', '/api/suppliers?id=1&return_object=limited');
    expect(limited.body).toEqual([{ id: 1 }]);
    const shallow = await h.api('GET', '/api/requisitions?return_object=shallow&limit=1');
    expect(shallow.body[0]['requested-by']).toEqual(expect.objectContaining({ id: expect.any(Number), login: 'jdoe' }));
    expect(shallow.body[0]['requested-by']).not.toHaveProperty('created-by');
    expect(shallow.body[0]).not.toHaveProperty('approvals');
    const full = await h.api('GET', '/api/requisitions?limit=1');
    expect(full.body[0]['requested-by']).toHaveProperty('created-at');
    expect((await h.api('GET', '/api/suppliers?return_object=none')).status).toBe(400);
    const none = await h.api('PUT', '/api/suppliers/1?return_object=none', { body: { website: 'https://x.example' } });
    expect(none.status).toBe(200);
    expect(none.body).toBeUndefined();
    const created = await h.api('POST', '/api/suppliers?return_object=limited', { body: { name: 'Limited Co' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number) });
  });

  it('answers dash-case JSON and accepts underscore input keys', async () => {
    const res = await h.api('POST', '/api/suppliers', { body: { name: 'Under Score', po_method: 'email', po_email: 'a@b.example', invoice_matching_level: '2-way' } });
    expect(res.status).toBe(201);
    expect(res.body['po-method']).toBe('email');
    expect(res.body['invoice-matching-level']).toBe('2-way');
    expect(Object.keys(res.body).some((k) => k.includes('_'))).toBe(false);
    expect(res.body['created-at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-08:00$/);
  });
});

describe('Coupa emulator: seed 0 is an empty company', () => {
  it('has the base data (users, addresses, accounts, reference data) and no documents or suppliers', async () => {
    const h = await startHarness({ seed: 0 });
    try {
      for (const r of ['suppliers', 'requisitions', 'purchase_orders', 'invoices', 'contracts', 'budget_lines', 'supplier_information']) {
        const res = await h.api('GET', `/api/${r}`);
        expect([r, res.status, res.body]).toEqual([r, 200, []]);
      }
      const users = await h.api('GET', '/api/users');
      expect(users.body.map((u: any) => u.login).sort()).toEqual(['approver', 'integration', 'jdoe']);
      expect((await h.api('GET', '/api/accounts')).body).toHaveLength(3);
      // A seeded size still gives at least one of each.
      h.emu.control.reset(10);
      expect(h.emu.control.count('suppliers')).toBe(1);
      expect(h.emu.control.count('invoices')).toBeGreaterThanOrEqual(1);
    } finally {
      await h.close();
    }
  });
});

describe("Coupa emulator: undocumentedFilters 'ignore' (an instance that does not apply custom-field filters)", () => {
  it('custom_fields[…] filters apply by default; in ignore mode they, and unknown-attribute filters, are dropped', async () => {
    const seedTwo = (h: Harness) => {
      h.emu.control.create('suppliers', { name: 'One', status: 'active', 'custom-fields': { 'salesforce-account-id': '001A' } });
      h.emu.control.create('suppliers', { name: 'Two', status: 'active', 'custom-fields': { 'salesforce-account-id': '001B' } });
    };
    const strict = await startHarness();
    const ignoring = await startHarness({ undocumentedFilters: 'ignore' });
    try {
      seedTwo(strict);
      seedTwo(ignoring);
      const names = async (h: Harness, q: string) => {
        const res = await h.api('GET', `/api/suppliers?${q}`);
        return [res.status, res.status === 200 ? res.body.map((s: any) => s.name) : res.body];
      };
      expect(await names(strict, 'custom_fields[salesforce-account-id]=001B')).toEqual([200, ['Two']]);
      expect((await names(strict, 'colour=red'))[0]).toBe(400);
      expect(await names(ignoring, 'custom_fields[salesforce-account-id]=001B')).toEqual([200, ['One', 'Two']]);
      expect(await names(ignoring, 'custom_fields[salesforce-account-id][in]=001B,001C')).toEqual([200, ['One', 'Two']]);
      expect(await names(ignoring, 'colour=red')).toEqual([200, ['One', 'Two']]);
      // Documented filters still apply.
      expect(await names(ignoring, 'name=two&custom_fields[salesforce-account-id]=001A')).toEqual([200, ['Two']]);
    } finally {
      await strict.close();
      await ignoring.close();
    }
  });
});
