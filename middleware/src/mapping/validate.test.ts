import { COUPA_SCHEMA } from '../coupa/generated/schema';
import { parseMapping } from './compile';
import { MappingConfigError } from './errors';
import { assertMappingsValid, validateMapping } from './validate';
import { describe as sfDescribe } from './__fixtures__/describe';

const ctx = { coupaSchema: COUPA_SCHEMA, describe: sfDescribe };
const FILE = 'config/mappings/invoice-status.yaml';

const header = `
coupa: { resource: invoices }
salesforce: { object: Coupa_Invoice__c, externalId: Coupa_Invoice_Id__c }
transforms:
  text: "$string($)"
  dateOnly: "$substring($, 0, 10)"
fields:
  - { coupa: id, salesforce: Coupa_Invoice_Id__c, transform: text }
`;
const STATUS_MAP = `{ new: new, draft: draft, pending_approval: pending_approval, approved: approved, disputed: disputed, voided: voided }`;

async function issuesOf(fields: string, head = header) {
  return (await validateMapping(parseMapping(head + fields, FILE), ctx)).map((i) => `${i.severity === 'warning' ? 'warning: ' : ''}${i.path}: ${i.message}`);
}

describe('validateMapping', () => {
  it('accepts a correct mapping with nested Coupa paths, relationship keys and custom fields', async () => {
    expect(
      await issuesOf(`
  - { coupa: supplier.id, salesforce: Account__r.Coupa_Supplier_Id__c, transform: text }
  - { coupa: status, salesforce: Status__c, valueMap: ${STATUS_MAP}, default: other }
  - { coupa: invoice-date, salesforce: Invoice_Date__c, transform: dateOnly }
  - { coupa: gross-total, salesforce: Gross_Total__c }
  - { coupa: paid, salesforce: Paid__c }
  - { coupa: custom-fields.erp-reference, salesforce: PO_Number__c }
  - { salesforce: Coupa_Url__c, expression: "'https://acme.coupahost.com/invoices/' & $string($record.id)" }
`),
    ).toEqual([]);
  });

  it('names the file, the field and the reason for a misspelled Salesforce field', async () => {
    const m = parseMapping(header.replace('Coupa_Invoice_Id__c, transform', 'Coupa_Invoce_Id__c, transform').replace('externalId: Coupa_Invoice_Id__c', 'externalId: Coupa_Invoce_Id__c'), FILE);
    const err = await assertMappingsValid([m], ctx).catch((e: MappingConfigError) => e);
    expect(err).toBeInstanceOf(MappingConfigError);
    expect((err as MappingConfigError).message).toContain('config/mappings/invoice-status.yaml: fields[0].salesforce: Coupa_Invoce_Id__c is not a field of Coupa_Invoice__c');
  });

  it('rejects unknown Coupa fields, including inside associations', async () => {
    expect(await issuesOf(`  - { coupa: invoice-numbr, salesforce: PO_Number__c }\n  - { coupa: supplier.numbr, salesforce: Account__r.Coupa_Supplier_Id__c }\n  - { coupa: paid.x, salesforce: PO_Number__c }\n`)).toEqual([
      'fields[1].coupa: invoice-numbr is not a field of InvoiceHeader (Coupa invoices)',
      'fields[2].coupa: numbr is not a field of Supplier',
      'fields[3].coupa: paid is a boolean, it has no field x',
    ]);
  });

  it('rejects unknown objects, resources, relationships and non-external-id relationship keys', async () => {
    expect(await issuesOf('', header.replace('Coupa_Invoice__c,', 'Coupa_Invoices__c,'))).toEqual([
      'salesforce.object: Coupa_Invoices__c does not exist in the Salesforce org or is not accessible to the integration user',
    ]);
    expect(await issuesOf('', header.replace('resource: invoices', 'resource: invoice'))).toEqual([expect.stringMatching(/^coupa.resource: invoice is not a supported Coupa resource/)]);
    expect(await issuesOf('  - { coupa: supplier.id, salesforce: Acount__r.Coupa_Supplier_Id__c, transform: text }\n  - { coupa: supplier.name, salesforce: Account__r.Name }\n')).toEqual([
      'fields[1].salesforce: Acount__r is not a relationship of Coupa_Invoice__c',
      'fields[2].salesforce: Account.Name is neither an External ID nor an id-lookup field, so it cannot set the Account__r relationship',
    ]);
  });

  it('checks type compatibility unless a transform converts the value', async () => {
    expect(await issuesOf('  - { coupa: paid, salesforce: Gross_Total__c }\n  - { coupa: created-at, salesforce: Invoice_Date__c }\n  - { coupa: supplier, salesforce: PO_Number__c }\n')).toEqual([
      'fields[1].salesforce: type mismatch: Coupa paid is boolean, Coupa_Invoice__c.Gross_Total__c is currency; add a transform',
      'fields[2].salesforce: type mismatch: Coupa created-at is datetime, Coupa_Invoice__c.Invoice_Date__c is date; add a transform',
      'fields[3].salesforce: type mismatch: Coupa supplier is object, Coupa_Invoice__c.PO_Number__c is string; add a transform',
    ]);
    expect(await issuesOf('  - { coupa: created-at, salesforce: Invoice_Date__c, transform: dateOnly }\n')).toEqual([]);
  });

  it('allows Salesforce-owned association keys such as supplier.id (Coupa looks the record up)', async () => {
    expect(await issuesOf('  - { coupa: supplier.number, salesforce: PO_Number__c, owner: salesforce }\n')).toEqual([]);
  });

  it('rejects writes to read-only targets in either direction', async () => {
    expect(await issuesOf('  - { coupa: invoice-number, salesforce: Name }\n  - { coupa: gross-total, salesforce: Gross_Total__c, owner: salesforce }\n')).toEqual([
      'fields[1].salesforce: Coupa_Invoice__c.Name is not writable (read-only or formula), but Coupa owns it',
      'fields[2].coupa: gross-total is read-only in Coupa (InvoiceHeader), but Salesforce owns it',
    ]);
  });

  it('proves restricted picklist values can map', async () => {
    // identity mapping from a Coupa enum with values the picklist lacks
    expect(await issuesOf('  - { coupa: status, salesforce: Status__c }\n')).toEqual([
      expect.stringMatching(/^fields\[1\].coupa: Coupa status values ap_hold, .* are not values of restricted picklist Coupa_Invoice__c.Status__c; add a valueMap$/),
    ]);
    // a valueMap target that is not a picklist value
    expect(await issuesOf(`  - { coupa: status, salesforce: Status__c, valueMap: { approved: Approved }, default: other }\n`)).toEqual([
      "fields[1].valueMap.approved: 'Approved' is not a value of restricted picklist Coupa_Invoice__c.Status__c (allowed: new, draft, pending_approval, approved, disputed, voided, other)",
    ]);
    // enum values left unmapped without a default
    expect(await issuesOf(`  - { coupa: status, salesforce: Status__c, valueMap: ${STATUS_MAP} }\n`)).toEqual([
      expect.stringMatching(/^fields\[1\].valueMap: Coupa status values ap_hold, on_hold, .* have no mapping to restricted picklist Coupa_Invoice__c.Status__c \(add them or set a default\)$/),
    ]);
    // free text into a restricted picklist
    expect(await issuesOf('  - { coupa: invoice-number, salesforce: Status__c }\n')).toEqual([expect.stringMatching(/^fields\[1\]: restricted picklist .* only accepts new, draft/)]);
    // an expression cannot be checked: warning only
    expect(await issuesOf('  - { coupa: status, salesforce: Status__c, expression: "$lowercase($)" }\n')).toEqual([expect.stringMatching(/^warning: fields\[1\]: values written to restricted picklist/)]);
  });

  it('checks Salesforce-owned values against the Coupa enum', async () => {
    const head = header.replace('resource: invoices', 'resource: suppliers').replace('Coupa_Invoice__c, externalId: Coupa_Invoice_Id__c', 'Account, externalId: Coupa_Supplier_Id__c').replace('Coupa_Invoice_Id__c, transform', 'Coupa_Supplier_Id__c, transform');
    expect(await issuesOf('  - { coupa: name, salesforce: Name, owner: salesforce }\n  - { coupa: number, salesforce: Coupa_Supplier_Number__c }\n', head)).toEqual([]);
    const supplierEnum = COUPA_SCHEMA.definitions.Supplier['po-method'].enum;
    expect(supplierEnum).toBeDefined();
    expect(await issuesOf('  - { coupa: po-method, salesforce: Website, owner: salesforce, valueMap: { a: fax } }\n', head)).toEqual([expect.stringMatching(/^fields\[1\].valueMap.a: 'fax' is not a value of Coupa po-method/)]);
  });
});
