/** `flows.supplier-account-sync.options`, validated at start-up (bad options stop it with path and reason). */
import { z } from 'zod';
import { fieldNameOption, listOption, parseFlowOptions, textOption } from '../shared/options';

export const SUPPLIER_ACCOUNT_SYNC = 'supplier-account-sync';

export const supplierAccountOptionsSchema = z.strictObject({
  /** Mapping name in config/mappings (default supplier-account). */
  mapping: textOption('supplier-account'),
  /** Salesforce Account field holding the tax id; enables the tax-id matching tier. */
  taxIdField: fieldNameOption().optional(),
  /** Salesforce Account field holding the DUNS number; enables the DUNS matching tier. */
  dunsField: fieldNameOption().optional(),
  /** Upsert the Coupa primary contact as a Contact on the Account. */
  syncPrimaryContact: z.boolean({ error: 'must be true or false' }).default(true),
  /** Account fields set when the Account is created but never changed on existing Accounts. */
  createOnlyFields: listOption(['Type']),
  /** SOQL condition selecting the Accounts whose changes flow back to Coupa (linked vendor Accounts). */
  salesforceWhere: textOption('Coupa_Supplier_Id__c != null'),
  /** Cron schedule for both directions. */
  schedule: textOption('* * * * *'),
});

export type SupplierAccountOptions = z.output<typeof supplierAccountOptionsSchema>;

export const supplierAccountOptions = (raw: unknown): SupplierAccountOptions => parseFlowOptions(SUPPLIER_ACCOUNT_SYNC, supplierAccountOptionsSchema, raw);
