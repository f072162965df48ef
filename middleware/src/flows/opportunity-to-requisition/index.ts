/**
 * Opportunity → Coupa requisition, and the requisition's progress back onto the Opportunity.
 * Two declared engine flows sharing one link group: `opportunity-to-requisition` (Salesforce → Coupa, creates only;
 * `create.ts`) and `opportunity-to-requisition-status` (Coupa → Salesforce: requisition id and status, PO number/status,
 * committed amount; `status.ts`).
 */
import type { FlowDefinition } from '../../engine';
import type { FlowDeps } from '../deps';
import { createRequisitionFlow, HEADER_MAPPING } from './create';
import { createRequisitionStatusFlow } from './status';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP } from './logic';
export { parseOptions as parseOpportunityToRequisitionOptions, type OpportunityToRequisitionOptions } from './options';
export { HEADER_MAPPING, LINES_MAPPING, createRequisitionFlow } from './create';
export { createRequisitionStatusFlow } from './status';

export function createOpportunityToRequisitionFlows(deps: FlowDeps): FlowDefinition[] {
  return [createRequisitionFlow(deps), createRequisitionStatusFlow(deps, HEADER_MAPPING)];
}
