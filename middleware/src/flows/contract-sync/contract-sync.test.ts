import path from 'node:path';
import { loadMappingFile } from '../../mapping';
import { contractSyncOptions, derivedEndDate, ownersFor, sharedPairs } from '.';

const mapping = loadMappingFile(path.join(__dirname, '..', '..', '..', '..', 'config', 'mappings', 'contract.yaml'));

describe('contract-sync mapping rules', () => {
  it('treats pairs mapped by both owners as shared, and everything else as owned', () => {
    expect(sharedPairs(mapping)).toEqual(
      expect.arrayContaining([
        { coupa: 'name', salesforce: 'Name' },
        { coupa: 'description', salesforce: 'Description' },
        { coupa: 'supplier.id', salesforce: 'Account.Coupa_Supplier_Id__c' },
      ]),
    );
    const toSalesforce = ownersFor(mapping, 'salesforce');
    expect(toSalesforce).toMatchObject({ Coupa_Contract_Id__c: 'coupa', Coupa_Contract_Status__c: 'coupa', ContractTerm: 'coupa' });
    expect(toSalesforce).not.toHaveProperty('Name');
    expect(toSalesforce).not.toHaveProperty('Account');
    expect(ownersFor(mapping, 'coupa')).toMatchObject({ 'custom-fields': 'salesforce', number: 'salesforce', 'end-date': 'salesforce' });
  });

  it('derives the Salesforce end date from start date and term', () => {
    expect(derivedEndDate('2026-01-01', 12)).toBe('2026-12-31');
    expect(derivedEndDate('2026-07-01', 3)).toBe('2026-09-30');
    expect(derivedEndDate('2024-01-31', 1)).toBe('2024-03-01'); // JavaScript month overflow, like the emulator
    expect(derivedEndDate(null, 12)).toBeNull();
  });

  it('validates options', () => {
    expect(contractSyncOptions({})).toMatchObject({ mapping: 'contract', activatedStatuses: ['Activated'], insertStatus: 'Draft' });
    expect(contractSyncOptions({ insertStatus: null }).insertStatus).toBeNull();
    expect(() => contractSyncOptions({ activatedStatuses: 'Activated' })).toThrow(/list of strings/);
    expect(() => contractSyncOptions({ activatedStatus: ['Activated'] })).toThrow(/activatedStatus/);
  });
});
