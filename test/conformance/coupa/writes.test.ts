import { fields, pendingApprovalId, requisitionBody, startHarness, type Harness } from './helpers';

describe('Coupa emulator: validation errors and write rules', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('POST', '/api/suppliers', { body: { name: 'Acme', number: 'A-1', status: 'active' } });
    await h.api('POST', '/api/suppliers', { body: { name: 'Dormant', number: 'D-1', status: 'inactive' } });
  });
  afterAll(() => h.close());

  it("answers 400 {errors: {<resource>: [\"<Field> can't be blank\"]}} for missing required fields", async () => {
    const res = await h.api('POST', '/api/contracts', { body: { name: 'No number' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: { contract: expect.arrayContaining(["Number can't be blank", "Supplier can't be blank"]) } });
  });

  it('enforces uniqueness of supplier name and number', async () => {
    const dupName = await h.api('POST', '/api/suppliers', { body: { name: 'Acme' } });
    expect(dupName.status).toBe(400);
    expect(dupName.body.errors.supplier).toContain('Name has already been taken');
    const dupNumber = await h.api('POST', '/api/suppliers', { body: { name: 'Acme 2', number: 'A-1' } });
    expect(dupNumber.body.errors.supplier).toContain('Number has already been taken');
  });

  it('validates Swagger enums and Coupa status lists', async () => {
    const res = await h.api('POST', '/api/suppliers', { body: { name: 'Enum Co', 'po-method': 'pigeon' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.supplier[0]).toMatch(/^Po method must be one of cxml, xml, email/);
    const status = await h.api('POST', '/api/suppliers', { body: { name: 'Status Co', status: 'onboarding' } });
    expect(status.body.errors.supplier[0]).toBe('Supplier status must be one of active, inactive, draft.');
  });

  it('reports an unknown association key the Coupa way', async () => {
    const res = await h.api('POST', '/api/requisitions', { body: { ...requisitionBody(['Acme']), 'requested-by': { login: 'nobody' } } });
    expect(res.status).toBe(400);
    expect(res.body.errors.requisition_header[0]).toBe(
      'Unable to find valid User record for requested_by with keys {"login"=>"nobody"}. Possible keys are ["id","login","email","employee-number"].',
    );
  });

  it('refuses inactive suppliers on lines, unknown attributes and unconfigured custom fields', async () => {
    const inactive = await h.api('POST', '/api/requisitions', { body: requisitionBody(['Dormant']) });
    expect(inactive.status).toBe(400);
    expect(inactive.body.errors.requisition_header[0]).toMatch(/inactive/);
    const unknown = await h.api('POST', '/api/suppliers', { body: { name: 'X Co', colour: 'red' } });
    expect(unknown.body.errors.supplier).toContain("unknown attribute 'colour' for Supplier");
    const cf = await h.api('POST', '/api/suppliers', { body: { name: 'Y Co', 'custom-fields': { 'not-configured': 'x' } } });
    expect(cf.status).toBe(400);
  });

  it('silently ignores read-only fields (e.g. account code derives from segments)', async () => {
    const acct = await h.api('POST', '/api/accounts', { body: { 'account-type': { name: 'Chart of Accounts' }, 'segment-1': '500', 'segment-2': '8000', code: 'IGNORED' } });
    expect(acct.status).toBe(201);
    expect(acct.body.code).toBe('500-8000');
    const put = await h.api('PUT', `/api/accounts/${acct.body.id}`, { body: { code: 'X' } });
    expect(put.status).toBe(200);
    expect(put.body.code).toBe('500-8000');
  });

  it('appends lines without id, updates lines with id, removes with _delete; duplicate line-num keeps the first', async () => {
    const r = await h.api('POST', '/api/requisitions', { body: requisitionBody(['Acme', 'Acme']) });
    const [l1, l2] = r.body['requisition-lines'];
    const put = await h.api('PUT', `/api/requisitions/${r.body.id}`, {
      body: { requisition_lines: [{ id: l1.id, quantity: 5 }, { id: l2.id, _delete: true }, { description: 'New', quantity: 1, unit_price: 3, currency: { code: 'USD' }, supplier: { name: 'Acme' } }] },
    });
    expect(put.status).toBe(200);
    expect(put.body['requisition-lines'].map((l: any) => [l.description, l.quantity])).toEqual([
      ['Line 1', '5.0'],
      ['New', '1.0'],
    ]);
    const dup = await h.api('POST', '/api/requisitions', {
      body: { ...requisitionBody(['Acme', 'Acme']), 'requisition-lines': requisitionBody(['Acme', 'Acme'])['requisition-lines'].map((l) => ({ ...l, line_num: 1 })) },
    });
    expect(dup.body['requisition-lines']).toHaveLength(1);
  });

  it('bumps updated-at on every change', async () => {
    const s = await h.api('POST', '/api/suppliers', { body: { name: 'Clocked' } });
    h.emu.control.clock.advance(60_000);
    const u = await h.api('PUT', `/api/suppliers/${s.body.id}`, { body: { website: 'https://c.example' } });
    expect(Date.parse(u.body['updated-at'])).toBe(Date.parse(s.body['updated-at']) + 60_000);
    const since = encodeURIComponent(s.body['updated-at']);
    const changed = await h.api('GET', `/api/suppliers?updated_at[gt]=${since}&${fields(['id'])}`);
    expect(changed.body).toEqual([{ id: s.body.id }]);
  });

  it('rejects a body that is not JSON', async () => {
    const tok = await h.token();
    const res = await fetch(`${h.url}/api/suppliers`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, accept: 'application/json', 'content-type': 'application/xml' }, body: '<supplier/>' });
    expect(res.status).toBe(415);
  });
});

describe('Coupa emulator: the exported-flag handshake', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('POST', '/api/suppliers', { body: { name: 'Acme', status: 'active' } });
  });
  afterAll(() => h.close());

  it('exported=false lists, PUT ?exported=true marks (ignoring body changes), API edits keep the flag', async () => {
    const inv = await h.api('POST', '/api/invoices', {
      body: { 'invoice-number': 'E-1', 'invoice-date': '2026-01-01', supplier: { name: 'Acme' }, currency: { code: 'USD' }, 'invoice-lines': [{ description: 'x', price: '5' }] },
    });
    const pending = await h.api('GET', `/api/invoices?exported=false&${fields(['id', 'exported'])}`);
    expect(pending.body).toEqual([{ id: inv.body.id, exported: false }]);
    const mark = await h.api('PUT', `/api/invoices/${inv.body.id}?exported=true&${fields(['id', 'exported'])}`, { body: { comments: 'ignored' } });
    expect(mark.status).toBe(200);
    expect(mark.body).toEqual({ id: inv.body.id, exported: true });
    const after = await h.api('GET', `/api/invoices/${inv.body.id}`);
    expect(after.body.comments).toBeNull();
    expect(after.body['last-exported-at']).not.toBeNull();
    expect((await h.api('GET', '/api/invoices?exported=false')).body).toEqual([]);
    const cf = await h.api('PUT', `/api/invoices/${inv.body.id}?${fields(['id', 'exported', { custom_fields: {} }])}`, { body: { comments: 'edited' } });
    expect(cf.body.exported).toBe(true);
    const readOnly = await h.token(['core.invoice.read']);
    expect((await h.api('PUT', `/api/invoices/${inv.body.id}?exported=true`, { token: readOnly })).status).toBe(403);
  });

  it('a supplier-facing PO change bumps the version and resets exported', async () => {
    const r = await h.api('POST', '/api/requisitions/submit_for_approval', { body: requisitionBody(['Acme']) });
    await h.api('PUT', `/api/approvals/${pendingApprovalId(r.body)}/approve`);
    const po = (await h.api('GET', `/api/purchase_orders?requisition_header[id]=${r.body.id}`)).body[0];
    await h.api('PUT', `/api/purchase_orders/${po.id}?exported=true`);
    const internal = await h.api('PUT', `/api/purchase_orders/${po.id}`, { body: { 'custom-fields': {} } });
    expect(internal.body.exported).toBe(true);
    const changed = await h.api('PUT', `/api/purchase_orders/${po.id}`, { body: { 'ship-to-attention': 'Dock 9' } });
    expect(changed.body.version).toBe(2);
    expect(changed.body.exported).toBe(false);
  });
});
