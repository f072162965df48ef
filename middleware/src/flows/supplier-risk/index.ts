/**
 * supplier-risk: Coupa's Supplier Risk feed (`/api/supplier_risk_aware_feed`) → the linked Account's risk score and
 * level. A declared flow (`defineCoupaToSalesforceFlow`): the mapping says which feed field is the score, the options
 * say which score is which level; a feed row whose supplier has no Account yet waits for supplier-account-sync to link
 * one and is written then.
 */
import type { FlowDefinition } from '../../engine';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow } from '../shared/define-flow';
import { LAST_SYNCED_FIELD } from '../shared/salesforce-writes';
import { levelOf, parseSupplierRiskOptions } from './options';

export const SUPPLIER_RISK_FLOW = 'supplier-risk';

const supplierIdOf = (row: Record<string, unknown>): string | null => {
  const id = row['supplier-id'] ?? (row.supplier as { id?: unknown } | null | undefined)?.id;
  return id === undefined || id === null || id === '' ? null : String(id);
};

export function createSupplierRiskFlow(deps: FlowDeps, schedule = '*/30 * * * *'): FlowDefinition {
  const options = parseSupplierRiskOptions(deps.options);
  return defineCoupaToSalesforceFlow(deps, {
    name: SUPPLIER_RISK_FLOW,
    mapping: requireMapping(deps, options.mapping),
    schedule,
    stampField: LAST_SYNCED_FIELD,
    target: {
      lookup: {
        field: options.accountSupplierIdField,
        key: supplierIdOf,
        waitFor: (row) => {
          const id = supplierIdOf(row);
          return id ? { system: 'coupa', object: 'suppliers', id } : null;
        },
      },
    },
    hooks: {
      afterMap: (payload) => ({ ...payload, [options.levelField]: levelOf(payload[options.scoreField], options.levels) }),
    },
  });
}

export { parseSupplierRiskOptions, levelOf, type SupplierRiskOptions } from './options';
