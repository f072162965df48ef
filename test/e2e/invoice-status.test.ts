/**
 * Story (issue 6, flow 4): "As an account manager I see my supplier's Coupa invoices on the Account and the
 * Opportunity, with status, totals, payments and disputes, and I get a Task when an invoice is disputed or paid."
 * Coupa is driven over its REST API as a Coupa user; Salesforce is read with jsforce as a person.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'jsforce';
import { COUPA_SCHEMA } from '../../middleware/src/coupa';
import { createInvoiceStatusFlow } from '../../middleware/src/flows/invoice-status';
import { createSupplierAccountSyncFlows, TO_COUPA, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { validateMapping } from '../../middleware/src/mapping';
import { startHarness, type Harness, salesforceWriteCalls } from './harness';

const FLOW = 'invoice-status';
jest.setTimeout(60_000);

describe('invoice-status: Coupa invoices and payments on the Account and Opportunity', () => {
  let h: Harness;
  let sf: Connection;
  let supplierId: number;
  let requisitionId: number;
  let orderLineId: number;
  let accountId: string;
  let opportunityId: string;
  let invoiceId: number;

  const run = () => h.engine.runNow(FLOW);
  // Coupa timestamps have whole seconds: the next action happens visibly later, as it would for a person.
  const later = () => h.coupaEmu.control.clock.advance(1500);
  const invoiceInSf = async (id: number) =>
    (
      await sf.query<Record<string, any>>(
        `SELECT Id, Name, Status__c, Account__c, Opportunity__c, Invoice_Date__c, Due_Date__c, Gross_Total__c, Currency_Code__c, Paid__c, Payment_Date__c, Amount_Paid__c, Dispute_Reason__c, PO_Number__c, Coupa_Url__c FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = '${id}'`
      )
    ).records;
  const tasksOnAccount = async () =>
    (
      await sf.query<Record<string, any>>(
        `SELECT Id, Subject, Status, Priority, Description FROM Task WHERE WhatId = '${accountId}'`
      )
    ).records;

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, autoApprove: true } });
    sf = h.user();
    await h.salesforce.connect(); // the harness leaves the connector's client unauthenticated
    const c = h.coupaEmu.control;
    // Coupa: an active supplier whose requisition was approved and turned into a PO.
    supplierId = (
      c.create('suppliers', {
        name: 'Acme Parts',
        number: 'ACME-1',
        status: 'active',
        'payment-term': { code: 'Net 30' }
      }) as { id: number }
    ).id;
    const req = await h.coupaApi('POST', '/api/requisitions/submit_for_approval', {
      'requested-by': { login: 'jdoe' },
      'ship-to-address': { name: 'Headquarters' },
      'requisition-lines': [
        {
          description: 'Widgets',
          quantity: 10,
          'unit-price': 25,
          currency: { code: 'USD' },
          supplier: { id: supplierId }
        }
      ]
    });
    requisitionId = req.id;
    const po = (c.list('purchase_orders') as any[]).find((p) => p['requisition-header']?.id === requisitionId);
    orderLineId = po['order-lines'][0].id;
    // Salesforce: the supplier's Account and the Opportunity the requisition came from.
    accountId = (
      (await sf.sobject('Account').create({ Name: 'Acme Parts', Coupa_Supplier_Id__c: String(supplierId) })) as {
        id: string;
      }
    ).id;
    opportunityId = (
      (await sf
        .sobject('Opportunity')
        .create({
          Name: 'Acme widgets',
          StageName: 'Closed Won',
          CloseDate: '2026-11-01',
          AccountId: accountId,
          Coupa_Requisition_Id__c: String(requisitionId)
        })) as {
        id: string;
      }
    ).id;
    h.engine.register(createInvoiceStatusFlow(h.deps({ tasks: { onDisputed: true, onPaid: true } })));
  });

  afterAll(async () => {
    await h?.close();
  });

  it('ships a default mapping that is valid against the org and the Coupa schema', async () => {
    const mapping = h.deps().mappings.get(FLOW)!;
    const issues = await validateMapping(mapping, {
      coupaSchema: COUPA_SCHEMA,
      describe: (o) => h.salesforce.describe(o).catch(() => undefined)
    });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('an approved invoice appears on the Account and the Opportunity with a deep link', async () => {
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'INV-100',
      'invoice-date': '2026-11-20',
      supplier: { id: supplierId },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Widgets', quantity: 10, price: 25, 'order-line-id': orderLineId }]
    });
    invoiceId = inv.id;
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}/submit`);

    const summary = await run();
    expect(summary.error).toBeUndefined();
    expect(summary.status).toBe('succeeded');
    const [rec] = await invoiceInSf(invoiceId);
    expect(rec).toMatchObject({
      Name: 'INV-100',
      Status__c: 'approved',
      Account__c: accountId,
      Opportunity__c: opportunityId,
      Invoice_Date__c: '2026-11-20',
      Due_Date__c: '2026-12-20',
      Gross_Total__c: 250,
      Currency_Code__c: 'USD',
      Paid__c: false,
      Amount_Paid__c: 0,
      Dispute_Reason__c: null,
      Coupa_Url__c: `${h.coupaEmu.url}/invoices/${invoiceId}`
    });
    expect(rec.PO_Number__c).toBeTruthy();
    expect(await tasksOnAccount()).toEqual([]);
  });

  it('a dispute shows its reason and logs one Task; re-running writes nothing and logs nothing', async () => {
    later();
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}/dispute`, {
      'dispute-reason': { code: 'INCORRECT-PRICE' },
      comment: 'Unit price differs from the PO'
    });
    await run();
    const [rec] = await invoiceInSf(invoiceId);
    expect(rec).toMatchObject({ Status__c: 'disputed', Dispute_Reason__c: 'Unit price differs from the PO' });
    let tasks = await tasksOnAccount();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      Subject: 'Coupa invoice INV-100 disputed',
      Priority: 'High',
      Status: 'Completed'
    });
    expect(tasks[0].Description).toContain('Unit price differs from the PO');

    h.sfEmu.control.resetCounters();
    await h.store.resetCheckpoint(FLOW); // re-read everything: the unchanged invoice must not be written again
    const again = await run();
    expect(again.status).toBe('succeeded');
    expect(again.counts.created + again.counts.updated).toBe(0);
    expect(salesforceWriteCalls(h)).toBe(0);
    tasks = await tasksOnAccount();
    expect(tasks).toHaveLength(1);
  });

  it('payment is recorded with amount and date, and logs one "paid" Task', async () => {
    later();
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}/withdraw_dispute`);
    later();
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}`, {
      payments: [{ 'amount-paid': '250.00', 'payment-date': '2026-11-25' }],
      paid: true,
      'payment-date': '2026-11-25'
    });
    await run();
    const [rec] = await invoiceInSf(invoiceId);
    expect(rec).toMatchObject({
      Status__c: 'approved',
      Paid__c: true,
      Amount_Paid__c: 250,
      Payment_Date__c: '2026-11-25',
      Dispute_Reason__c: null
    });
    const subjects = (await tasksOnAccount()).map((t) => t.Subject).sort();
    expect(subjects).toEqual(['Coupa invoice INV-100 disputed', 'Coupa invoice INV-100 paid']);

    await run();
    expect(await invoiceInSf(invoiceId)).toHaveLength(1);
    expect(await tasksOnAccount()).toHaveLength(2);
  });

  it('a Task whose write fails is logged exactly once when the batch is retried', async () => {
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'INV-103',
      'invoice-date': '2026-11-23',
      supplier: { id: supplierId },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Widgets', quantity: 1, price: 25, 'order-line-id': orderLineId }]
    });
    await h.coupaApi('PUT', `/api/invoices/${inv.id}/submit`);
    await run();
    later();
    await h.coupaApi('PUT', `/api/invoices/${inv.id}/dispute`, {
      'dispute-reason': { code: 'DUPLICATE' },
      comment: 'Billed twice'
    });
    // Salesforce is unavailable for the first attempts at creating the Task; the engine retries the effect.
    h.sfEmu.control.addFault({ endpoint: 'composite.sobjects.create', status: 503, times: 2 });
    const summary = await run();
    h.sfEmu.control.clearFaults();
    expect(summary).toMatchObject({
      status: 'succeeded',
      counts: expect.objectContaining({ updated: 1, deadLettered: 0 })
    });
    expect(summary.counts.retries).toBeGreaterThan(0);
    const disputes = (await tasksOnAccount()).filter((t) => t.Subject === 'Coupa invoice INV-103 disputed');
    expect(disputes).toHaveLength(1);
    expect(disputes[0].Description).toContain('Billed twice');
  });

  it('a Task that keeps failing dead-letters the invoice with its reason, and the replay logs the Task once', async () => {
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'INV-104',
      'invoice-date': '2026-11-23',
      supplier: { id: supplierId },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Widgets', quantity: 1, price: 25, 'order-line-id': orderLineId }]
    });
    await h.coupaApi('PUT', `/api/invoices/${inv.id}/submit`);
    await run();
    later();
    await h.coupaApi('PUT', `/api/invoices/${inv.id}/dispute`, { 'dispute-reason': { code: 'DUPLICATE' }, comment: 'Twice again' });
    h.sfEmu.control.addFault({ endpoint: 'composite.sobjects.create', status: 503, times: 50 });
    const summary = await run();
    h.sfEmu.control.clearFaults();
    expect(summary).toMatchObject({ status: 'partial', counts: expect.objectContaining({ updated: 1, deadLettered: 1 }) });
    const [dl] = (await h.store.listDeadLetters({ flow: FLOW, status: 'open' })).filter((d) => d.recordKey === `coupa:invoices:${inv.id}`);
    expect(dl.message).toMatch(/Coupa invoice INV-104 disputed/);
    expect((await invoiceInSf(inv.id))[0].Status__c).toBe('disputed');
    const subject = (t: Record<string, any>) => t.Subject === 'Coupa invoice INV-104 disputed';
    expect((await tasksOnAccount()).filter(subject)).toHaveLength(0);

    // Nothing changed in Coupa, yet the next run does not lose the transition either: the replay logs it, once.
    expect(await h.engine.replay(dl.id, 'ops@example.com')).toEqual({ ok: true });
    await run();
    expect((await tasksOnAccount()).filter(subject)).toHaveLength(1);
  });
});

/** An org whose Status__c picklist lacks a Coupa status (an older package version, or an admin's edit). */
function orgWithoutStatus(value: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invoice-status-org-'));
  const objects = path.join(__dirname, '..', '..', 'force-app', 'main', 'default', 'objects');
  fs.cpSync(objects, path.join(dir, 'objects'), { recursive: true });
  const file = path.join(dir, 'objects', 'Coupa_Invoice__c', 'fields', 'Status__c.field-meta.xml');
  const xml = fs.readFileSync(file, 'utf8');
  const withoutValue = xml.replace(new RegExp(`\\s*<value>\\s*<fullName>${value}</fullName>[\\s\\S]*?</value>`), '');
  if (withoutValue === xml) throw new Error(`picklist value ${value} not found in ${file}`);
  fs.writeFileSync(file, withoutValue);
  return dir;
}

describe('invoice-status: a record Salesforce rejects', () => {
  let h: Harness;
  let orgDir: string;

  beforeAll(async () => {
    orgDir = orgWithoutStatus('voided');
    h = await startHarness({ coupa: { seed: 0, autoApprove: true }, salesforce: { metadataDirs: [orgDir] } });
    await h.salesforce.connect();
    h.engine.register(createInvoiceStatusFlow(h.deps({ tasks: false })));
  });

  afterAll(async () => {
    await h?.close();
    fs.rmSync(orgDir, { recursive: true, force: true });
  });

  it('start-up validation names the picklist gap', async () => {
    const issues = await validateMapping(h.deps().mappings.get(FLOW)!, {
      coupaSchema: COUPA_SCHEMA,
      describe: (o) => h.salesforce.describe(o).catch(() => undefined)
    });
    expect(issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([
      expect.stringContaining('voided')
    ]);
  });

  it('lands in dead letters with a readable reason, never failing its batch, and is not duplicated by re-runs', async () => {
    const c = h.coupaEmu.control;
    const supplier = (
      c.create('suppliers', { name: 'Bolt & Nut Co', number: 'BN-1', status: 'active' }) as { id: number }
    ).id;
    const invoice = (number: string) =>
      h.coupaApi('POST', '/api/invoices', {
        'invoice-number': number,
        'invoice-date': '2026-11-21',
        supplier: { id: supplier },
        currency: { code: 'USD' },
        'invoice-lines': [{ description: 'Bolts', quantity: 1, price: 40 }]
      });
    const bad = await invoice('BN-INV-1');
    await h.coupaApi('PUT', `/api/invoices/${bad.id}/void`);
    const good = await invoice('BN-INV-2');

    const summary = await h.engine.runNow(FLOW);
    expect(summary.status).toBe('partial');
    expect(summary.counts.deadLettered).toBe(1);
    const inSf = async (id: number) =>
      (
        await h
          .user()
          .query<Record<string, any>>(
            `SELECT Id, Name, Status__c FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = '${id}'`
          )
      ).records;
    expect(await inSf(bad.id)).toEqual([]);
    expect(await inSf(good.id)).toEqual([expect.objectContaining({ Name: 'BN-INV-2', Status__c: 'draft' })]);

    const [dl] = await h.store.listDeadLetters({ flow: FLOW, status: 'open' });
    expect(dl.recordKey).toBe(`coupa:invoices:${bad.id}`);
    expect(dl.errorClass).toBe('validation');
    expect(dl.message).toContain('invoice BN-INV-1');
    expect(dl.message).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(dl.message).toContain('voided');

    h.coupaEmu.control.clock.advance(1500);
    await h.coupaApi('PUT', `/api/invoices/${good.id}/submit`);
    const next = await h.engine.runNow(FLOW);
    expect(next.counts).toMatchObject({ updated: 1, deadLettered: 0 });
    expect(await inSf(good.id)).toEqual([expect.objectContaining({ Status__c: 'approved' })]);
    expect(await h.store.listDeadLetters({ flow: FLOW, status: 'open' })).toHaveLength(1);
  });

  it('an invoice synced before its supplier has an Account gets the Account within one cycle after the link appears', async () => {
    const invoiceInSf = async (id: number) =>
      (await h.user().query<Record<string, any>>(`SELECT Name, Account__c FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = '${id}'`)).records;
    h.coupaEmu.control.clock.advance(1500);
    const newcomer = await h.coupaApi('POST', '/api/suppliers', { name: 'Late Link Supplies', number: 'LATE-1', status: 'active' });
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'LATE-INV-1',
      'invoice-date': '2026-11-21',
      supplier: { id: newcomer.id },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Boxes', quantity: 2, price: 10 }]
    });
    await h.engine.runNow(FLOW);
    expect(await invoiceInSf(inv.id)).toEqual([expect.objectContaining({ Name: 'LATE-INV-1', Account__c: null })]);

    // The supplier is linked to a new vendor Account by supplier-account-sync; the invoice itself does not change.
    for (const flow of createSupplierAccountSyncFlows(h.deps())) h.engine.register(flow);
    expect((await h.engine.runNow(TO_SALESFORCE)).status).not.toBe('failed');
    const account = (await h.user().query<{ Id: string }>(`SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = '${newcomer.id}'`)).records[0];
    expect(account).toBeDefined();

    // (every invoice of a supplier that just got its Account is re-planned, this one among them)
    const next = await h.engine.runNow(FLOW);
    expect(next.counts.updated).toBeGreaterThanOrEqual(1);
    expect(await invoiceInSf(inv.id)).toEqual([expect.objectContaining({ Name: 'LATE-INV-1', Account__c: account.Id })]);
  });

  it('an invoice waiting for its supplier gets the Account a person links by hand, even when nothing needs writing', async () => {
    const invoiceInSf = async (id: number) =>
      (await h.user().query<Record<string, any>>(`SELECT Account__c FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = '${id}'`)).records;
    h.coupaEmu.control.clock.advance(1500);
    const supplier = await h.coupaApi('POST', '/api/suppliers', { name: 'Hand Link Supplies', number: 'HAND-1', status: 'active', website: 'https://hand.example' });
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'HAND-INV-1',
      'invoice-date': '2026-11-22',
      supplier: { id: supplier.id },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Crates', quantity: 1, price: 40 }]
    });
    await h.engine.runNow(FLOW);
    expect(await invoiceInSf(inv.id)).toEqual([expect.objectContaining({ Account__c: null })]);

    // A person names the supplier on an existing Account whose website already matches: no write is needed either way.
    const created = (await h.user().sobject('Account').create({ Name: 'Hand Link Supplies Inc', Website: 'https://hand.example', Coupa_Supplier_Id__c: String(supplier.id) })) as { id: string };
    if (!h.engine.names().includes(TO_COUPA)) for (const flow of createSupplierAccountSyncFlows(h.deps())) h.engine.register(flow);
    const linked = await h.engine.runNow(TO_COUPA);
    expect(linked.counts).toMatchObject({ updated: 0, deadLettered: 0 });
    expect(await h.store.findLink('supplier-account-sync', 'salesforce', 'Account', created.id)).toMatchObject({ coupaId: String(supplier.id) });

    // The link released the waiting invoice: the next run gives it the Account without the invoice changing.
    await h.engine.runNow(FLOW);
    expect(await invoiceInSf(inv.id)).toEqual([expect.objectContaining({ Account__c: created.id })]);
  });
});
