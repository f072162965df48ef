import path from 'node:path';
import { loadMappingDir, parseMapping } from '../mapping';
import { FLOW_CATALOG } from './catalog';
import { accessGaps, describeAccess, mappingFields, salesforceAccess } from './salesforce-access';

const mappings = new Map(loadMappingDir(path.join(__dirname, '../../../config/mappings')).map((m) => [m.name, m]));

describe('salesforceAccess', () => {
  it('derives field edit from Coupa-owned mapping fields and read from Salesforce-owned ones, custom fields only', () => {
    const m = parseMapping(
      [
        'coupa: { resource: suppliers }',
        'salesforce: { object: Account, externalId: Coupa_Supplier_Id__c, reads: [Coupa_Risk_Score__c, Name] }',
        'fields:',
        "  - { coupa: id, salesforce: Coupa_Supplier_Id__c, expression: '$string($)' }",
        '  - { coupa: name, salesforce: Name }',
        '  - { coupa: number, salesforce: Coupa_Supplier_Number__c }',
        '  - { owner: salesforce, salesforce: Coupa_Onboarding_Status__c, coupa: custom-fields.status }',
        '  - { owner: salesforce, salesforce: Owner.Coupa_Region__c, coupa: custom-fields.region }',
      ].join('\n'),
      'inline.yaml'
    );
    expect(mappingFields(m)).toEqual([
      { field: 'Account.Coupa_Supplier_Id__c', edit: true },
      { field: 'Account.Coupa_Risk_Score__c', edit: false },
      { field: 'Account.Coupa_Supplier_Number__c', edit: true },
      { field: 'Account.Coupa_Onboarding_Status__c', edit: false },
      { field: 'Owner.Coupa_Region__c', edit: false },
    ]);
  });

  it('unites the enabled flows only, naming who needs what', () => {
    const risk = salesforceAccess([{ name: 'supplier-risk' }], mappings);
    expect([...risk.objects.keys()]).toEqual(['Account']);
    expect(risk.objects.get('Account')).toMatchObject({ create: false, edit: true, delete: false, viewAll: false });
    expect(risk.fields.get('Account.Coupa_Risk_Score__c')).toEqual({ edit: true, flows: ['supplier-risk'] });
    expect(risk.fields.get('Account.Coupa_Supplier_Id__c')).toEqual({ edit: false, flows: ['supplier-risk'] });

    const both = salesforceAccess([{ name: 'supplier-risk' }, { name: 'supplier-account-sync' }], mappings);
    expect(both.objects.get('Account')).toMatchObject({ create: true, edit: true, viewAll: true, flows: ['supplier-risk', 'supplier-account-sync'] });
    // read by one flow, written by the other: edit wins
    expect(both.fields.get('Account.Coupa_Supplier_Id__c')?.edit).toBe(true);
  });

  it('leaves out objects whose access a parent controls, and prints one line per grant', () => {
    const all = salesforceAccess(FLOW_CATALOG, mappings);
    expect(all.objects.has('OpportunityLineItem')).toBe(false);
    expect(all.objects.get('Coupa_Spend_Summary__c')).toMatchObject({ delete: true, edit: true });
    const lines = describeAccess(salesforceAccess([{ name: 'invoice-status' }], mappings));
    expect(lines).toContain('Task\tread, create\tinvoice-status');
    expect(lines).toContain('Coupa_Invoice__c.Status__c\tread, edit\tinvoice-status');
  });
});

describe('accessGaps', () => {
  const access = salesforceAccess([{ name: 'supplier-risk' }], mappings);
  const need = access.objects.get('Account')!;
  const visible = ['Coupa_Risk_Score__c', 'Coupa_Risk_Level__c', 'Coupa_Last_Synced__c', 'Coupa_Supplier_Id__c'].map((name) => ({ name, updateable: true }));

  it('is empty when the describe shows every right the flows need', () => {
    expect(accessGaps('Account', need, access.fields, { updateable: true, fields: visible })).toEqual([]);
  });

  it('names a missing object right, a hidden field and a read-only field with the flows that need them', () => {
    const fields = visible.filter((f) => f.name !== 'Coupa_Risk_Level__c').map((f) => (f.name === 'Coupa_Risk_Score__c' ? { ...f, updateable: false } : f));
    expect(accessGaps('Account', need, access.fields, { updateable: false, fields })).toEqual([
      'cannot edit Account (supplier-risk)',
      'Account.Coupa_Risk_Level__c is not visible (supplier-risk)',
      'Account.Coupa_Risk_Score__c is read-only (supplier-risk)',
    ]);
  });
});
