/** The six flows: which definitions each builds and which Coupa scopes it needs. */
import type { FlowName } from '../config';
import type { FlowDefinition } from '../engine';
import type { FlowDeps } from './deps';
import { createContractSyncFlows } from './contract-sync';
import { createInvoiceStatusFlow } from './invoice-status';
import { COUPA_SCOPES as REQUISITION_SCOPES, createOpportunityToRequisitionFlows } from './opportunity-to-requisition';
import { createSpendSummaryFlow } from './spend-summary';
import { createSupplierAccountSyncFlows } from './supplier-account-sync';
import { COUPA_SCOPES as ONBOARDING_SCOPES, createSupplierOnboardingFlows } from './supplier-onboarding';

export type { FlowDeps } from './deps';

export interface FlowModule {
  /** connector.yaml key; one module may register several engine flows (one per direction). */
  name: FlowName;
  description: string;
  /** Coupa OAuth scopes the flow's reads and writes need (checked by `doctor`, requested at login). */
  coupaScopes: string[];
  build(deps: FlowDeps): FlowDefinition<any, any>[];
}

export const FLOW_MODULES: FlowModule[] = [
  {
    name: 'opportunity-to-requisition',
    description: 'A won Opportunity creates one Coupa requisition; requisition and PO progress comes back',
    coupaScopes: [...REQUISITION_SCOPES, 'core.supplier.read'],
    build: (deps) => createOpportunityToRequisitionFlows(deps)
  },
  {
    name: 'supplier-account-sync',
    description: 'Coupa suppliers ⇄ vendor Accounts, matched before anything is created',
    coupaScopes: ['core.supplier.read', 'core.supplier.write'],
    build: (deps) => createSupplierAccountSyncFlows(deps)
  },
  {
    name: 'invoice-status',
    description: 'Coupa invoices and payments → Coupa_Invoice__c, with Tasks on disputes and payments',
    coupaScopes: ['core.invoice.read', 'core.purchase_order.read', 'core.requisition.read'],
    build: (deps) => [createInvoiceStatusFlow(deps)]
  },
  {
    name: 'contract-sync',
    description: 'Contracts both ways: activation in Salesforce, publication and amendments in Coupa',
    coupaScopes: ['core.contract.read', 'core.contract.write', 'core.supplier.read'],
    build: (deps) => createContractSyncFlows(deps)
  },
  {
    name: 'spend-summary',
    description: 'Committed, invoiced and paid spend and budget per vendor Account and period',
    coupaScopes: ['core.purchase_order.read', 'core.invoice.read', 'core.budget.read', 'core.supplier.read'],
    build: (deps) => [createSpendSummaryFlow(deps)]
  },
  {
    name: 'supplier-onboarding',
    description: 'Start supplier onboarding requests become Coupa supplier information; status comes back',
    coupaScopes: ONBOARDING_SCOPES,
    build: (deps) => createSupplierOnboardingFlows(deps)
  }
];

/** Union of the scopes the given flows need, plus core.common.read which every connection needs. */
export function scopesFor(modules: FlowModule[]): string[] {
  return [...new Set(['core.common.read', ...modules.flatMap((m) => m.coupaScopes)])].sort();
}
