import fs from 'fs';
import path from 'path';
import { XMLParser } from 'fast-xml-parser';
import { coupaStatusLabel, requestStatusLabel, KNOWN_REQUEST_STATUSES, KNOWN_STATUSES } from 'c/coupaStatusLabels';

const OBJECTS = path.resolve(__dirname, '../../../objects');
const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'value' });
/** The values of a status picklist (they are Coupa's own status words, from the R39 Swagger enums). */
const picklist = (file) =>
  parser
    .parse(fs.readFileSync(path.join(OBJECTS, file), 'utf8'))
    .CustomField.valueSet.valueSetDefinition.value.map((v) => v.fullName);
const STATUS_FIELDS = [
  'Coupa_Invoice__c/fields/Status__c.field-meta.xml',
  'Opportunity/fields/Coupa_Requisition_Status__c.field-meta.xml',
  'Opportunity/fields/Coupa_PO_Status__c.field-meta.xml',
  'Account/fields/Coupa_Supplier_Status__c.field-meta.xml'
];

describe('c/coupaStatusLabels', () => {
  it('shows Coupa statuses through their Custom Labels', () => {
    expect(coupaStatusLabel('disputed')).toBe('Disputed');
    expect(coupaStatusLabel('ap_hold')).toBe('AP hold');
    expect(coupaStatusLabel('cart')).toBe('In cart');
    expect(coupaStatusLabel('pending_approval')).toBe('Pending approval');
  });

  it('shows a status it does not know as Coupa sent it, and no status as null', () => {
    expect(coupaStatusLabel('sent_to_erp')).toBe('sent_to_erp');
    expect(coupaStatusLabel('constructor')).toBe('constructor');
    expect(coupaStatusLabel(null)).toBeNull();
    expect(coupaStatusLabel(undefined)).toBeNull();
    expect(coupaStatusLabel('')).toBeNull();
  });

  it.each(STATUS_FIELDS)('has a label for every value of %s', (file) => {
    const values = picklist(file);
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => !KNOWN_STATUSES.includes(v))).toEqual([]);
  });

  it('shows onboarding request statuses through their Custom Labels, with one for every picklist value', () => {
    const values = picklist('Coupa_Onboarding_Request__c/fields/Status__c.field-meta.xml');
    expect([...values].sort()).toEqual([...KNOWN_REQUEST_STATUSES].sort());
    expect(requestStatusLabel('In Progress')).toBe('In Progress');
    expect(requestStatusLabel('On Hold')).toBe('On Hold');
    expect(requestStatusLabel(null)).toBeNull();
  });

  it('reads whatever language the label resolves to (German here)', () => {
    jest.resetModules();
    jest.doMock('@salesforce/label/c.Coupa_Status_Disputed', () => ({ __esModule: true, default: 'Beanstandet' }), {
      virtual: true
    });
    jest.doMock('@salesforce/label/c.Coupa_Status_Voided', () => ({ __esModule: true, default: 'Annulliert' }), {
      virtual: true
    });
    jest.doMock(
      '@salesforce/label/c.Coupa_Request_Status_In_Progress',
      () => ({ __esModule: true, default: 'In Bearbeitung' }),
      {
        virtual: true
      }
    );
    const german = require('c/coupaStatusLabels');
    expect(german.coupaStatusLabel('disputed')).toBe('Beanstandet');
    expect(german.coupaStatusLabel('voided')).toBe('Annulliert');
    expect(german.coupaStatusLabel('sent_to_erp')).toBe('sent_to_erp');
    expect(german.requestStatusLabel('In Progress')).toBe('In Bearbeitung');
  });
});
