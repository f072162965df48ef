import { changeEventChannel, decodeFieldBitmaps } from './change-stream';

describe('change events', () => {
  const fields = [{ name: 'ChangeEventHeader' }, { name: 'Name' }, { name: 'BillingAddress', children: ['Street', 'City', 'Country'] }, { name: 'StageName' }];

  it('decodes a top-level bitmap: bit i from the right is schema field i', () => {
    expect(decodeFieldBitmaps(fields, ['0xA'])).toEqual(['Name', 'StageName']);
    expect(decodeFieldBitmaps(fields, ['0xa'])).toEqual(['Name', 'StageName']);
    expect(decodeFieldBitmaps(fields, [])).toEqual([]);
  });

  it('decodes nested bitmaps of compound fields as Parent.Child, and passes plain names through', () => {
    expect(decodeFieldBitmaps(fields, ['0x2', '2-0x6'])).toEqual(['Name', 'BillingAddress.City', 'BillingAddress.Country']);
    expect(decodeFieldBitmaps(fields, ['LastModifiedDate'])).toEqual(['LastModifiedDate']);
  });

  it('names channels like Salesforce', () => {
    expect(changeEventChannel('Opportunity')).toBe('/data/OpportunityChangeEvent');
    expect(changeEventChannel('Coupa_Onboarding_Request__c')).toBe('/data/Coupa_Onboarding_Request__ChangeEvent');
  });
});
