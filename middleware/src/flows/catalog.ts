/**
 * The flows this connector has: one entry each, with no code dependencies, so the configuration schema (flow names),
 * the registry (builders), `doctor` and the login (Coupa scopes) all read the same list. Adding a flow adds an entry
 * here and a builder in `index.ts`.
 */
export const FLOW_CATALOG = [
  {
    name: 'opportunity-to-requisition',
    description: 'A won Opportunity creates one Coupa requisition; requisition and PO progress comes back',
    coupaScopes: ['core.requisition.read', 'core.requisition.write', 'core.purchase_order.read', 'core.user.read', 'core.supplier.read'],
  },
  {
    name: 'contract-sync',
    description: 'Contracts both ways: activation in Salesforce, publication and amendments in Coupa',
    coupaScopes: ['core.contract.read', 'core.contract.write', 'core.supplier.read'],
  },
  {
    name: 'supplier-account-sync',
    description: 'Coupa suppliers ⇄ vendor Accounts, matched before anything is created',
    coupaScopes: ['core.supplier.read', 'core.supplier.write'],
  },
  {
    name: 'invoice-status',
    description: 'Coupa invoices and payments → Coupa_Invoice__c, with Tasks on disputes and payments',
    coupaScopes: ['core.invoice.read', 'core.purchase_order.read', 'core.requisition.read'],
  },
  {
    name: 'spend-summary',
    description: 'Committed, invoiced and paid spend and budget per vendor Account and period',
    coupaScopes: ['core.purchase_order.read', 'core.invoice.read', 'core.budget.read', 'core.supplier.read'],
  },
  {
    name: 'supplier-risk',
    description: "Coupa's Supplier Risk feed → the linked Account's risk score and level",
    // The Supplier Risk API documents no scope of its own; Coupa's supplier read scope is assumed.
    coupaScopes: ['core.supplier.read'],
  },
  {
    name: 'supplier-onboarding',
    description: 'Start supplier onboarding requests become Coupa supplier information; status comes back',
    coupaScopes: ['core.supplier.read', 'core.supplier.write'],
  },
] as const;

export type FlowName = (typeof FLOW_CATALOG)[number]['name'];
export const FLOW_NAMES = FLOW_CATALOG.map((f) => f.name) as unknown as readonly [FlowName, ...FlowName[]];
