/**
 * opportunity-to-requisition-status: the requisition's progress (its status, its purchase orders' numbers, status and
 * committed amount) back onto the Opportunity whose id the requisition carries. A declared flow whose source is the
 * requisition with its POs (`RequisitionProgressReader`); the Opportunity is named by the requisition, never created.
 */
import { projectionFromPaths } from '../../coupa';
import type { FlowDefinition } from '../../engine';
import { sourcePaths } from '../../mapping';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow } from '../shared/define-flow';
import { customFieldKey } from '../shared/coupa-key-lookup';
import { classifyFor } from '../shared/errors';
import { LINK_GROUP, OPPORTUNITY_ID_FIELD, STATUS_FLOW_NAME } from './logic';
import { parseOptions } from './options';
import { RequisitionProgressReader } from './progress-reader';

/** The Opportunity id a requisition carries in its custom field, or null. */
export function opportunityIdOfRequisition(req: Record<string, unknown>): string | null {
  return customFieldKey(req, OPPORTUNITY_ID_FIELD);
}

export function createRequisitionStatusFlow(deps: FlowDeps, headerMapping: string): FlowDefinition {
  const o = parseOptions(deps.options);
  const header = requireMapping(deps, headerMapping);
  const reader = new RequisitionProgressReader(deps.coupa, {
    requisitionFields: projectionFromPaths(['id', 'status', 'updated-at', 'submitted-at', 'custom-fields', ...sourcePaths(header, 'coupa-to-salesforce'), ...(header.spec.coupa.reads ?? [])]),
    linked: opportunityIdOfRequisition,
  });
  return defineCoupaToSalesforceFlow<Record<string, unknown>>(deps, {
    name: STATUS_FLOW_NAME,
    linkGroup: LINK_GROUP,
    mapping: header,
    schedule: o.statusSchedule,
    batchSize: 50,
    source: { kind: 'custom', read: (req) => reader.read(req) },
    target: { named: { id: opportunityIdOfRequisition, missing: 'requisition has no Opportunity to update' } },
    classify: classifyFor('coupa'),
    hooks: { label: (item) => `requisition ${item.sourceId}` },
  }) as FlowDefinition;
}
