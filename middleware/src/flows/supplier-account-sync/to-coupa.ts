/**
 * supplier-account-sync.to-coupa, declared: the Salesforce-owned fields of linked vendor Accounts go to their Coupa
 * suppliers. Suppliers are made in Coupa (or by supplier onboarding), never here: an Account given a supplier id by
 * hand is linked to that supplier if it exists, and an Account naming none is not written.
 */
import type { FlowDefinition } from '../../engine';
import type { CompiledMapping } from '../../mapping';
import type { FlowDeps } from '../deps';
import { defineSalesforceToCoupaFlow } from '../shared/define-salesforce-to-coupa';
import type { TwoWaySync } from '../shared/two-way';
import { textOrNull } from '../shared/values';
import { matchFields } from './account-match';
import { SUPPLIER_ACCOUNT_SYNC, supplierAccountOptionsSchema } from './options';

export const TO_COUPA = `${SUPPLIER_ACCOUNT_SYNC}.to-coupa`;

export function accountToSupplierFlow(deps: FlowDeps, mapping: CompiledMapping, twoWay: TwoWaySync): FlowDefinition<any, any> {
  const { sobject, externalId } = matchFields(mapping);
  return defineSalesforceToCoupaFlow(deps, {
    name: TO_COUPA,
    options: supplierAccountOptionsSchema,
    declare: (o) => ({
      twoWay,
      schedule: o.schedule,
      batchSize: 200,
      source: { sobject, fields: twoWay.salesforceFields, where: o.salesforceWhere },
      target: {
        resource: 'suppliers',
        carriedId: (row) => textOrNull(row[externalId]),
        neverCreates: (id) => `Account ${id} is not linked to a Coupa supplier; suppliers are created in Coupa`,
      },
      mapping,
    }),
  });
}
