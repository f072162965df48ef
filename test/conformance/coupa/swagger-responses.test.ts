import { validateResponse } from '../../../emulators/coupa/src/swagger-validate';
import { pendingApprovalId, requisitionBody, startHarness, type Harness } from './helpers';

/**
 * Walks every operation the emulator mounts, drives it over HTTP into a success, and validates the response body
 * against the R39 Swagger schema of that operation (see swagger-validate.ts for the documented adaptations).
 */
const norm = (path: string) => path.replace(/^\/api/, '').replace(/\?.*$/, '').replace(/\/\d+/g, '/{}').replace(/:[a-z_]+/g, '{}');

describe('Coupa emulator: every implemented operation answers bodies valid against Coupa R39 Swagger', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ seed: 40 });
  });
  afterAll(() => h.close());

  it('walks the operations', async () => {
    const ids: Record<string, number> = {};
    const failures: string[] = [];
    const exercised = new Set<string>();
    const call = async (method: string, path: string, body?: unknown, expectStatus?: number) => {
      const res = await h.api(method, path, { body });
      const key = `${method} ${norm(path)}`;
      exercised.add(key);
      if (res.status >= 300 || (expectStatus && res.status !== expectStatus)) {
        failures.push(`${key} → HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        return res.body;
      }
      const swaggerPath = norm(path).replace(/\{\}/g, '{id}');
      const alias = ALIASES[`${method} ${swaggerPath}`];
      const v = validateResponse(method, alias ?? swaggerPathFor(method, path), res.status, res.body, method === 'POST' && swaggerPath === '/invoices' ? { method: 'GET', path: '/invoices/{id}' } : undefined);
      if (!v.ok) failures.push(`${key} (${v.schema}): ${v.errors.join(' | ')}`);
      return res.body;
    };

    // reference data
    for (const r of ['currencies', 'uoms', 'commodities', 'payment_terms', 'departments', 'account_types']) {
      const list = await call('GET', `/api/${r}`);
      await call('GET', `/api/${r}/${list[0].id}`);
    }
    // users, addresses, accounts
    const user = await call('POST', '/api/users', { login: 'walker', email: 'walker@example.com', firstname: 'Wal', lastname: 'Ker', manager: { login: 'approver' }, department: { name: 'IT' } }, 201);
    await call('GET', '/api/users');
    await call('GET', `/api/users/${user.id}`);
    await call('PUT', `/api/users/${user.id}`, { 'salesforce-id': '005000000000001' });
    await call('PATCH', `/api/users/${user.id}`, { active: true });
    const addr = await call('POST', '/api/addresses', { name: 'Warehouse', street1: '2 Dock Rd', city: 'Oakland', 'postal-code': '94607', country: { code: 'US' } }, 201);
    await call('GET', '/api/addresses');
    await call('GET', `/api/addresses/${addr.id}`);
    await call('PUT', `/api/addresses/${addr.id}`, { state: 'CA' });
    await call('PATCH', `/api/addresses/${addr.id}`, { attention: 'Receiving' });
    const acct = await call('POST', '/api/accounts', { 'account-type': { name: 'Chart of Accounts' }, 'segment-1': '400', 'segment-2': '7000' }, 201);
    await call('GET', '/api/accounts');
    await call('GET', `/api/accounts/${acct.id}`);
    await call('PUT', `/api/accounts/${acct.id}`, { name: 'Ops - Travel' });
    await call('PATCH', `/api/accounts/${acct.id}`, { active: true });
    // suppliers + remit-to
    const sup = await call(
      'POST',
      '/api/suppliers',
      {
        name: 'Walk Supply', number: 'W-1', status: 'active', 'po-method': 'email', 'po-email': 'po@walk.example', 'payment-term': { code: 'Net 30' },
        'primary-address': { street1: '1 Main', city: 'Austin', 'postal-code': '78701', country: { code: 'US' } },
        'primary-contact': { email: 'ann@walk.example', 'name-given': 'Ann', 'name-family': 'Walk' },
        'custom-fields': { 'salesforce-account-id': '001000000000001' },
      },
      201,
    );
    ids.supplier = sup.id;
    await call('GET', '/api/suppliers');
    await call('GET', `/api/suppliers/${sup.id}`);
    await call('PUT', `/api/suppliers/${sup.id}`, { website: 'https://walk.example' });
    await call('PATCH', `/api/suppliers/${sup.id}`, { 'display-name': 'Walk' });
    const remit = await call('POST', `/api/suppliers/${sup.id}/addresses`, { 'remit-to-code': 'R1', street1: '9 Pay St', city: 'Austin', 'postal-code': '78701', country: { code: 'US' } }, 201);
    await call('GET', `/api/suppliers/${sup.id}/addresses`);
    await call('GET', `/api/suppliers/${sup.id}/addresses/${remit.id}`);
    await call('PUT', `/api/suppliers/${sup.id}/addresses/${remit.id}`, { name: 'Main remit' });
    await call('PATCH', `/api/suppliers/${sup.id}/addresses/${remit.id}`, { active: true });
    await call('DELETE', `/api/suppliers/${sup.id}/addresses/${remit.id}`);
    const site = await call('POST', `/api/suppliers/${sup.id}/supplier_sites`, { code: 'AUS', name: 'Austin', 'po-method': 'email', 'po-email': 'aus@walk.example' }, 201);
    await call('GET', `/api/suppliers/${sup.id}/supplier_sites`);
    await call('GET', `/api/suppliers/${sup.id}/supplier_sites/${site.id}`);
    await call('PUT', `/api/suppliers/${sup.id}/supplier_sites/${site.id}`, { active: false });
    await call('PATCH', `/api/suppliers/${sup.id}/supplier_sites/${site.id}`, { name: 'Austin TX' });
    // SIM
    const sim = await call('POST', '/api/supplier_information', {
      name: 'Walk Onboarding', status: 'draft', 'supplier-information-addresses': [{ kind: 'Primary', 'street-address': '1 A St', city: 'Austin', country: { code: 'US' } }],
      'supplier-information-contacts': [{ kind: 'Primary', email: 'x@walk2.example', 'name-given': 'X' }],
      'custom-fields': { 'salesforce-onboarding-request-id': 'a01000000000001' },
    }, 201);
    await call('GET', '/api/supplier_information');
    await call('GET', `/api/supplier_information/${sim.id}`);
    await call('PUT', `/api/supplier_information/${sim.id}`, { status: 'pending_approval' });
    await call('PATCH', `/api/supplier_information/${sim.id}`, { status: 'approved' });
    // supplier risk feed (R39_Supplier_Risk_API.json)
    const risk = await call('POST', '/api/supplier_risk_aware_feed', { supplier: { id: sup.id }, 'number-field-01': 42.5 }, 201);
    await call('GET', '/api/supplier_risk_aware_feed');
    await call('GET', `/api/supplier_risk_aware_feed/${risk.id}`);
    await call('PUT', `/api/supplier_risk_aware_feed/${risk.id}`, { 'number-field-02': 61 });
    await call('PATCH', `/api/supplier_risk_aware_feed/${risk.id}`, { 'number-field-01': 40 });
    // requisitions
    const draft = await call('POST', '/api/requisitions', requisitionBody(['Walk Supply'], { 'custom-fields': { 'salesforce-opportunity-id': '006000000000009' } }), 201);
    await call('GET', '/api/requisitions');
    await call('GET', `/api/requisitions/${draft.id}`);
    await call('PUT', `/api/requisitions/${draft.id}`, { justification: 'Q3 renewal' });
    await call('PATCH', `/api/requisitions/${draft.id}`, { 'req-title': 'Renewal' });
    await call('PUT', `/api/requisitions/${draft.id}/save_for_later`);
    const cart = await call('POST', '/api/requisitions/create_as_cart', requisitionBody(['Walk Supply']), 201);
    await call('DELETE', `/api/requisitions/${cart.id}`);
    const submitted = await call('PUT', `/api/requisitions/${draft.id}/update_and_submit_for_approval`);
    const direct = await call('POST', '/api/requisitions/submit_for_approval', requisitionBody(['Walk Supply']), 201);
    await call('POST', '/api/requisitions/new/submit_for_approval', requisitionBody(['Walk Supply']), 201);
    await call('GET', '/api/approvals');
    await call('GET', `/api/approvals/${submitted['current-approval'].id}`);
    await call('PUT', `/api/approvals/${direct['current-approval'].id}/hold`);
    await call('PUT', `/api/approvals/${direct['current-approval'].id}/reject?reason=No`);
    await call('PUT', `/api/approvals/${submitted['current-approval'].id}/approve`);
    await call('GET', `/api/requisitions/${draft.id}`);
    // purchase orders
    const pos = await call('GET', `/api/purchase_orders?requisition_header[id]=${draft.id}`);
    const po = pos[0];
    await call('GET', `/api/purchase_orders/${po.id}`);
    await call('GET', `/api/purchase_order_lines?order_header_id=${po.id}`);
    await call('GET', `/api/purchase_order_lines/${po['order-lines'][0].id}`);
    await call('PUT', `/api/purchase_orders/${po.id}`, { 'ship-to-attention': 'Dock 4' });
    await call('PATCH', `/api/purchase_orders/${po.id}`, { 'hide-price': null });
    await call('PUT', `/api/purchase_orders/${po.id}/close`);
    await call('PUT', `/api/purchase_orders/${po.id}/reopen`);
    h.emu.control.update('purchase_orders', po.id, { status: 'buyer_hold' });
    await call('PUT', `/api/purchase_orders/${po.id}/release_from_buyer_hold`);
    h.emu.control.update('purchase_orders', po.id, { status: 'draft' });
    await call('PUT', `/api/purchase_orders/${po.id}/issue`);
    h.emu.control.update('purchase_orders', po.id, { status: 'draft' });
    await call('PUT', `/api/purchase_orders/${po.id}/issue_without_send`);
    await call('PUT', `/api/purchase_orders/${po.id}/cancel`);
    const ext = await call('POST', '/api/purchase_orders', {
      'po-number': 'EXT-1', supplier: { name: 'Walk Supply' }, 'ship-to-address': { name: 'Headquarters' }, 'ship-to-user': { login: 'jdoe' },
      currency: { code: 'USD' }, 'order-lines': [{ description: 'External', price: '5', quantity: 3, currency: { code: 'USD' }, account: { code: '100-6000' } }],
    }, 201);
    await call('GET', `/api/purchase_orders?po_number=${ext['po-number']}`);
    // invoices
    const inv = await call('POST', '/api/invoices', {
      'invoice-number': 'W-INV-1', 'invoice-date': '2026-02-01', supplier: { number: 'W-1' }, currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Renewal', price: '10.50', quantity: 2, 'order-line-id': po['order-lines'][0].id, account: { code: '100-6000' } }],
    }, 201);
    await call('GET', '/api/invoices');
    await call('GET', `/api/invoices/${inv.id}`);
    await call('PUT', `/api/invoices/${inv.id}`, { comments: 'checked' });
    await call('PATCH', `/api/invoices/${inv.id}`, { 'supplier-note': 'thanks' });
    const invSubmitted = await call('PUT', `/api/invoices/${inv.id}/submit`);
    await call('PUT', `/api/invoices/${inv.id}/dispute`, { 'dispute-reason': { code: 'OTHER' } });
    const again = await call('PUT', `/api/invoices/${inv.id}/withdraw_dispute`);
    await call('PUT', `/api/approvals/${pendingApprovalId(again)}/approve`);
    await call('PUT', `/api/invoices/${inv.id}`, { payments: [{ 'amount-paid': '21.00', 'payment-date': '2026-03-01' }], paid: true, 'payment-date': '2026-03-01' });
    await call('PUT', `/api/invoices/${inv.id}?exported=true`);
    expect(invSubmitted.status).toBe('pending_approval');
    const inv2 = await call('POST', '/api/invoices', { 'invoice-number': 'W-INV-2', 'invoice-date': '2026-02-02', supplier: { name: 'Walk Supply' }, currency: { code: 'USD' }, 'invoice-lines': [{ description: 'x', price: '1' }] }, 201);
    await call('PUT', `/api/invoices/${inv2.id}/void`);
    const inv3 = await call('POST', '/api/invoices', { 'invoice-number': 'W-INV-3', 'invoice-date': '2026-02-02', supplier: { name: 'Walk Supply' }, currency: { code: 'USD' }, 'invoice-lines': [{ description: 'x', price: '1' }] }, 201);
    await call('PUT', `/api/invoices/${inv3.id}/abandon`);
    const inv4 = await call('POST', '/api/invoices', { 'invoice-number': 'W-INV-4', 'invoice-date': '2026-02-02', supplier: { name: 'Walk Supply' }, currency: { code: 'USD' } }, 201);
    h.emu.control.update('invoices', inv4.id, { status: 'new' });
    await call('DELETE', `/api/invoices/${inv4.id}`);
    // contracts
    const ctr = await call('POST', '/api/contracts', {
      name: 'Walk MSA', number: 'W-C-1', supplier: { name: 'Walk Supply' }, currency: { code: 'USD' }, 'start-date': '2026-01-01', 'end-date': '2027-01-01',
      'max-commit': '50000', 'contract-owner': { login: 'jdoe' }, 'custom-fields': { 'salesforce-contract-id': '800000000000009' },
    }, 201);
    await call('GET', '/api/contracts');
    await call('GET', `/api/contracts/${ctr.id}`);
    await call('PUT', `/api/contracts/${ctr.id}`, { terms: 'Net 30' });
    await call('PATCH', `/api/contracts/${ctr.id}`, { description: 'Master agreement' });
    const term = await call('POST', `/api/contracts/${ctr.id}/contract_terms`, { name: 'Volume', 'contract-term-type': 'TotalAmtContractTerm', 'tier-1-upper-bound': '1000' }, 201);
    await call('GET', `/api/contracts/${ctr.id}/contract_terms`);
    await call('GET', `/api/contracts/${ctr.id}/contract_terms/${term.id}`);
    await call('PUT', `/api/contracts/${ctr.id}/contract_terms/${term.id}`, { 'tier-1-disc-pct': '5' });
    await call('PATCH', `/api/contracts/${ctr.id}/contract_terms/${term.id}`, { 'use-pct-discounts': true });
    const ctrSub = await call('PUT', `/api/contracts/${ctr.id}/submit_for_approval`);
    await call('PUT', `/api/approvals/${ctrSub['current-approval'].id}/approve`);
    await call('PUT', `/api/contracts/${ctr.id}/complete`);
    // budget lines
    const year = new Date().getUTCFullYear();
    const bl = await call('POST', '/api/budget_lines', { period: { name: `FY${year}-Q2` }, amount: '5000', currency: { code: 'USD' }, 'segment-1': '100', owner: { login: 'jdoe' } }, 201);
    await call('GET', '/api/budget_lines');
    await call('GET', `/api/budget_lines/${bl.id}`);
    await call('PUT', `/api/budget_lines/${bl.id}`, { notes: 'FY plan' });
    await call('PATCH', `/api/budget_lines/${bl.id}`, { description: 'Sales software' });
    await call('PUT', `/api/budget_lines/${bl.id}/adjust`, { amount: '100' });
    const bl2 = await call('POST', '/api/budget_lines', { period: { name: `FY${year}-Q3` }, amount: '1' }, 201);
    await call('DELETE', `/api/budget_lines/${bl2.id}`);
    // integration runs + history records
    const run = await call('POST', '/api/integration_runs', { integration: { code: 'SFDC' } }, 201);
    await call('GET', '/api/integration_runs');
    await call('GET', `/api/integration_runs/${run.id}`);
    await call('PUT', `/api/integration_runs/${run.id}`, { 'records-processed': 0 });
    await call('PATCH', `/api/integration_runs/${run.id}`, { 'total-records': 5 });
    await call('PUT', `/api/integration_runs/${run.id}/run`, { total_records: 5 });
    await call('PUT', `/api/integration_runs/${run.id}/pause`);
    await call('PUT', `/api/integration_runs/${run.id}/pending`);
    await call('PUT', `/api/integration_runs/${run.id}/run`);
    await call('PUT', `/api/integration_runs/${run.id}/success`);
    const run2 = await call('POST', '/api/integration_runs', { integration: { code: 'SFDC' } }, 201);
    await call('PUT', `/api/integration_runs/${run2.id}/fail`);
    const run3 = await call('POST', '/api/integration_runs', { integration: { code: 'SFDC' } }, 201);
    await call('PUT', `/api/integration_runs/${run3.id}/run`);
    await call('PUT', `/api/integration_runs/${run3.id}/finish`);
    const ihr = await call('POST', '/api/integration_history_records', {
      'document-type': 'InvoiceHeader', 'document-id': inv.id, 'contact-alert-type': 'Functional', status: 'Success', integration: { code: 'SFDC' }, 'integration-run': { id: run.id },
    }, 201);
    await call('GET', '/api/integration_history_records');
    await call('GET', `/api/integration_history_records/${ihr.id}`);
    await call('PUT', `/api/integration_history_records/${ihr.id}`, { 'external-id': 'ERP-1' });
    await call('PATCH', `/api/integration_history_records/${ihr.id}`, { 'document-status': 'approved' });
    await call('PUT', `/api/integration_history_records/${ihr.id}/resolve`);
    await call('PUT', `/api/integration_history_records/${ihr.id}/unresolve`);
    // generated (seeded) records render validly too
    for (const r of ['suppliers', 'users', 'requisitions', 'purchase_orders', 'purchase_order_lines', 'invoices', 'contracts', 'budget_lines']) {
      await call('GET', `/api/${r}?order_by=id&dir=desc&limit=5`);
      await call('GET', `/api/${r}?return_object=shallow&limit=5`);
    }

    expect(failures).toEqual([]);
    const mounted = h.emu.emulator.routes.map((r) => `${r.method} ${norm(r.pattern)}`);
    expect(mounted.filter((r) => !exercised.has(r))).toEqual([]);
    expect(ids.supplier).toBeGreaterThan(0);
  }, 60_000);
});

/** /api/suppliers/12/addresses/3 → the Swagger template /suppliers/{supplier_id}/addresses/{id}. */
/** Documented paths absent from the Swagger, validated as the Swagger operation they duplicate. */
const ALIASES: Record<string, string> = {
  'POST /requisitions/new/submit_for_approval': '/requisitions/submit_for_approval',
};

function swaggerPathFor(method: string, apiPath: string): string {
  const segs = apiPath.replace(/^\/api/, '').replace(/\?.*$/, '').split('/').filter(Boolean);
  const out: string[] = [];
  segs.forEach((s, i) => {
    if (!/^\d+$/.test(s)) out.push(s);
    else {
      const parent = segs[i - 1];
      const nestsSubResource = SUB_RESOURCES.includes(segs[i + 1]);
      out.push(nestsSubResource ? `{${PARENT_PARAM[parent] ?? parent.replace(/s$/, '')}_id}` : '{id}');
    }
  });
  void method;
  return '/' + out.join('/');
}

const SUB_RESOURCES = ['addresses', 'contract_terms', 'supplier_sites'];
const PARENT_PARAM: Record<string, string> = { suppliers: 'supplier', contracts: 'contract', supplier_information: 'supplier_information' };
