import { accounts } from './accounts';
import { addresses } from './addresses';
import { approvals } from './approvals';
import { budgetLines } from './budget-lines';
import { referenceResources } from './common';
import { contracts } from './contracts';
import { disputeReasons, invoices } from './invoices';
import { integrationHistoryRecords, integrationRuns } from './integrations';
import { purchaseOrderLines, purchaseOrders } from './purchase-orders';
import { requisitions } from './requisitions';
import { supplierInformation } from './supplier-information';
import { supplierRiskAwareFeed } from './supplier-risk-aware-feed';
import { suppliers } from './suppliers';
import type { ResourceDef } from './types';
import { users } from './users';

export const ALL_RESOURCES: ResourceDef[] = [
  ...referenceResources,
  disputeReasons,
  users,
  addresses,
  accounts,
  suppliers,
  supplierInformation,
  supplierRiskAwareFeed,
  requisitions,
  approvals,
  purchaseOrders,
  purchaseOrderLines,
  invoices,
  contracts,
  budgetLines,
  integrationRuns,
  integrationHistoryRecords,
];

/** Every scope an implemented endpoint checks: the default grant of the emulated OAuth client. */
export function allScopes(): string[] {
  const s = new Set<string>();
  for (const r of ALL_RESOURCES) {
    s.add(r.scopes.read);
    s.add(r.scopes.write);
    for (const c of r.scopes.create ?? []) s.add(c);
    if (r.scopes.delete) s.add(r.scopes.delete);
    for (const sub of r.subResources ?? []) for (const x of [sub.scopes.read, sub.scopes.write].flat()) s.add(x);
    for (const a of [...Object.values(r.memberActions ?? {}), ...Object.values(r.collectionActions ?? {})]) {
      for (const x of Array.isArray(a.scope) ? a.scope : [a.scope]) s.add(x);
    }
  }
  return [...s].sort();
}
