import { z } from 'zod';
import { parseFlowOptions } from '../shared/options';

/** A risk level and the lowest score that has it. */
const level = z.strictObject({ level: z.string().min(1), from: z.number() });

export const supplierRiskOptions = z
  .strictObject({
    /** Mapping file name under config/mappings: which feed field is the score, and where it goes. */
    mapping: z.string().min(1).default('supplier-risk'),
    /** Account field holding the Coupa supplier id (the supplier ⇄ Account link made by supplier-account-sync). */
    accountSupplierIdField: z.string().min(1).default('Coupa_Supplier_Id__c'),
    /** Salesforce field the mapping writes the score to; the level is derived from it. */
    scoreField: z.string().min(1).default('Coupa_Risk_Score__c'),
    /** Salesforce field of the level (a picklist whose values are the levels below). */
    levelField: z.string().min(1).default('Coupa_Risk_Level__c'),
    /** Levels by score, any order: a score gets the level with the highest `from` at or below it. */
    levels: z
      .array(level)
      .min(1)
      .default([
        { level: 'Low', from: 0 },
        { level: 'Medium', from: 40 },
        { level: 'High', from: 65 },
        { level: 'Critical', from: 85 },
      ]),
  })
  .prefault({});

export type SupplierRiskOptions = z.infer<typeof supplierRiskOptions>;

export function parseSupplierRiskOptions(raw: unknown): SupplierRiskOptions {
  return parseFlowOptions('supplier-risk', supplierRiskOptions, raw);
}

/** The level of a score (null when there is no score, or it is below every level). */
export function levelOf(score: unknown, levels: SupplierRiskOptions['levels']): string | null {
  const n = typeof score === 'number' ? score : typeof score === 'string' && score.trim() !== '' ? Number(score) : NaN;
  if (!Number.isFinite(n)) return null;
  let best: { level: string; from: number } | null = null;
  for (const l of levels) if (n >= l.from && (!best || l.from > best.from)) best = l;
  return best?.level ?? null;
}
