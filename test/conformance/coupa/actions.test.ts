import { pendingApprovalId, requisitionBody, startHarness, type Harness } from './helpers';

/** The remaining actions, each with a success and an invalid transition. */
describe('Coupa emulator: remaining lifecycle actions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.api('POST', '/api/suppliers', { body: { name: 'Acme', status: 'active' } });
  });
  afterAll(() => h.close());

  it('approval hold: pending → on_hold → approved; cannot hold twice', async () => {
    const r = await h.api('POST', '/api/requisitions/submit_for_approval', { body: requisitionBody(['Acme']) });
    const id = pendingApprovalId(r.body);
    expect((await h.api('PUT', `/api/approvals/${id}/hold`)).body.status).toBe('on_hold');
    expect((await h.api('PUT', `/api/approvals/${id}/hold`)).status).toBe(400);
    expect((await h.api('PUT', `/api/approvals/${id}/approve`)).body.status).toBe('approved');
    expect((await h.api('GET', `/api/requisitions/${r.body.id}`)).body.status).toBe('ordered');
  });

  it('create_as_cart → cart; save_for_later → draft; save_for_later refused while pending approval', async () => {
    const cart = await h.api('POST', '/api/requisitions/create_as_cart', { body: requisitionBody(['Acme']) });
    expect(cart.status).toBe(201);
    expect(cart.body.status).toBe('cart');
    expect((await h.api('PUT', `/api/requisitions/${cart.body.id}/save_for_later`)).body.status).toBe('draft');
    const submitted = await h.api('PUT', `/api/requisitions/${cart.body.id}/update_and_submit_for_approval`, { body: { justification: 'needed' } });
    expect(submitted.body.status).toBe('pending_approval');
    expect(submitted.body.justification).toBe('needed');
    expect((await h.api('PUT', `/api/requisitions/${cart.body.id}/save_for_later`)).status).toBe(400);
    expect((await h.api('PUT', `/api/requisitions/${cart.body.id}/update_and_submit_for_approval`)).status).toBe(400);
    expect((await h.api('DELETE', `/api/requisitions/${cart.body.id}`)).status).toBe(400);
  });

  it('PO issue / release_from_buyer_hold only from draft / buyer_hold', async () => {
    const po = await h.api('POST', '/api/purchase_orders', {
      body: {
        'po-number': 'EXT-9', supplier: { name: 'Acme' }, 'ship-to-address': { name: 'Headquarters' }, 'ship-to-user': { login: 'jdoe' },
        'order-lines': [{ description: 'x', price: '2', quantity: 1, currency: { code: 'USD' } }],
      },
    });
    expect(po.status).toBe(201);
    expect(po.body.type).toBe('ExternalOrderHeader');
    expect((await h.api('PUT', `/api/purchase_orders/${po.body.id}/issue`)).status).toBe(400);
    h.emu.control.update('purchase_orders', po.body.id, { status: 'buyer_hold' });
    expect((await h.api('PUT', `/api/purchase_orders/${po.body.id}/release_from_buyer_hold`)).body.status).toBe('issued');
    h.emu.control.update('purchase_orders', po.body.id, { status: 'draft' });
    expect((await h.api('PUT', `/api/purchase_orders/${po.body.id}/issue_without_send`)).body.status).toBe('issued');
    const dup = await h.api('POST', '/api/purchase_orders', {
      body: { 'po-number': 'EXT-9', supplier: { name: 'Acme' }, 'ship-to-address': { name: 'Headquarters' }, 'ship-to-user': { login: 'jdoe' }, 'order-lines': [{ description: 'x', price: '2', currency: { code: 'USD' } }] },
    });
    expect(dup.body.errors.order_header).toContain('Po number has already been taken');
  });

  it('contract complete only from published', async () => {
    const c = await h.api('POST', '/api/contracts', { body: { name: 'C', number: 'C-9', supplier: { name: 'Acme' } } });
    expect((await h.api('PUT', `/api/contracts/${c.body.id}/complete`)).status).toBe(400);
    await h.api('PUT', `/api/contracts/${c.body.id}`, { body: { status: 'published' } });
    expect((await h.api('PUT', `/api/contracts/${c.body.id}/complete`)).body.status).toBe('completed');
  });

  it('integration run pause / pending / success / fail arrows', async () => {
    const run = (await h.api('POST', '/api/integration_runs', { body: { integration: { code: 'SFDC' } } })).body;
    expect((await h.api('PUT', `/api/integration_runs/${run.id}/pause`)).status).toBe(400);
    expect((await h.api('PUT', `/api/integration_runs/${run.id}/success`)).status).toBe(400);
    await h.api('PUT', `/api/integration_runs/${run.id}/run`);
    expect((await h.api('PUT', `/api/integration_runs/${run.id}/pause`)).body.status).toBe('paused');
    expect((await h.api('PUT', `/api/integration_runs/${run.id}/pending`)).body.status).toBe('pending');
    await h.api('PUT', `/api/integration_runs/${run.id}/run`);
    const done = await h.api('PUT', `/api/integration_runs/${run.id}/finish`);
    expect(done.body.status).toBe('successful');
    expect(done.body['end-time']).not.toBeNull();
    expect((await h.api('PUT', `/api/integration_runs/${run.id}/fail`)).status).toBe(400);
  });

  it('history record resolve / unresolve; required fields', async () => {
    const bad = await h.api('POST', '/api/integration_history_records', { body: { 'document-type': 'InvoiceHeader' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.integration_history_record).toEqual(expect.arrayContaining(["Document id can't be blank", "Contact alert type can't be blank"]));
    const ok = await h.api('POST', '/api/integration_history_records', {
      body: { 'document-type': 'Supplier', 'document-id': 1, 'contact-alert-type': 'Technical', status: 'Warning' },
    });
    expect((await h.api('PUT', `/api/integration_history_records/${ok.body.id}/resolve`)).body.resolved).toBe(true);
    expect((await h.api('PUT', `/api/integration_history_records/${ok.body.id}/unresolve`)).body.resolved).toBe(false);
  });

  it('budget line delete', async () => {
    const year = new Date().getUTCFullYear();
    const bl = await h.api('POST', '/api/budget_lines', { body: { period: { name: `FY${year}-Q4` }, amount: '10' } });
    expect((await h.api('DELETE', `/api/budget_lines/${bl.body.id}`)).status).toBe(200);
    expect((await h.api('GET', `/api/budget_lines/${bl.body.id}`)).status).toBe(404);
  });
});
