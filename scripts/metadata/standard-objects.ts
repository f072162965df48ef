/**
 * Standard objects the package may extend or reference, with the standard fields a permission set or a
 * lookup may name. Not the whole platform: just what this package can meaningfully point at.
 */
export const STANDARD_OBJECTS: Record<string, readonly string[]> = {
  Account: [
    'Name',
    'Type',
    'Industry',
    'Phone',
    'Website',
    'BillingStreet',
    'BillingCity',
    'BillingState',
    'BillingPostalCode',
    'BillingCountry',
    'ShippingStreet',
    'ShippingCity',
    'ShippingState',
    'ShippingPostalCode',
    'ShippingCountry',
    'AccountNumber',
    'Description',
    'OwnerId',
    'ParentId'
  ],
  Contact: ['FirstName', 'LastName', 'Email', 'Phone', 'Title', 'AccountId', 'OwnerId'],
  Opportunity: [
    'Name',
    'StageName',
    'CloseDate',
    'Amount',
    'AccountId',
    'Type',
    'Probability',
    'OwnerId',
    'Pricebook2Id',
    'Description',
    'IsClosed',
    'IsWon'
  ],
  OpportunityLineItem: [
    'OpportunityId',
    'PricebookEntryId',
    'Product2Id',
    'Quantity',
    'UnitPrice',
    'TotalPrice',
    'Description'
  ],
  Product2: ['Name', 'ProductCode', 'Description', 'IsActive', 'Family'],
  Pricebook2: ['Name', 'IsActive', 'IsStandard'],
  PricebookEntry: ['Pricebook2Id', 'Product2Id', 'UnitPrice', 'IsActive'],
  Contract: [
    'Name',
    'AccountId',
    'Status',
    'StartDate',
    'EndDate',
    'ContractTerm',
    'ContractNumber',
    'Description',
    'OwnerId',
    'SpecialTerms'
  ],
  User: ['Username', 'Email', 'FirstName', 'LastName', 'IsActive'],
  Task: ['Subject', 'Status', 'Priority', 'WhatId', 'WhoId', 'ActivityDate', 'Description', 'OwnerId'],
  Event: ['Subject', 'WhatId', 'WhoId', 'StartDateTime', 'EndDateTime'],
  Lead: ['FirstName', 'LastName', 'Company', 'Email', 'Status'],
  Case: ['Subject', 'Status', 'AccountId', 'ContactId'],
  Order: ['AccountId', 'Status', 'EffectiveDate', 'ContractId'],
  OrderItem: ['OrderId', 'Quantity', 'UnitPrice'],
  RecordType: ['Name', 'DeveloperName', 'SobjectType', 'IsActive']
};

export const isStandardObject = (name: string): boolean => Object.prototype.hasOwnProperty.call(STANDARD_OBJECTS, name);
