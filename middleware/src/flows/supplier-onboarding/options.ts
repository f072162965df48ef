import { z } from 'zod';
import { parseFlowOptions } from '../shared/options';

/** `flows.supplier-onboarding.options` in connector.yaml. */
export const supplierOnboardingOptions = z.strictObject({
  /** Checkbox field on Contact that marks the primary contact (e.g. Primary_Contact__c); else the oldest contact with an email. */
  primaryContactField: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/).optional(),
  /**
   * Optional: start onboarding without the button, for vendor-type Accounts created on or after `since`, and/or
   * for Opportunities of the given types in the given stages changed on or after `since`. Off when absent.
   */
  autoStart: z
    .strictObject({
      since: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date or datetime'),
      accountTypes: z.array(z.string().min(1)).min(1).optional(),
      opportunityTypes: z.array(z.string().min(1)).min(1).optional(),
      opportunityStages: z.array(z.string().min(1)).min(1).default(['Closed Won']),
      schedule: z.string().min(1).default('20 * * * * *'),
    })
    .optional(),
  /**
   * Account types a person may start onboarding for with the button (the Account page offers it for these only);
   * requests for other types fail with the reason. Auto-start (below) follows its own configuration.
   */
  accountTypes: z.array(z.string().min(1)).min(1).default(['Vendor', 'Prospect']),
  /** Default cron (with seconds) of the creation flow; connector.yaml's `flows.supplier-onboarding.schedule` overrides it. */
  schedule: z.string().min(1).default('*/30 * * * * *'),
  /** Cron of the status flow (Coupa → Salesforce). */
  statusSchedule: z.string().min(1).default('45 * * * * *'),
});

export type SupplierOnboardingOptions = z.infer<typeof supplierOnboardingOptions>;

export function parseOptions(raw: Record<string, unknown>): SupplierOnboardingOptions {
  return parseFlowOptions('supplier-onboarding', supplierOnboardingOptions, raw);
}
