import { pendingApprovalId, requisitionBody, startHarness, type Harness } from './helpers';

describe('Coupa emulator: lifecycle actions and invalid transitions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (const name of ['Acme', 'Globex']) {
      expect((await h.api('POST', '/api/suppliers', { body: { name, status: 'active', 'po-method': 'email', 'po-email': `po@${name.toLowerCase()}.example` } })).status).toBe(201);
    }
  });
  afterAll(() => h.close());

  describe('requisition → approval → purchase order', () => {
    it('creates a draft, submits, approves the last approval, and Coupa issues one PO per supplier', async () => {
      const created = await h.api('POST', '/api/requisitions', {
        body: requisitionBody(['Acme', 'Globex'], { 'custom-fields': { 'salesforce-opportunity-id': '006000000000001' } }),
      });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('draft');
      expect(created.body.total).toBe('42.0');
      expect(created.body['line-count']).toBe(2);

      const submitted = await h.api('PUT', `/api/requisitions/${created.body.id}/update_and_submit_for_approval`);
      expect(submitted.status).toBe(200);
      expect(submitted.body.status).toBe('pending_approval');
      const approval = submitted.body['current-approval'];
      expect(approval).toEqual(expect.objectContaining({ status: 'pending_approval', 'approvable-type': 'RequisitionHeader', 'approvable-id': created.body.id }));
      expect(approval.approver.login).toBe('approver');

      expect((await h.api('PUT', `/api/requisitions/${created.body.id}`, { body: { justification: 'late edit' } })).status).toBe(400);

      const approved = await h.api('PUT', `/api/approvals/${approval.id}/approve`);
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('approved');
      expect((await h.api('PUT', `/api/approvals/${approval.id}/approve`)).status).toBe(400);
      expect((await h.api('PUT', `/api/approvals/${approval.id}/reject`)).status).toBe(400);

      const req = await h.api('GET', `/api/requisitions/${created.body.id}`);
      expect(req.body.status).toBe('ordered');
      expect(req.body['requisition-lines'].every((l: any) => typeof l['order-line-id'] === 'number')).toBe(true);
      const pos = await h.api('GET', `/api/purchase_orders?requisition_header[id]=${created.body.id}`);
      expect(pos.body).toHaveLength(2);
      expect(pos.body.map((p: any) => p.status)).toEqual(['issued', 'issued']);
      expect(pos.body.map((p: any) => p.supplier.name).sort()).toEqual(['Acme', 'Globex']);
      expect(pos.body[0]['order-lines'][0]).toEqual(expect.objectContaining({ price: '10.5', quantity: '2.0', total: '21.0' }));
      expect(pos.body[0]['transmission-status']).toBe('sent_via_email');
      const lines = await h.api('GET', `/api/purchase_order_lines?order_header_id[in]=${pos.body.map((p: any) => p.id).join(',')}&account[code]=100-6000`);
      expect(lines.body.map((l: any) => l['order-header-number']).sort()).toEqual(pos.body.map((p: any) => p['po-number']).sort());
      const one = await h.api('GET', `/api/purchase_order_lines/${lines.body[0].id}`);
      expect(one.body.supplier.name).toBeDefined();
    });

    it('POST /requisitions/new/submit_for_approval (the documented path) creates and submits too', async () => {
      const res = await h.api('POST', '/api/requisitions/new/submit_for_approval', { body: requisitionBody(['Acme']) });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('pending_approval');
      expect(pendingApprovalId(res.body)).toBeGreaterThan(0);
      const bad = await h.api('POST', '/api/requisitions/new/submit_for_approval', { body: { ...requisitionBody(['Acme']), 'ship-to-address': null } });
      expect(bad.status).toBe(400);
    });

    it('POST /requisitions/submit_for_approval creates and submits; reject returns the requisition to draft with the reason', async () => {
      const res = await h.api('POST', '/api/requisitions/submit_for_approval', { body: requisitionBody(['Acme']) });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('pending_approval');
      const rejected = await h.api('PUT', `/api/approvals/${res.body['current-approval'].id}/reject?reason=Over%20budget`);
      expect(rejected.body.status).toBe('rejected');
      const req = await h.api('GET', `/api/requisitions/${res.body.id}`);
      expect(req.body.status).toBe('draft');
      expect(req.body['reject-reason-comment']).toBe('Over budget');
    });

    it('refuses to submit without lines or ship-to; lines without supplier need buyer action', async () => {
      const empty = await h.api('POST', '/api/requisitions', { body: { 'requested-by': { login: 'jdoe' }, 'ship-to-address': { name: 'Headquarters' } } });
      const noLines = await h.api('PUT', `/api/requisitions/${empty.body.id}/update_and_submit_for_approval`);
      expect(noLines.status).toBe(400);
      expect(noLines.body.errors.requisition_header[0]).toMatch(/at least one line/);
      const noShip = await h.api('POST', '/api/requisitions/submit_for_approval', { body: { ...requisitionBody(['Acme']), 'ship-to-address': null } });
      expect(noShip.status).toBe(400);
      const body = requisitionBody(['Acme']);
      delete (body['requisition-lines'][0] as any).supplier;
      const buyer = await h.api('POST', '/api/requisitions/submit_for_approval', { body });
      expect(buyer.body.status).toBe('pending_buyer_action');
    });

    it('deletes only draft requisitions', async () => {
      const r = await h.api('POST', '/api/requisitions', { body: requisitionBody(['Acme']) });
      expect((await h.api('DELETE', `/api/requisitions/${r.body.id}`)).status).toBe(200);
      expect((await h.api('GET', `/api/requisitions/${r.body.id}`)).status).toBe(404);
    });
  });

  describe('purchase orders', () => {
    let poId: number;
    beforeAll(async () => {
      const r = await h.api('POST', '/api/requisitions/submit_for_approval', { body: requisitionBody(['Acme']) });
      await h.api('PUT', `/api/approvals/${r.body['current-approval'].id}/approve`);
      poId = (await h.api('GET', `/api/purchase_orders?requisition_header[id]=${r.body.id}`)).body[0].id;
    });

    it('close → reopen → cancel, and refuses invalid transitions', async () => {
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/reopen`)).status).toBe(400);
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/close`)).body.status).toBe('closed');
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/close`)).status).toBe(400);
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/reopen`)).body.status).toBe('issued');
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/release_from_buyer_hold`)).status).toBe(400);
      const cancelled = await h.api('PUT', `/api/purchase_orders/${poId}/cancel`);
      expect(cancelled.body.status).toBe('cancelled');
      expect((await h.api('PUT', `/api/purchase_orders/${poId}/cancel`)).status).toBe(400);
      expect((await h.api('PUT', `/api/purchase_orders/${poId}`, { body: { 'ship-to-attention': 'x' } })).status).toBe(400);
    });
  });

  describe('invoices', () => {
    const invoiceBody = (n: string) => ({
      'invoice-number': n,
      'invoice-date': '2026-01-15',
      supplier: { name: 'Acme' },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Widgets', price: '100.00', quantity: 2 }],
      'tax-amount': '16.00',
    });

    it('create draft → submit → approve → record payments → paid; void refused once paid', async () => {
      const inv = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-1') });
      expect(inv.status).toBe(201);
      expect(inv.body.status).toBe('draft');
      expect(inv.body['gross-total']).toBe('216.0');
      expect(inv.body['net-due-date']).toBeNull();
      const termed = await h.api('POST', '/api/invoices', { body: { ...invoiceBody('INV-1T'), 'payment-term': { code: 'Net 30' } } });
      expect(termed.body['invoice-date']).toBe('2026-01-15T00:00:00-08:00');
      expect(termed.body['net-due-date']).toBe('2026-02-14T00:00:00-08:00');
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}`, { body: { payments: [{ amount_paid: '1' }] } })).status).toBe(400);
      const submitted = await h.api('PUT', `/api/invoices/${inv.body.id}/submit`);
      expect(submitted.body.status).toBe('pending_approval');
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/submit`)).status).toBe(400);
      await h.api('PUT', `/api/approvals/${pendingApprovalId(submitted.body)}/approve`);
      const paid1 = await h.api('PUT', `/api/invoices/${inv.body.id}`, {
        body: { payments: [{ check_number: 'C1', amount_paid: '200', payment_date: '9/12/2026' }] },
      });
      expect(paid1.status).toBe(200);
      expect(paid1.body.paid).toBe(false);
      expect(paid1.body.payments).toHaveLength(1);
      const paid2 = await h.api('PUT', `/api/invoices/${inv.body.id}`, {
        body: { paid: 'true', 'payment-date': '2026-09-13T00:00:00Z', payments: { payment: [{ 'amount-paid': '16.00', notes: 'rest' }] } },
      });
      expect(paid2.body.paid).toBe(true);
      expect(paid2.body['payment-date']).toBe('2026-09-12T16:00:00-08:00');
      expect(paid2.body.payments.map((p: any) => p['amount-paid'])).toEqual(['200.0', '16.0']);
      expect(paid2.body.payments[0]['payable-type']).toBe('InvoiceHeader');
      expect(paid2.body['amount-due']).toBe('0.0');
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/void`)).status).toBe(400);
    });

    it('a disputed invoice returns its dispute reason; a fully paid invoice cannot be disputed', async () => {
      const inv = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-D1') });
      expect(inv.body['dispute-reasons']).toEqual([]);
      const submitted = await h.api('PUT', `/api/invoices/${inv.body.id}/submit`);
      const disputed = await h.api('PUT', `/api/invoices/${inv.body.id}/dispute`, { body: { 'dispute-reason': { code: 'INCORRECT-QUANTITY' } } });
      expect(disputed.status).toBe(200);
      expect(disputed.body['dispute-reasons']).toEqual([expect.objectContaining({ code: 'INCORRECT-QUANTITY', description: expect.any(String) })]);
      expect((await h.api('GET', `/api/invoices/${inv.body.id}`)).body['dispute-reasons'][0].code).toBe('INCORRECT-QUANTITY');
      const withdrawn = await h.api('PUT', `/api/invoices/${inv.body.id}/withdraw_dispute`);
      expect(withdrawn.body['dispute-reasons']).toEqual([]);
      expect(submitted.status).toBe(200);

      const paid = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-D2') });
      const sub = await h.api('PUT', `/api/invoices/${paid.body.id}/submit`);
      await h.api('PUT', `/api/approvals/${pendingApprovalId(sub.body)}/approve`);
      await h.api('PUT', `/api/invoices/${paid.body.id}`, { body: { payments: [{ amount_paid: '216.00' }], paid: true } });
      const refused = await h.api('PUT', `/api/invoices/${paid.body.id}/dispute`, { body: { 'dispute-reason': { code: 'OTHER' } } });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body.errors)).toMatch(/paid/i);
      expect((await h.api('GET', `/api/invoices/${paid.body.id}`)).body.status).toBe('approved');
    });

    it('dispute needs an active reason code; withdraw_dispute returns to approval; void from draft; abandon', async () => {
      const inv = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-2') });
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/dispute`, { body: { 'dispute-reason': { code: 'INCORRECT-PRICE' } } })).status).toBe(400);
      await h.api('PUT', `/api/invoices/${inv.body.id}/submit`);
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/dispute`, { body: { 'dispute-reason': { code: 'NOPE' } } })).status).toBe(400);
      const disputed = await h.api('PUT', `/api/invoices/${inv.body.id}/dispute`, { body: { 'dispute-reason': { code: 'INCORRECT-PRICE' }, comment: 'Price differs from PO' } });
      expect(disputed.body.status).toBe('disputed');
      expect(disputed.body.comments).toBe('Price differs from PO');
      const withdrawn = await h.api('PUT', `/api/invoices/${inv.body.id}/withdraw_dispute`);
      expect(withdrawn.body.status).toBe('pending_approval');
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/withdraw_dispute`)).status).toBe(400);

      const draft = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-3') });
      expect((await h.api('PUT', `/api/invoices/${draft.body.id}/void`)).body.status).toBe('voided');
      const other = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-4') });
      expect((await h.api('PUT', `/api/invoices/${other.body.id}/abandon`)).body.status).toBe('abandoned');
      expect((await h.api('PUT', `/api/invoices/${other.body.id}/void`)).status).toBe(400);
      expect((await h.api('DELETE', `/api/invoices/${other.body.id}`)).status).toBe(400);
    });

    it('void and abandon need core.invoice.delete', async () => {
      const inv = await h.api('POST', '/api/invoices', { body: invoiceBody('INV-5') });
      const tok = await h.token(['core.invoice.read', 'core.invoice.write']);
      expect((await h.api('PUT', `/api/invoices/${inv.body.id}/void`, { token: tok })).status).toBe(403);
    });

    it('links invoice lines to PO lines', async () => {
      const po = (await h.api('GET', '/api/purchase_orders?limit=1')).body[0];
      const line = po['order-lines'][0];
      const inv = await h.api('POST', '/api/invoices', {
        body: { ...invoiceBody('INV-6'), 'invoice-lines': [{ description: 'x', price: '1', quantity: 1, 'order-line-id': line.id }] },
      });
      expect(inv.body['invoice-lines'][0]['po-number']).toBe(po['po-number']);
    });
  });

  describe('contracts', () => {
    it('draft → published via PUT, then only inactive; published cannot go back to draft', async () => {
      const c = await h.api('POST', '/api/contracts', {
        body: { name: 'MSA Acme', number: 'C-1', supplier: { name: 'Acme' }, 'start-date': '2026-01-01', 'end-date': '2026-12-31', 'custom-fields': { 'salesforce-contract-id': '800000000000001' } },
      });
      expect(c.status).toBe(201);
      expect(c.body.status).toBe('draft');
      const pub = await h.api('PUT', `/api/contracts/${c.body.id}`, { body: { status: 'published' } });
      expect(pub.body.status).toBe('published');
      expect(pub.body['published-date']).not.toBeNull();
      const back = await h.api('PUT', `/api/contracts/${c.body.id}`, { body: { status: 'draft' } });
      expect(back.status).toBe(400);
      expect(back.body.errors.contract[0]).toMatch(/cannot change from published to draft/);
      expect((await h.api('PUT', `/api/contracts/${c.body.id}`, { body: { status: 'inactive' } })).body.status).toBe('inactive');
      expect((await h.api('PUT', `/api/contracts/${c.body.id}`, { body: { status: 'published' } })).status).toBe(400);
    });

    it('submit_for_approval → approval publishes; only drafts can be submitted', async () => {
      const c = await h.api('POST', '/api/contracts', { body: { name: 'SOW Globex', number: 'C-2', supplier: { name: 'Globex' } } });
      const sub = await h.api('PUT', `/api/contracts/${c.body.id}/submit_for_approval`);
      expect(sub.body.status).toBe('pending_approval');
      expect((await h.api('PUT', `/api/contracts/${c.body.id}/submit_for_approval`)).status).toBe(400);
      await h.api('PUT', `/api/approvals/${sub.body['current-approval'].id}/approve`);
      expect((await h.api('GET', `/api/contracts/${c.body.id}`)).body.status).toBe('published');
    });
  });

  describe('supplier information (SIM)', () => {
    it('POST without supplier-id creates a draft supplier; approval activates it; invalid status arrows are 400', async () => {
      const sim = await h.api('POST', '/api/supplier_information', {
        body: { name: 'Initech', status: 'draft', 'custom-fields': { 'salesforce-onboarding-request-id': 'a01000000000001' } },
      });
      expect(sim.status).toBe(201);
      const supplierId = sim.body['supplier-id'];
      expect(typeof supplierId).toBe('number');
      expect((await h.api('GET', `/api/suppliers/${supplierId}`)).body.status).toBe('draft');
      expect((await h.api('PUT', `/api/supplier_information/${sim.body.id}`, { body: { status: 'approved' } })).status).toBe(400);
      expect((await h.api('PUT', `/api/supplier_information/${sim.body.id}`, { body: { status: 'pending_approval' } })).body.status).toBe('pending_approval');
      expect((await h.api('PUT', `/api/supplier_information/${sim.body.id}`, { body: { status: 'approved' } })).body.status).toBe('approved');
      expect((await h.api('GET', `/api/suppliers/${supplierId}`)).body.status).toBe('active');
      expect((await h.api('PUT', `/api/supplier_information/${sim.body.id}`, { body: { status: 'bogus' } })).status).toBe(400);
    });
  });

  describe('budget lines', () => {
    it('requires an existing period; adjust changes amount and remaining', async () => {
      const year = new Date().getUTCFullYear();
      expect((await h.api('POST', '/api/budget_lines', { body: { period: { name: 'FY1999-Q1' }, amount: '1000' } })).status).toBe(400);
      const bl = await h.api('POST', '/api/budget_lines', { body: { period: { name: `FY${year}-Q1` }, amount: '1000', currency: { code: 'USD' }, 'segment-1': '900' } });
      expect(bl.status).toBe(201);
      expect(bl.body.remaining).toBe('1000.0');
      const adj = await h.api('PUT', `/api/budget_lines/${bl.body.id}/adjust`, { body: { amount: '-250.5', description: 'cut' } });
      expect(adj.body.amount).toBe('749.5');
      expect(adj.body.remaining).toBe('749.5');
      expect((await h.api('PUT', `/api/budget_lines/${bl.body.id}/adjust`, { body: {} })).status).toBe(400);
    });

    it('counts pending requisitions and issued POs on matching accounts in the period', async () => {
      const now = new Date();
      const period = `FY${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
      const bl = await h.api('POST', '/api/budget_lines', { body: { period: { name: period }, amount: '1000', 'segment-1': '200' } });
      expect(bl.body.remaining).toBe('1000.0');
      const body = requisitionBody(['Acme']);
      (body['requisition-lines'][0] as any).account = { code: '200-6100' };
      const req = await h.api('POST', '/api/requisitions/submit_for_approval', { body });
      expect((await h.api('GET', `/api/budget_lines/${bl.body.id}`)).body['pending-requisitions-amount']).toBe('21.0');
      await h.api('PUT', `/api/approvals/${pendingApprovalId(req.body)}/approve`);
      const after = await h.api('GET', `/api/budget_lines/${bl.body.id}`);
      expect(after.body.remaining).toBe('979.0');
      expect(after.body['pending-requisitions-amount']).toBe('0.0');
    });
  });

  describe('integration runs and history records', () => {
    it('pending → running → finish (failed when an Error history record exists); invalid arrows are 400', async () => {
      const run = await h.api('POST', '/api/integration_runs', { body: { integration: { code: 'SFDC' } } });
      expect(run.body.status).toBe('pending');
      expect((await h.api('PUT', `/api/integration_runs/${run.body.id}/finish`)).status).toBe(400);
      const running = await h.api('PUT', `/api/integration_runs/${run.body.id}/run`, { body: { total_records: 10 } });
      expect(running.body.status).toBe('running');
      expect(running.body['total-records']).toBe(10);
      const ihr = await h.api('POST', '/api/integration_history_records', {
        body: {
          'document-type': 'InvoiceHeader', 'document-id': 1, 'document-status': 'approved', 'contact-alert-type': 'Functional', status: 'Error',
          integration: { code: 'SFDC' }, 'integration-run': { id: run.body.id },
          responses: [{ 'response-code': 'Failure-CC', 'response-message': 'Period closed' }],
        },
      });
      expect(ihr.status).toBe(201);
      expect(ihr.body.responses[0]['response-message']).toBe('Period closed');
      expect((await h.api('PUT', `/api/integration_runs/${run.body.id}/finish`)).body.status).toBe('failed');
      expect((await h.api('PUT', `/api/integration_history_records/${ihr.body.id}/resolve`)).body.resolved).toBe(true);
      expect((await h.api('POST', '/api/integration_runs', { body: { integration: { code: 'NOPE' } } })).status).toBe(400);
    });
  });
});
