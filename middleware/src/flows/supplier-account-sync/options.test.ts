import { supplierAccountOptions } from './options';

describe('supplier-account-sync options', () => {
  it('defaults every option', () => {
    expect(supplierAccountOptions(undefined)).toEqual({
      mapping: 'supplier-account',
      syncPrimaryContact: true,
      createOnlyFields: ['Type'],
      salesforceWhere: 'Coupa_Supplier_Id__c != null',
      schedule: '* * * * *',
    });
  });

  it('refuses bad options with their path and reason', () => {
    expect(() => supplierAccountOptions({ taxIdField: 'Tax Id' })).toThrow('flows.supplier-account-sync.options.taxIdField: must be a field API name');
    expect(() => supplierAccountOptions({ syncPrimaryContact: 'no' })).toThrow('flows.supplier-account-sync.options.syncPrimaryContact: must be true or false');
    expect(() => supplierAccountOptions({ createOnlyFields: 'Type' })).toThrow('flows.supplier-account-sync.options.createOnlyFields: must be a list of strings');
    expect(() => supplierAccountOptions({ matchByName: true })).toThrow(/flows\.supplier-account-sync\.options.*matchByName/);
  });

  it('keeps what is given', () => {
    expect(supplierAccountOptions({ taxIdField: 'Tax_Id__c', syncPrimaryContact: false, createOnlyFields: [] })).toMatchObject({
      taxIdField: 'Tax_Id__c',
      syncPrimaryContact: false,
      createOnlyFields: [],
    });
  });
});
