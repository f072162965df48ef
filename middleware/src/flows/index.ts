/** The registry: the catalog's flows (`catalog.ts`) with the builders of their engine flows. */
import { FLOW_CATALOG, type FlowName } from './catalog';
import type { FlowDefinition } from '../engine';
import type { FlowDeps } from './deps';
import { createContractSyncFlows } from './contract-sync';
import { createInvoiceStatusFlow } from './invoice-status';
import { createOpportunityToRequisitionFlows } from './opportunity-to-requisition';
import { createSpendSummaryFlow } from './spend-summary';
import { createSupplierAccountSyncFlows } from './supplier-account-sync';
import { createSupplierOnboardingFlows } from './supplier-onboarding';
import { createSupplierRiskFlow } from './supplier-risk';

export type { FlowDeps } from './deps';

export interface FlowModule {
  /** connector.yaml key; one module may register several engine flows (one per direction). */
  name: FlowName;
  description: string;
  /** Coupa OAuth scopes the flow's reads and writes need (checked by `doctor`, requested at login). */
  coupaScopes: string[];
  build(deps: FlowDeps): FlowDefinition<any, any>[];
}

const BUILDERS: Record<FlowName, (deps: FlowDeps) => FlowDefinition<any, any>[]> = {
  'opportunity-to-requisition': (deps) => createOpportunityToRequisitionFlows(deps),
  'contract-sync': (deps) => createContractSyncFlows(deps),
  'supplier-account-sync': (deps) => createSupplierAccountSyncFlows(deps),
  // Its write is one upsert by external id of any size: backlogs go to Salesforce as Bulk API 2.0 jobs.
  'invoice-status': (deps) => [createInvoiceStatusFlow(deps)],
  'spend-summary': (deps) => [createSpendSummaryFlow(deps)],
  'supplier-onboarding': (deps) => createSupplierOnboardingFlows(deps),
  'supplier-risk': (deps) => [createSupplierRiskFlow(deps)],
};

/** The catalog's flows with their builders, in catalog order. */
export const FLOW_MODULES: FlowModule[] = FLOW_CATALOG.map((f) => ({
  name: f.name,
  description: f.description,
  coupaScopes: [...f.coupaScopes],
  build: BUILDERS[f.name],
}));

/** Union of the scopes the given flows need, plus core.common.read which every connection needs. */
export function scopesFor(modules: FlowModule[]): string[] {
  return [...new Set(['core.common.read', ...modules.flatMap((m) => m.coupaScopes)])].sort();
}
