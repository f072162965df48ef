import { z } from 'zod';
import { parseFlowOptions } from '../shared/options';

const tasks = z.preprocess(
  (v) => (v === false ? { onDisputed: false, onPaid: false } : v === true ? {} : v),
  z
    .strictObject({
      /** Log a Task on the Account when an invoice becomes disputed. */
      onDisputed: z.boolean().default(true),
      /** Log a Task on the Account when an invoice becomes paid. */
      onPaid: z.boolean().default(true),
      /**
       * An invoice seen for the first time gets a Task only if it changed within this many hours, so the
       * first (backfill) run does not log a Task for every historical paid or disputed invoice.
       */
      newInvoiceMaxAgeHours: z.number().nonnegative().default(72),
      /** The mapped Status__c value that means "disputed" (change it if the mapping translates statuses). */
      disputedStatus: z.string().min(1).default('disputed'),
      /** Task.Status of the logged Task. */
      status: z.string().min(1).default('Completed'),
    })
    .prefault({}),
);

export const invoiceStatusOptions = z
  .strictObject({
    /** Mapping file name under config/mappings. */
    mapping: z.string().min(1).default('invoice-status'),
    tasks,
    /** Account field holding the Coupa supplier id (the supplier ⇄ Account link). */
    accountSupplierIdField: z.string().min(1).default('Coupa_Supplier_Id__c'),
    /** Opportunity field holding the Coupa requisition id (the Opportunity ⇄ requisition link). */
    opportunityRequisitionIdField: z.string().min(1).default('Coupa_Requisition_Id__c'),
  })
  .prefault({});

export type InvoiceStatusOptions = z.infer<typeof invoiceStatusOptions>;

export function parseInvoiceStatusOptions(raw: unknown): InvoiceStatusOptions {
  return parseFlowOptions('invoice-status', invoiceStatusOptions, raw);
}
