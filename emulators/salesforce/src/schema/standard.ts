import { FieldDef, FieldInit, ObjectDef, makeField } from './types';

/** Standard objects with their real API names, types, key prefixes and relationship names. */

const pick = (...values: string[]): Pick<FieldDef, 'picklistValues'> => ({
  picklistValues: values.map((v) => ({ value: v, label: v, active: true, defaultValue: false })),
});
const ro = { createable: false, updateable: false } as const;
const ref = (name: string, to: string[], relationshipName: string, childRelationshipName?: string, extra: Partial<FieldDef> = {}): FieldInit => ({
  name,
  type: 'reference',
  referenceTo: to,
  relationshipName,
  childRelationshipName,
  ...extra,
});
const address = (prefix: string): FieldInit[] => [
  { name: `${prefix}Street`, type: 'textarea', length: 255 },
  { name: `${prefix}City`, type: 'string', length: 40 },
  { name: `${prefix}State`, type: 'string', length: 80 },
  { name: `${prefix}PostalCode`, type: 'string', length: 20 },
  { name: `${prefix}Country`, type: 'string', length: 80 },
];

function systemFields(owned: boolean): FieldInit[] {
  const f: FieldInit[] = [
    { name: 'Id', type: 'id', label: 'Record ID', ...ro },
    { name: 'IsDeleted', type: 'boolean', label: 'Deleted', ...ro },
  ];
  if (owned) f.push(ref('OwnerId', ['User'], 'Owner', undefined, { label: 'Owner ID' }));
  f.push(
    { name: 'CreatedDate', type: 'datetime', ...ro },
    ref('CreatedById', ['User'], 'CreatedBy', undefined, ro),
    { name: 'LastModifiedDate', type: 'datetime', ...ro },
    ref('LastModifiedById', ['User'], 'LastModifiedBy', undefined, ro),
    { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp', ...ro },
  );
  return f;
}

export function makeObject(
  name: string,
  keyPrefix: string,
  fields: FieldInit[],
  opts: { owned?: boolean; label?: string; labelPlural?: string; custom?: boolean } = {},
): ObjectDef {
  const all = [...systemFields(opts.owned ?? true), ...fields].map(makeField);
  const label = opts.label ?? name.replace(/__c$/, '').replace(/_/g, ' ');
  return { name, label, labelPlural: opts.labelPlural ?? `${label}s`, keyPrefix, custom: opts.custom ?? false, fields: all, recordTypes: [] };
}

export function standardObjects(): ObjectDef[] {
  return [
    makeObject('Account', '001', [
      { name: 'Name', type: 'string', length: 255, required: true, nameField: true, label: 'Account Name' },
      { name: 'Type', type: 'picklist', ...pick('Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Vendor', 'Other') },
      ref('ParentId', ['Account'], 'Parent', 'ChildAccounts'),
      ...address('Billing'),
      ...address('Shipping'),
      { name: 'Phone', type: 'phone' },
      { name: 'Fax', type: 'phone' },
      { name: 'AccountNumber', type: 'string', length: 40 },
      { name: 'Website', type: 'url' },
      { name: 'Sic', type: 'string', length: 20 },
      { name: 'Industry', type: 'picklist', ...pick('Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting', 'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage', 'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Not For Profit', 'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other') },
      { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'NumberOfEmployees', type: 'int', precision: 8 },
      { name: 'Ownership', type: 'picklist', ...pick('Public', 'Private', 'Subsidiary', 'Other') },
      { name: 'TickerSymbol', type: 'string', length: 20 },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'Rating', type: 'picklist', ...pick('Hot', 'Warm', 'Cold') },
      { name: 'Site', type: 'string', length: 80 },
      { name: 'LastActivityDate', type: 'date', ...ro },
    ]),
    makeObject('Contact', '003', [
      ref('AccountId', ['Account'], 'Account', 'Contacts', { cascadeDelete: true }),
      { name: 'LastName', type: 'string', length: 80, required: true },
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'Salutation', type: 'picklist', ...pick('Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.') },
      { name: 'Name', type: 'string', length: 121, nameField: true, label: 'Full Name', ...ro },
      ...address('Mailing'),
      { name: 'Phone', type: 'phone' },
      { name: 'MobilePhone', type: 'phone' },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'Department', type: 'string', length: 80 },
      ref('ReportsToId', ['Contact'], 'ReportsTo'),
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'LastActivityDate', type: 'date', ...ro },
    ]),
    makeObject('Opportunity', '006', [
      ref('AccountId', ['Account'], 'Account', 'Opportunities', { cascadeDelete: true }),
      { name: 'Name', type: 'string', length: 120, required: true, nameField: true },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'StageName', type: 'picklist', required: true, label: 'Stage', ...pick('Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost') },
      { name: 'Amount', type: 'currency', precision: 18, scale: 2 },
      { name: 'Probability', type: 'percent', precision: 3, scale: 0 },
      { name: 'ExpectedRevenue', type: 'currency', ...ro },
      { name: 'TotalOpportunityQuantity', type: 'double', precision: 18, scale: 2 },
      { name: 'CloseDate', type: 'date', required: true },
      { name: 'Type', type: 'picklist', ...pick('Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer') },
      { name: 'NextStep', type: 'string', length: 255 },
      { name: 'LeadSource', type: 'picklist', ...pick('Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other') },
      { name: 'IsClosed', type: 'boolean', label: 'Closed', ...ro },
      { name: 'IsWon', type: 'boolean', label: 'Won', ...ro },
      { name: 'ForecastCategory', type: 'picklist', ...ro, ...pick('Omitted', 'Pipeline', 'BestCase', 'Forecast', 'Closed') },
      { name: 'ForecastCategoryName', type: 'picklist', ...pick('Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed') },
      ref('Pricebook2Id', ['Pricebook2'], 'Pricebook2', 'Opportunities'),
      ref('ContractId', ['Contract'], 'Contract'),
      { name: 'HasOpportunityLineItem', type: 'boolean', ...ro },
      { name: 'FiscalQuarter', type: 'int', ...ro },
      { name: 'FiscalYear', type: 'int', ...ro },
      { name: 'Fiscal', type: 'string', length: 6, ...ro },
      { name: 'LastActivityDate', type: 'date', ...ro },
    ]),
    makeObject(
      'OpportunityLineItem',
      '00k',
      [
        ref('OpportunityId', ['Opportunity'], 'Opportunity', 'OpportunityLineItems', { required: true, updateable: false, cascadeDelete: true }),
        { name: 'SortOrder', type: 'int' },
        ref('PricebookEntryId', ['PricebookEntry'], 'PricebookEntry', 'OpportunityLineItems', { updateable: false }),
        ref('Product2Id', ['Product2'], 'Product2', undefined, { updateable: false }),
        { name: 'ProductCode', type: 'string', length: 255, ...ro },
        { name: 'Name', type: 'string', length: 376, nameField: true, ...ro },
        { name: 'Quantity', type: 'double', required: true, precision: 12, scale: 2 },
        { name: 'TotalPrice', type: 'currency' },
        { name: 'UnitPrice', type: 'currency', label: 'Sales Price' },
        { name: 'ListPrice', type: 'currency', ...ro },
        { name: 'ServiceDate', type: 'date' },
        { name: 'Description', type: 'string', length: 255, label: 'Line Description' },
      ],
      { owned: false },
    ),
    makeObject(
      'Product2',
      '01t',
      [
        { name: 'Name', type: 'string', length: 255, required: true, nameField: true, label: 'Product Name' },
        { name: 'ProductCode', type: 'string', length: 255 },
        { name: 'Description', type: 'textarea', length: 4000 },
        { name: 'IsActive', type: 'boolean', defaultValue: false, label: 'Active' },
        { name: 'Family', type: 'picklist', ...pick('None') },
        { name: 'ExternalId', type: 'string', length: 255 },
        { name: 'QuantityUnitOfMeasure', type: 'picklist', ...pick('Each') },
        { name: 'StockKeepingUnit', type: 'string', length: 180 },
        { name: 'IsArchived', type: 'boolean', ...ro },
      ],
      { owned: false },
    ),
    makeObject(
      'Pricebook2',
      '01s',
      [
        { name: 'Name', type: 'string', length: 255, required: true, nameField: true, label: 'Price Book Name' },
        { name: 'IsActive', type: 'boolean', defaultValue: false, label: 'Active' },
        { name: 'IsArchived', type: 'boolean', ...ro },
        { name: 'Description', type: 'string', length: 255 },
        { name: 'IsStandard', type: 'boolean', ...ro },
      ],
      { owned: false, label: 'Price Book', labelPlural: 'Price Books' },
    ),
    makeObject(
      'PricebookEntry',
      '01u',
      [
        { name: 'Name', type: 'string', length: 255, nameField: true, ...ro },
        ref('Pricebook2Id', ['Pricebook2'], 'Pricebook2', 'PricebookEntries', { required: true, updateable: false }),
        ref('Product2Id', ['Product2'], 'Product2', 'PricebookEntries', { required: true, updateable: false }),
        { name: 'UnitPrice', type: 'currency', required: true, label: 'List Price' },
        { name: 'IsActive', type: 'boolean', defaultValue: false, label: 'Active' },
        { name: 'UseStandardPrice', type: 'boolean', defaultValue: false },
        { name: 'ProductCode', type: 'string', length: 255, ...ro },
        { name: 'IsArchived', type: 'boolean', ...ro },
      ],
      { owned: false, label: 'Price Book Entry', labelPlural: 'Price Book Entries' },
    ),
    makeObject('Contract', '800', [
      ref('AccountId', ['Account'], 'Account', 'Contracts', { required: true }),
      ref('Pricebook2Id', ['Pricebook2'], 'Pricebook2'),
      { name: 'OwnerExpirationNotice', type: 'picklist', ...pick('15', '30', '45', '60', '90', '120') },
      { name: 'StartDate', type: 'date', label: 'Contract Start Date' },
      { name: 'EndDate', type: 'date', label: 'Contract End Date', ...ro },
      ...address('Billing'),
      { name: 'ContractTerm', type: 'int', precision: 4 },
      { name: 'Status', type: 'picklist', required: true, restrictedPicklist: true, ...pick('Draft', 'In Approval Process', 'Activated') },
      ref('CompanySignedId', ['User'], 'CompanySigned'),
      { name: 'CompanySignedDate', type: 'date' },
      ref('CustomerSignedId', ['Contact'], 'CustomerSigned'),
      { name: 'CustomerSignedTitle', type: 'string', length: 40 },
      { name: 'CustomerSignedDate', type: 'date' },
      { name: 'SpecialTerms', type: 'textarea', length: 4000 },
      ref('ActivatedById', ['User'], 'ActivatedBy', undefined, ro),
      { name: 'ActivatedDate', type: 'datetime', ...ro },
      { name: 'StatusCode', type: 'picklist', ...ro, ...pick('Draft', 'InApproval', 'Activated', 'Terminated', 'Expired') },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'Name', type: 'string', length: 80, label: 'Contract Name' },
      { name: 'ContractNumber', type: 'string', length: 30, nameField: true, autoNumber: true, displayFormat: '{00000000}', ...ro },
      { name: 'LastActivityDate', type: 'date', ...ro },
    ]),
    makeObject(
      'User',
      '005',
      [
        { name: 'Username', type: 'string', length: 80, required: true, unique: true },
        { name: 'LastName', type: 'string', length: 80, required: true },
        { name: 'FirstName', type: 'string', length: 40 },
        { name: 'Name', type: 'string', length: 121, nameField: true, label: 'Full Name', ...ro },
        { name: 'CompanyName', type: 'string', length: 80 },
        { name: 'Division', type: 'string', length: 80 },
        { name: 'Department', type: 'string', length: 80 },
        { name: 'Title', type: 'string', length: 80 },
        { name: 'Email', type: 'email', length: 128, required: true },
        { name: 'Alias', type: 'string', length: 8, required: true },
        { name: 'CommunityNickname', type: 'string', length: 40 },
        { name: 'IsActive', type: 'boolean', defaultValue: true, label: 'Active' },
        { name: 'TimeZoneSidKey', type: 'picklist', required: true, ...pick('America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'GMT') },
        { name: 'LocaleSidKey', type: 'picklist', required: true, ...pick('en_US', 'en_GB', 'de_DE', 'fr_FR') },
        { name: 'EmailEncodingKey', type: 'picklist', required: true, ...pick('UTF-8', 'ISO-8859-1') },
        { name: 'LanguageLocaleKey', type: 'picklist', required: true, ...pick('en_US', 'de', 'fr') },
        { name: 'ProfileId', type: 'reference', referenceTo: ['Profile'], relationshipName: 'Profile', required: true },
        ref('UserRoleId', ['UserRole'], 'UserRole'),
        ref('ManagerId', ['User'], 'Manager'),
        { name: 'UserType', type: 'picklist', ...ro, ...pick('Standard', 'AutomatedProcess') },
      ],
      { owned: false },
    ),
    makeObject('Task', '00T', [
      ref('WhoId', ['Contact', 'Lead'], 'Who', undefined, { label: 'Name ID' }),
      ref('WhatId', ['Account', 'Opportunity', 'Contract', 'Product2'], 'What', undefined, { label: 'Related To ID' }),
      { name: 'Subject', type: 'combobox', length: 255, nameField: true, ...pick('Call', 'Send Letter', 'Send Quote', 'Other') },
      { name: 'ActivityDate', type: 'date', label: 'Due Date Only' },
      { name: 'Status', type: 'picklist', required: true, defaultValue: 'Not Started', ...pick('Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred') },
      { name: 'Priority', type: 'picklist', required: true, defaultValue: 'Normal', ...pick('High', 'Normal', 'Low') },
      { name: 'IsHighPriority', type: 'boolean', ...ro },
      { name: 'Description', type: 'textarea', length: 32000, label: 'Comments' },
      { name: 'Type', type: 'picklist', ...pick('Call', 'Email', 'Meeting', 'Other') },
      { name: 'IsClosed', type: 'boolean', label: 'Closed', ...ro },
      { name: 'TaskSubtype', type: 'picklist', ...pick('Task', 'Email', 'Call') },
      { name: 'CompletedDateTime', type: 'datetime', ...ro },
    ]),
    makeObject(
      'RecordType',
      '012',
      [
        { name: 'Name', type: 'string', length: 80, required: true, nameField: true, label: 'Record Type Label' },
        { name: 'DeveloperName', type: 'string', length: 80, required: true, label: 'Record Type Name' },
        { name: 'NamespacePrefix', type: 'string', length: 15, ...ro },
        { name: 'Description', type: 'string', length: 255 },
        { name: 'BusinessProcessId', type: 'reference', referenceTo: ['BusinessProcess'] },
        { name: 'SobjectType', type: 'picklist', required: true, updateable: false },
        { name: 'IsActive', type: 'boolean', defaultValue: false, label: 'Active' },
      ],
      { owned: false },
    ),
  ];
}

/** Standard objects that point at a custom-owned object's record types once record types exist. */
export const STANDARD_NAMES = new Set(standardObjects().map((o) => o.name.toLowerCase()));
