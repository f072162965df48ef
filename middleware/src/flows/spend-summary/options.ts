import { z } from 'zod';
import { parseFlowOptions } from '../shared/options';

export const spendSummaryOptions = z
  .strictObject({
    /** Mapping file name under config/mappings (Salesforce object and field names). */
    mapping: z.string().min(1).default('spend-summary'),
    /** Trailing calendar months summarised, the current one included; 0 turns monthly summaries off. */
    months: z.number().int().min(0).max(36).default(12),
    /** Fiscal years summarised, the current one included; 0 turns fiscal-year summaries off. */
    fiscalYears: z.number().int().min(0).max(5).default(2),
    /** First month of the fiscal year (1 = January). A fiscal year is named after the calendar year it ends in. */
    fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
    /** PO statuses that count as open (committed spend, open PO count). */
    openPoStatuses: z.array(z.string().min(1)).min(1).default(['issued', 'buyer_hold', 'supplier_hold', 'currency_hold', 'supplier_window_hold']),
    /** Invoice statuses that are not (or no longer) invoiced spend. */
    excludedInvoiceStatuses: z.array(z.string()).default(['new', 'draft', 'save_as_draft', 'voided', 'abandoned', 'rejected', 'invalid']),
    /** Account field holding the Coupa supplier id: Accounts with a value are the linked Accounts. */
    accountSupplierIdField: z.string().min(1).default('Coupa_Supplier_Id__c'),
    /** Salesforce field of the as-of time; kept as last written while no figure changes, so unchanged re-runs write nothing. */
    asOfField: z.string().min(1).default('As_Of__c'),
    /**
     * Hours after which a run recomputes every summary even when Coupa reports no PO, invoice or budget change since
     * the last one (a safety net for changes that do not move `updated-at`, such as a deleted record).
     */
    fullRecomputeHours: z.number().positive().max(24 * 31).default(24),
  })
  .prefault({});

export type SpendSummaryOptions = z.infer<typeof spendSummaryOptions>;

export function parseSpendSummaryOptions(raw: unknown): SpendSummaryOptions {
  return parseFlowOptions('spend-summary', spendSummaryOptions, raw);
}
