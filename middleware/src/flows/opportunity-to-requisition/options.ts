import { z } from 'zod';
import { parseFlowOptions } from '../shared/options';

/** `flows.opportunity-to-requisition.options` in connector.yaml. */
const optionsSchema = z.strictObject({
  /** Opportunity stages that create a requisition (`stage` is the one-stage shorthand). */
  stages: z.array(z.string().min(1)).min(1).optional(),
  stage: z.string().min(1).optional(),
  /** Only Opportunities of these record types (DeveloperName); all when absent. */
  recordTypes: z.array(z.string().min(1)).min(1).optional(),
  /** Only Opportunities with Amount at or above this. */
  minAmount: z.number().nonnegative().optional(),
  /** Create and submit for approval in one call; otherwise the requisition stays a draft. */
  submitForApproval: z.boolean().default(false),
  /** Coupa login used when the Opportunity owner's email matches no active Coupa user. */
  fallbackRequesterLogin: z.string().min(1).optional(),
  /** Coupa ship-to address by location code (e.g. HQ) or id. */
  shipToLocationCode: z.string().min(1).optional(),
  shipToAddressId: z.number().int().positive().optional(),
  /** Supplier for the lines when the Opportunity's Account has no Coupa_Supplier_Id__c. */
  defaultSupplierId: z.number().int().positive().optional(),
  /** Prefer `defaultSupplierId` over the Account's supplier link. */
  supplierFrom: z.enum(['account', 'config']).default('account'),
  /** Line currency when the Opportunity has no CurrencyIsoCode (single-currency org). */
  currency: z.string().length(3).default('USD'),
  /**
   * Default cron (with seconds) of the creation flow; connector.yaml's `flows.opportunity-to-requisition.schedule`
   * overrides it when the flow is registered.
   */
  schedule: z.string().min(1).default('*/30 * * * * *'),
  /** Cron of the status write-back flow (Coupa → Salesforce). */
  statusSchedule: z.string().min(1).default('15 * * * * *'),
});

export const opportunityToRequisitionOptions = optionsSchema.transform(({ stage, stages, ...rest }) => ({
  ...rest,
  stages: stages ?? (stage ? [stage] : ['Closed Won']),
}));

export type OpportunityToRequisitionOptions = z.output<typeof opportunityToRequisitionOptions>;

export function parseOptions(raw: Record<string, unknown>): OpportunityToRequisitionOptions {
  return parseFlowOptions('opportunity-to-requisition', opportunityToRequisitionOptions, raw);
}
