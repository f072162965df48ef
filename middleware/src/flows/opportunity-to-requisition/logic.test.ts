import fs from 'fs';
import path from 'path';
import YAML from 'yaml';
import { buildRequisition, contentStamp, filteredOut, idempotencyKeyOf, opportunityIdOfKey, RequisitionRecordError, summarizePurchaseOrders, supplierIdFor, triggerWhere } from './logic';
import { parseOptions } from './options';

const opts = (o: Record<string, unknown> = {}) => parseOptions(o);

describe('opportunity-to-requisition logic', () => {
  it('triggers on the configured stages, without a requisition, with optional filters', () => {
    expect(triggerWhere(opts())).toBe("StageName IN ('Closed Won') AND Coupa_Requisition_Id__c = null");
    expect(triggerWhere(opts({ stages: ["Won 'big'"], recordTypes: ['Hardware'], minAmount: 1000 }))).toBe(
      "StageName IN ('Won \\'big\\'') AND Coupa_Requisition_Id__c = null AND RecordType.DeveloperName IN ('Hardware') AND Amount >= 1000",
    );
  });

  it('re-checks the trigger on the record it read', () => {
    expect(filteredOut({ StageName: 'Closed Won', Amount: 5 }, opts())).toBeNull();
    expect(filteredOut({ StageName: 'Closed Lost' }, opts())).toMatch(/stage/);
    expect(filteredOut({ StageName: 'Closed Won', Coupa_Requisition_Id__c: '7' }, opts())).toMatch(/already/);
    expect(filteredOut({ StageName: 'Closed Won', Amount: 5 }, opts({ minAmount: 10 }))).toMatch(/amount/);
  });

  it('rejects bad options with the path of the problem', () => {
    expect(() => opts({ submitForApproval: 'yes' })).toThrow(/submitForApproval/);
    expect(() => opts({ unknown: 1 })).toThrow(/flows.opportunity-to-requisition.options/);
  });

  it('takes the supplier from the Account link, else from config (or the other way round)', () => {
    const linked = { Account: { Coupa_Supplier_Id__c: '12' } };
    expect(supplierIdFor(linked, opts({ defaultSupplierId: 5 }))).toBe(12);
    expect(supplierIdFor({ Account: null }, opts({ defaultSupplierId: 5 }))).toBe(5);
    expect(supplierIdFor(linked, opts({ defaultSupplierId: 5, supplierFrom: 'config' }))).toBe(5);
    expect(supplierIdFor({ Account: { Coupa_Supplier_Id__c: 'not-a-number' } }, opts())).toBeUndefined();
  });

  it('builds the requisition with requester, ship-to, supplier, numbered lines and the Opportunity id', () => {
    const body = buildRequisition(
      {
        opportunityId: '006A',
        opportunityName: 'Deal',
        header: { 'req-title': 'Deal', 'custom-fields': { other: 1 } },
        lines: [{ description: 'Rack', quantity: 2, 'unit-price': 10 }],
        requesterLogin: 'jdoe',
        supplierId: 9,
      },
      opts({ shipToLocationCode: 'HQ' }),
    );
    expect(body).toEqual({
      'req-title': 'Deal',
      'requested-by': { login: 'jdoe' },
      'ship-to-address': { 'location-code': 'HQ' },
      'custom-fields': { other: 1, 'salesforce-opportunity-id': '006A' },
      'requisition-lines': [{ description: 'Rack', quantity: 2, 'unit-price': 10, 'line-num': 1, supplier: { id: 9 } }],
    });
  });

  it('explains what to fix when there is nothing to order', () => {
    const parts = { opportunityId: '006A', opportunityName: 'Deal', header: {}, requesterLogin: 'jdoe' };
    expect(() => buildRequisition({ ...parts, lines: [] }, opts())).toThrow(RequisitionRecordError);
    expect(() => buildRequisition({ ...parts, lines: [] }, opts())).toThrow(/"Deal" has no products/);
    expect(() => buildRequisition({ ...parts, lines: [{ quantity: 0 }] }, opts())).toThrow(/line 1 .* no positive quantity/);
  });

  it('summarises POs: numbers in id order within 20 characters, first status, committed total (all but cancelled or draft POs)', () => {
    expect(summarizePurchaseOrders([])).toEqual({ 'po-number': null, 'po-status': null, 'committed-amount': null });
    expect(
      summarizePurchaseOrders([
        { id: 3, 'po-number': 'PO-0003', status: 'cancelled', 'order-lines': [{ total: '50.0' }] },
        { id: 2, 'po-number': 'PO-0002', status: 'issued', 'order-lines': [{ total: '100.5' }, { price: '10', quantity: '2' }] },
        { id: 4, 'po-number': 'PO-0004', status: 'closed', 'order-lines': [{ total: 1 }] },
      ]),
    ).toEqual({ 'po-number': 'PO-0002, PO-0003', 'po-status': 'issued', 'committed-amount': 121.5 });
  });

  it('round-trips idempotency keys', () => {
    expect(opportunityIdOfKey(idempotencyKeyOf('006A'))).toBe('006A');
  });

  it('stamps the same content with the same time and changed content within the second differently', () => {
    const a = contentStamp('2026-01-01T10:00:05-08:00', ['pending_approval']);
    expect(a).toBe(contentStamp('2026-01-01T18:00:05Z', ['pending_approval']));
    expect(a.slice(0, 19)).toBe('2026-01-01T18:00:05');
    expect(contentStamp('2026-01-01T18:00:05Z', ['ordered'])).not.toBe(a);
  });
});

describe('opportunity-to-requisition options', () => {
  it('accepts the one-stage shorthand used in connector.yaml', () => {
    expect(parseOptions({ stage: 'Closed Won', submitForApproval: false }).stages).toEqual(['Closed Won']);
    expect(parseOptions({ stages: ['Won', 'Signed'] }).stages).toEqual(['Won', 'Signed']);
    expect(parseOptions({}).stages).toEqual(['Closed Won']);
  });
});

describe('shipped connector.yaml', () => {
  it('has options this flow accepts', () => {
    const file = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'config', 'connector.yaml'), 'utf8'));
    expect(() => parseOptions(file.flows['opportunity-to-requisition']?.options ?? {})).not.toThrow();
  });
});
