import { toBulkCsv } from './bulk';

describe('toBulkCsv', () => {
  it('takes the union of fields as columns, #N/A for null, empty for a field a record lacks', () => {
    expect(toBulkCsv([{ Ext__c: '1', Name: 'A', Website: null }, { Ext__c: '2', Phone: '555' }])).toBe('Ext__c,Name,Website,Phone\n1,A,#N/A,\n2,,,555\n');
  });

  it('quotes commas, quotes, line breaks and edge spaces; flattens a relationship by external id', () => {
    const csv = toBulkCsv([{ Name: 'Acme, "Parts"', Notes: 'two\nlines', Pad: ' x', Account__r: { Coupa_Supplier_Id__c: '42' }, Paid__c: false, Amount__c: 12.5 }]);
    expect(csv).toBe('Name,Notes,Pad,Account__r.Coupa_Supplier_Id__c,Paid__c,Amount__c\n"Acme, ""Parts""","two\nlines"," x",42,false,12.5\n');
  });
});
