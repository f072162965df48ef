/**
 * The flows this connector has: one entry each, with no code dependencies, so the configuration schema (flow names),
 * the registry (builders), `doctor`, the login (Coupa scopes) and the Salesforce access (`salesforce-access.ts`:
 * objects, rights and fields, with the mappings) all read the same list. Adding a flow adds an entry
 * here and a builder in `index.ts`.
 */
export const FLOW_CATALOG = [
  {
    name: 'opportunity-to-requisition',
    description: 'A won Opportunity creates one Coupa requisition; requisition and PO progress comes back',
    coupaScopes: ['core.requisition.read', 'core.requisition.write', 'core.purchase_order.read', 'core.user.read', 'core.supplier.read'],
    mappings: ['opportunity-to-requisition', 'opportunity-to-requisition-lines'],
    salesforce: {
      objects: { Opportunity: { edit: true, viewAll: true }, Product2: {}, Pricebook2: {} },
      fields: {},
    },
  },
  {
    name: 'contract-sync',
    description: 'Contracts both ways: activation in Salesforce, publication and amendments in Coupa',
    coupaScopes: ['core.contract.read', 'core.contract.write', 'core.supplier.read'],
    mappings: ['contract'],
    salesforce: {
      objects: { Contract: { create: true, edit: true, viewAll: true }, Account: {} },
      fields: { edit: ['Contract.Coupa_Last_Synced__c'] },
    },
  },
  {
    name: 'supplier-account-sync',
    description: 'Coupa suppliers ⇄ vendor Accounts, matched before anything is created',
    coupaScopes: ['core.supplier.read', 'core.supplier.write'],
    mappings: ['supplier-account'],
    salesforce: {
      objects: { Account: { create: true, edit: true, viewAll: true }, Contact: { create: true, edit: true } },
      fields: { edit: ['Account.Coupa_Last_Synced__c'] },
    },
  },
  {
    name: 'invoice-status',
    description: 'Coupa invoices and payments → Coupa_Invoice__c, with Tasks on disputes and payments',
    coupaScopes: ['core.invoice.read', 'core.purchase_order.read', 'core.requisition.read'],
    mappings: ['invoice-status'],
    salesforce: {
      objects: { Coupa_Invoice__c: { create: true, edit: true, viewAll: true }, Task: { create: true }, Account: {}, Opportunity: {} },
      fields: { read: ['Account.Coupa_Supplier_Id__c', 'Opportunity.Coupa_Requisition_Id__c'] },
    },
  },
  {
    name: 'spend-summary',
    description: 'Committed, invoiced and paid spend and budget per vendor Account and period',
    coupaScopes: ['core.purchase_order.read', 'core.invoice.read', 'core.budget.read', 'core.supplier.read'],
    mappings: ['spend-summary'],
    salesforce: {
      objects: { Coupa_Spend_Summary__c: { create: true, edit: true, delete: true, viewAll: true }, Account: {} },
      fields: { read: ['Account.Coupa_Supplier_Id__c'] },
    },
  },
  {
    name: 'supplier-risk',
    description: "Coupa's Supplier Risk feed → the linked Account's risk score and level",
    // The Supplier Risk API documents no scope of its own; Coupa's supplier read scope is assumed.
    coupaScopes: ['core.supplier.read'],
    mappings: ['supplier-risk'],
    salesforce: {
      objects: { Account: { edit: true } },
      fields: { edit: ['Account.Coupa_Risk_Level__c', 'Account.Coupa_Last_Synced__c'], read: ['Account.Coupa_Supplier_Id__c'] },
    },
  },
  {
    name: 'supplier-onboarding',
    description: 'Start supplier onboarding requests become Coupa supplier information; status comes back',
    coupaScopes: ['core.supplier.read', 'core.supplier.write'],
    mappings: ['supplier-onboarding'],
    salesforce: {
      objects: { Coupa_Onboarding_Request__c: { edit: true, viewAll: true }, Account: { edit: true, viewAll: true }, Contact: {}, Opportunity: {} },
      fields: {
        edit: [
          'Coupa_Onboarding_Request__c.Status__c',
          'Coupa_Onboarding_Request__c.Error__c',
          'Coupa_Onboarding_Request__c.Coupa_Supplier_Information_Id__c',
          'Account.Coupa_Onboarding_Status__c',
          'Account.Coupa_Supplier_Id__c',
        ],
      },
    },
  },
] as const;

export type FlowName = (typeof FLOW_CATALOG)[number]['name'];
export const FLOW_NAMES = FLOW_CATALOG.map((f) => f.name) as unknown as readonly [FlowName, ...FlowName[]];
