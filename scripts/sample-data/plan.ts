/** The sample-data plan (sf data import tree format) and the line-item file, loaded and resolved. Pure apart from reading files. */
import fs from 'node:fs';
import path from 'node:path';

export interface PlanEntry {
  sobject: string;
  saveRefs: boolean;
  resolveRefs: boolean;
  files: string[];
}

export interface SampleRecord {
  type: string;
  referenceId: string;
  fields: Record<string, unknown>;
}

export interface LineItemFile {
  pricebook: 'standard';
  lines: Array<{ opportunity: string; product: string; quantity: number; unitPrice: number }>;
  listPrices: Record<string, number>;
}

export function loadPlan(dataDir: string): SampleRecord[] {
  const plan = JSON.parse(fs.readFileSync(path.join(dataDir, 'sample-data-plan.json'), 'utf8')) as PlanEntry[];
  return plan.flatMap((entry) =>
    entry.files.flatMap((file) => {
      const { records } = JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8')) as {
        records: Array<{ attributes: { type: string; referenceId: string } } & Record<string, unknown>>;
      };
      return records.map(({ attributes, ...fields }) => {
        if (attributes.type !== entry.sobject) {
          throw new Error(
            `${file}: record ${attributes.referenceId} has type ${attributes.type}, plan says ${entry.sobject}`
          );
        }
        return { type: attributes.type, referenceId: attributes.referenceId, fields };
      });
    })
  );
}

export function loadLineItems(dataDir: string): LineItemFile {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'opportunity-line-items.json'), 'utf8')) as LineItemFile;
}

/** Replaces "@ref" values with the Ids saved so far; an unknown reference is an error, not a silent null. */
export function resolveRefs(
  fields: Record<string, unknown>,
  ids: ReadonlyMap<string, string>
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (typeof v !== 'string' || !v.startsWith('@')) return [k, v];
      const id = ids.get(v.slice(1));
      if (!id) throw new Error(`unresolved reference ${v} in field ${k}`);
      return [k, id];
    })
  );
}
