/** Reading sources: Salesforce changes after a cursor, and records by id from either system (Coupa's change streams: coupa/changes.ts). */
import { CoupaResource, type CoupaClient, type CoupaResourceName, type FieldProjection } from '../../coupa';
import type { Cursor, SourceRecord } from '../../engine';
import { soqlQuote, type SalesforceClient } from '../../salesforce';

/** Salesforce records changed after the cursor (SystemModstamp, Id), oldest first, at most `limit`. */
export async function readSalesforce(
  sf: SalesforceClient,
  q: { sobject: string; fields: string[]; where?: string },
  req: { after: Cursor | null; limit: number },
): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const since = req.after ? { systemModstamp: req.after.ts, id: req.after.id } : undefined;
  for await (const { record } of sf.pollChanges({ sobject: q.sobject, fields: q.fields, where: q.where, since })) {
    out.push({ id: String(record.Id), ts: String(record.SystemModstamp), data: record });
    if (out.length >= req.limit) break;
  }
  return out;
}

/** Salesforce records by id, current values (replays, dependents, conflict resolution). */
export async function fetchSalesforce(sf: SalesforceClient, q: { sobject: string; fields: string[] }, ids: string[]): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const select = [...new Set([...q.fields, 'SystemModstamp'])].join(', ');
  for (let i = 0; i < ids.length; i += 200) {
    const rows = await sf.queryAll<Record<string, unknown>>(`SELECT ${select} FROM ${q.sobject} WHERE ${soqlIn('Id', ids.slice(i, i + 200))}`);
    for (const r of rows) out.push({ id: String(r.Id), ts: String(r.SystemModstamp), data: r });
  }
  return out;
}

/** Coupa records by id, current values (only `fields` when given). */
export async function fetchCoupa(coupa: CoupaClient, resource: CoupaResourceName, ids: string[], fields?: FieldProjection): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const numeric = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
  for (let i = 0; i < numeric.length; i += 50) {
    const part = numeric.slice(i, i + 50);
    for await (const record of new CoupaResource(coupa, resource).list({ filters: { 'id[in]': part }, ...(fields ? { fields } : {}) })) {
      const r = record as { id: number; 'updated-at'?: string | null };
      if (part.includes(String(r.id))) out.push({ id: String(r.id), ts: String(r['updated-at']), data: r as Record<string, unknown> });
    }
  }
  return out;
}

/** `Field IN ('a','b')` with every value quoted. */
export function soqlIn(field: string, values: string[]): string {
  return `${field} IN (${values.map(soqlQuote).join(', ')})`;
}
