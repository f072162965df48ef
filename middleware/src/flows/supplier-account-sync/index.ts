/**
 * supplier-account-sync: Coupa suppliers ⇄ Salesforce vendor Accounts, declared as one flow per direction sharing
 * links, echo ledger, lineage and per-field ownership from one mapping (`shared/two-way.ts`). Coupa → Salesforce
 * upserts the Account (and the primary contact as a Contact) after matching; Salesforce → Coupa pushes the
 * Salesforce-owned fields of linked Accounts and never creates a supplier.
 */
import type { FlowDefinition } from '../../engine';
import { requireMapping, type FlowDeps } from '../deps';
import { twoWaySync } from '../shared/two-way';
import { SUPPLIER_ACCOUNT_SYNC, supplierAccountOptions } from './options';
import { accountToSupplierFlow } from './to-coupa';
import { supplierToAccountFlow } from './to-salesforce';

export { SUPPLIER_ACCOUNT_SYNC, supplierAccountOptions, supplierAccountOptionsSchema, type SupplierAccountOptions } from './options';
export { CONTACT_KEY, INITIAL_KEY, TO_SALESFORCE } from './to-salesforce';
export { TO_COUPA } from './to-coupa';

export function createSupplierAccountSyncFlows(deps: FlowDeps): FlowDefinition<any, any>[] {
  const opts = supplierAccountOptions(deps.options);
  const mapping = requireMapping(deps, opts.mapping);
  const twoWay = twoWaySync({
    mapping,
    linkGroup: SUPPLIER_ACCOUNT_SYNC,
    store: deps.store,
    sides: { salesforce: { system: 'salesforce', object: mapping.spec.salesforce.object }, coupa: { system: 'coupa', object: 'suppliers' } },
    // No field is shared, so nothing can conflict: Accounts are not read before a write; a supplier is, so that the
    // first write after an Account is linked sends only what differs.
    targetValues: { salesforce: 'none', coupa: 'all' },
  });
  return [supplierToAccountFlow(deps, mapping, opts, twoWay), accountToSupplierFlow(deps, mapping, twoWay)];
}
