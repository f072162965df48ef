import type { SObjectDescribe } from '../../salesforce/client';

const f = (name: string, type: string, extra: Partial<SObjectDescribe['fields'][number]> = {}) => ({ name, type, createable: true, updateable: true, ...extra });
const picklist = (values: string[]) => ({ restrictedPicklist: true, picklistValues: values.map((value) => ({ value, active: true })) });

export const DESCRIBES: Record<string, SObjectDescribe> = {
  Coupa_Invoice__c: {
    name: 'Coupa_Invoice__c',
    fields: [
      f('Id', 'id', { createable: false, updateable: false, idLookup: true }),
      f('Name', 'string', { createable: false, updateable: false }),
      f('Coupa_Invoice_Id__c', 'string', { externalId: true, unique: true }),
      f('Account__c', 'reference', { relationshipName: 'Account__r', referenceTo: ['Account'] }),
      f('Status__c', 'picklist', picklist(['new', 'draft', 'pending_approval', 'approved', 'disputed', 'voided', 'other'])),
      f('Invoice_Date__c', 'date'),
      f('Gross_Total__c', 'currency'),
      f('Paid__c', 'boolean'),
      f('Coupa_Url__c', 'url'),
      f('PO_Number__c', 'string'),
      f('Dispute_Reason__c', 'textarea'),
      f('CreatedDate', 'datetime', { createable: false, updateable: false }),
    ],
  },
  Account: {
    name: 'Account',
    fields: [
      f('Id', 'id', { createable: false, updateable: false, idLookup: true }),
      f('Name', 'string'),
      f('Coupa_Supplier_Id__c', 'string', { externalId: true }),
      f('Coupa_Supplier_Number__c', 'string'),
      f('Website', 'url'),
    ],
  },
};

export const describe = async (name: string) => DESCRIBES[name];
