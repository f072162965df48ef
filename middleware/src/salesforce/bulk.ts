import type { Connection } from 'jsforce';
import { classifySalesforceCode } from './errors';
import type { SObjectRecord, WriteResult } from './writes';

export interface BulkOptions {
  pollIntervalMs?: number;
  pollTimeoutMs?: number;
}

/**
 * Bulk API 2.0 ingest (update or upsert) with results mapped back to input positions by the key
 * column (Id or the external id), since Bulk 2.0 returns results in no particular order.
 */
export async function bulkWrite(
  conn: Connection,
  op: 'update' | 'upsert',
  sobject: string,
  records: SObjectRecord[],
  externalIdField: string | undefined,
  opts: BulkOptions = {},
): Promise<WriteResult[]> {
  const key = op === 'update' ? 'Id' : externalIdField;
  if (!key) throw new Error('upsert needs an external id field');
  const byKey = new Map<string, number>();
  records.forEach((r, i) => {
    const k = String(r[key] ?? '');
    if (byKey.has(k)) throw new Error(`Bulk ${op} of ${sobject}: duplicate ${key} ${k} in one job`);
    byKey.set(k, i);
  });
  const res = await conn.bulk2.loadAndWaitForResults({
    object: sobject,
    operation: op,
    ...(op === 'upsert' ? { externalIdFieldName: externalIdField } : {}),
    input: records as any,
    pollInterval: opts.pollIntervalMs ?? 1000,
    pollTimeout: opts.pollTimeoutMs ?? 10 * 60_000,
  });
  const results: WriteResult[] = new Array(records.length);
  const indexOf = (row: Record<string, unknown>) => byKey.get(String(row[key] ?? ''));
  for (const row of res.successfulResults as unknown as Array<Record<string, unknown>>) {
    const i = indexOf(row);
    if (i === undefined) continue;
    results[i] = { index: i, success: true, id: String(row.sf__Id), created: String(row.sf__Created) === 'true', errors: [] };
  }
  for (const row of res.failedResults as unknown as Array<Record<string, unknown>>) {
    const i = indexOf(row);
    if (i === undefined) continue;
    // sf__Error looks like "DUPLICATE_VALUE:duplicate value found: …:--"
    const raw = String(row.sf__Error ?? '');
    const code = raw.split(':')[0] || 'UNKNOWN';
    results[i] = { index: i, success: false, errors: [{ code, message: raw, fields: [] }], failure: classifySalesforceCode(code, { idempotent: true }) };
  }
  for (let i = 0; i < results.length; i++) {
    if (!results[i]) {
      results[i] = { index: i, success: false, errors: [{ code: 'UNPROCESSED', message: 'Bulk API left the record unprocessed', fields: [] }], failure: { kind: 'transient', retryable: true } };
    }
  }
  return results;
}
