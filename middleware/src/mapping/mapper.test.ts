import { parseMapping } from './compile';
import { MappingRecordError } from './errors';
import { mapRecord, sourcePaths } from './mapper';
import { previewMapping, sameValue } from './preview';

const mapping = parseMapping(
  `
coupa: { resource: invoices, reads: [currency.code] }
salesforce: { object: Coupa_Invoice__c, externalId: Coupa_Invoice_Id__c }
condition:
  coupa: "status != 'draft'"
transforms:
  text: "$string($)"
  dateOnly: "$substring($, 0, 10)"
fields:
  - { coupa: id, salesforce: Coupa_Invoice_Id__c, transform: text }
  - { coupa: supplier.id, salesforce: Account__r.Coupa_Supplier_Id__c, transform: text }
  - { coupa: status, salesforce: Status__c, valueMap: { approved: approved, disputed: disputed }, default: other }
  - { coupa: invoice-date, salesforce: Invoice_Date__c, transform: dateOnly }
  - { coupa: gross-total, salesforce: Gross_Total__c }
  - { salesforce: Coupa_Url__c, expression: "'https://acme.coupahost.com/invoices/' & $string($record.id)" }
  - { coupa: dispute-reason.code, salesforce: Dispute_Reason__c, when: "status = 'disputed'" }
  - { coupa: custom-fields.salesforce-opportunity-id, salesforce: Opportunity__c, owner: salesforce }
  - { coupa: custom-fields.erp-reference, salesforce: PO_Number__c, owner: salesforce, expression: "$ & '-SF'" }
`,
  'config/mappings/invoice-status.yaml',
);

const invoice = {
  id: 42,
  status: 'approved',
  'invoice-date': '2026-03-01T00:00:00-08:00',
  'gross-total': '1250.50',
  supplier: { id: 7, name: 'Acme' },
  'dispute-reason': { code: 'WRONG-QTY' },
};

describe('mapRecord', () => {
  it('maps Coupa-owned fields into a Salesforce payload', async () => {
    const r = await mapRecord(mapping, 'coupa-to-salesforce', invoice);
    expect(r.included).toBe(true);
    expect(r.payload).toEqual({
      Coupa_Invoice_Id__c: '42',
      Account__r: { Coupa_Supplier_Id__c: '7' },
      Status__c: 'approved',
      Invoice_Date__c: '2026-03-01',
      Gross_Total__c: '1250.50',
      Coupa_Url__c: 'https://acme.coupahost.com/invoices/42',
    });
  });

  it('applies per-field conditions, defaults and null lookups', async () => {
    const r = await mapRecord(mapping, 'coupa-to-salesforce', { ...invoice, status: 'voided', supplier: null });
    expect(r.payload.Status__c).toBe('other');
    expect(r.payload.Account__c).toBeNull();
    expect(r.payload).not.toHaveProperty('Account__r');
    expect(r.payload).not.toHaveProperty('Dispute_Reason__c');
    const disputed = await mapRecord(mapping, 'coupa-to-salesforce', { ...invoice, status: 'disputed' });
    expect(disputed.payload.Dispute_Reason__c).toBe('WRONG-QTY');
  });

  it('skips records excluded by the mapping condition', async () => {
    expect(await mapRecord(mapping, 'coupa-to-salesforce', { ...invoice, status: 'draft' })).toEqual({ included: false, values: [], payload: {} });
  });

  it('maps Salesforce-owned fields into Coupa custom fields', async () => {
    const r = await mapRecord(mapping, 'salesforce-to-coupa', { Opportunity__c: '006A', PO_Number__c: 'PO-9' });
    expect(r.payload).toEqual({ 'custom-fields': { 'salesforce-opportunity-id': '006A', 'erp-reference': 'PO-9-SF' } });
  });

  it('fails a record whose value has no valueMap entry and no default', async () => {
    const strict = parseMapping(
      'coupa: { resource: invoices }\nsalesforce: { object: Coupa_Invoice__c }\nfields:\n  - { coupa: status, salesforce: Status__c, valueMap: { approved: approved } }\n',
      'strict.yaml',
    );
    const err = await mapRecord(strict, 'coupa-to-salesforce', { status: 'voided' }).catch((e: MappingRecordError) => e);
    expect(err).toBeInstanceOf(MappingRecordError);
    expect((err as MappingRecordError).message).toBe("strict: fields[0].valueMap: no mapping for value 'voided' of status");
    expect((err as MappingRecordError).kind).toBe('validation');
  });

  it('lists the source paths to read (for the Coupa fields projection)', () => {
    expect(sourcePaths(mapping, 'coupa-to-salesforce')).toEqual(['id', 'supplier.id', 'status', 'invoice-date', 'gross-total', 'dispute-reason.code', 'currency.code']);
    expect(sourcePaths(mapping, 'salesforce-to-coupa')).toEqual(['Opportunity__c', 'PO_Number__c']);
  });
});

describe('previewMapping', () => {
  it('shows the payload and a field-level diff against the current target record', async () => {
    const current = {
      Id: 'a01',
      Coupa_Invoice_Id__c: '42',
      Account__r: { Coupa_Supplier_Id__c: '7' },
      Status__c: 'pending_approval',
      Invoice_Date__c: '2026-03-01',
      Gross_Total__c: 1250.5,
      Coupa_Url__c: 'https://acme.coupahost.com/invoices/42',
    };
    const p = await previewMapping(mapping, 'coupa-to-salesforce', invoice, current);
    expect(p.included).toBe(true);
    expect(p.changedCount).toBe(1);
    expect(p.diff.filter((d) => d.changed)).toEqual([{ path: 'Status__c', before: 'pending_approval', after: 'approved', changed: true, field: 2 }]);
    expect(p.payload.Gross_Total__c).toBe('1250.50');

    const only = await previewMapping(mapping, 'coupa-to-salesforce', invoice, current, { onlyChanged: true });
    expect(only.payload).toEqual({ Coupa_Invoice_Id__c: '42', Status__c: 'approved' });
  });

  it('treats every field as a change when the target does not exist yet', async () => {
    const p = await previewMapping(mapping, 'coupa-to-salesforce', invoice);
    expect(p.changedCount).toBe(p.diff.length);
    expect(p.diff[0]).toEqual({ path: 'Coupa_Invoice_Id__c', before: null, after: '42', changed: true, field: 0 });
  });
});

describe('sameValue', () => {
  it('compares as stored', () => {
    expect(sameValue('1250.50', 1250.5)).toBe(true);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue('2026-03-01T00:00:00-08:00', '2026-03-01T08:00:00.000+0000')).toBe(true);
    expect(sameValue('2026-03-01T00:00:00-08:00', '2026-03-01T00:00:00.000+0000')).toBe(false);
    expect(sameValue('', 0)).toBe(false);
    expect(sameValue('a', 'b')).toBe(false);
  });
});
