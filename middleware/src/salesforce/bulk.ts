import type { Connection } from 'jsforce';
import { classifySalesforceCode, SalesforceApiError } from './errors';
import type { SObjectRecord, WriteResult } from './writes';

export interface BulkOptions {
  /** First wait before asking whether the job is done; doubled after each answer "not yet". Default 100 ms. */
  pollFirstMs?: number;
  /** Longest wait between two job status checks (each one is an API call). Default 5 s. */
  pollIntervalMs?: number;
  /** Give up waiting for the job after this long. Default 10 minutes. */
  pollTimeoutMs?: number;
}

/** Bulk API 2.0's CSV null: an empty cell leaves the field as it is, `#N/A` clears it (as `null` does over REST). */
const CSV_NULL = '#N/A';

function cell(value: unknown): string {
  if (value === null) return CSV_NULL;
  if (value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Records as one CSV upload: the union of their fields as columns (a field a record lacks is an empty cell, left as
 * it is, like a field absent from a REST payload), null as `#N/A`, a relationship by external id
 * (`{ Account__r: { Ext__c: 'x' } }`) as the `Account__r.Ext__c` column.
 */
export function toBulkCsv(records: SObjectRecord[]): string {
  const flat = records.map((r) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'attributes') continue;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
        for (const [sub, sv] of Object.entries(v as Record<string, unknown>)) if (sub !== 'attributes') row[`${k}.${sub}`] = sv;
      } else row[k] = v instanceof Date ? v.toISOString() : v;
    }
    return row;
  });
  const columns = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  const lines = [columns.map(cell).join(',')];
  for (const r of flat) lines.push(columns.map((c) => cell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Bulk API 2.0 ingest (update or upsert): create the job, upload one CSV, close it, wait for it with a growing
 * interval (a job of a few thousand rows is usually done within a second or two; each check is an API call), then
 * read the successful, failed and unprocessed rows. Results are mapped back to input positions by the key column (Id
 * or the external id), since Bulk 2.0 returns them in no particular order. Per record: a failed row carries its
 * `sf__Error` code and message; a record sharing its key with an earlier one in the batch is not sent and fails as
 * DUPLICATE_VALUE (one job cannot upsert a key twice). Throws only when the job as a whole fails.
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
  const results: WriteResult[] = new Array(records.length);
  const byKey = new Map<string, number>();
  const send: SObjectRecord[] = [];
  records.forEach((r, i) => {
    const k = String(r[key] ?? '');
    if (byKey.has(k)) {
      const message = `${key} ${k} appears twice in one Bulk API job; the first one was sent`;
      results[i] = { index: i, success: false, errors: [{ code: 'DUPLICATE_VALUE', message, fields: [key] }], failure: classifySalesforceCode('DUPLICATE_VALUE') };
      return;
    }
    byKey.set(k, i);
    send.push(r);
  });
  const job = conn.bulk2.createJob({ object: sobject, operation: op, ...(op === 'upsert' ? { externalIdFieldName: externalIdField } : {}) });
  let res: { successfulResults: unknown; failedResults: unknown };
  try {
    await job.open();
    await job.uploadData(toBulkCsv(send));
    await job.close();
    const timeout = opts.pollTimeoutMs ?? 10 * 60_000;
    const started = Date.now();
    for (let wait = opts.pollFirstMs ?? 100; ; wait = Math.min(wait * 2, opts.pollIntervalMs ?? 5_000)) {
      await sleep(wait);
      const info = await job.check();
      if (info.state === 'JobComplete') break;
      if (info.state === 'Failed' || info.state === 'Aborted') {
        const reason = String(info.errorMessage ?? info.state);
        // "InvalidBatch : Field name not found : X" is the request's fault; anything else (InternalServerError) may pass.
        const invalid = reason.startsWith('InvalidBatch');
        throw new SalesforceApiError('BULK_JOB_FAILED', `Bulk API 2.0 job ${job.id} for ${sobject} ${String(info.state).toLowerCase()}: ${reason}`, {
          kind: invalid ? 'validation' : 'transient',
          retryable: !invalid,
        });
      }
      if (Date.now() - started > timeout) {
        throw new SalesforceApiError('BULK_JOB_TIMEOUT', `Bulk API 2.0 job ${job.id} for ${sobject} not done after ${timeout} ms; its rows may still be written`, {
          kind: 'ambiguous',
          retryable: true,
        });
      }
    }
    res = await job.getAllResults();
  } catch (err) {
    // One last attempt to leave no open job behind; its answer does not matter.
    if (job.id && !(err instanceof SalesforceApiError && err.code === 'BULK_JOB_TIMEOUT')) await job.delete().catch(() => undefined);
    throw err;
  }
  const indexOf = (row: Record<string, unknown>) => byKey.get(String(row[key] ?? ''));
  for (const row of res.successfulResults as Array<Record<string, unknown>>) {
    const i = indexOf(row);
    if (i === undefined) continue;
    results[i] = { index: i, success: true, id: String(row.sf__Id), created: String(row.sf__Created) === 'true', errors: [] };
  }
  for (const row of res.failedResults as Array<Record<string, unknown>>) {
    const i = indexOf(row);
    if (i === undefined) continue;
    // sf__Error looks like "DUPLICATE_VALUE:duplicate value found: …:Field__c --"
    const raw = String(row.sf__Error ?? '');
    const body = raw.replace(/\s*--\s*$/, '');
    const first = body.indexOf(':');
    const last = body.lastIndexOf(':');
    const code = first > 0 ? body.slice(0, first) : 'UNKNOWN';
    const message = (last > first ? body.slice(first + 1, last) : body.slice(first + 1)).trim() || raw;
    const fields = last > first ? body.slice(last + 1).split(',').map((f) => f.trim()).filter(Boolean) : [];
    results[i] = { index: i, success: false, errors: [{ code, message, fields }], failure: classifySalesforceCode(code, { idempotent: true }) };
  }
  for (let i = 0; i < results.length; i++) {
    if (!results[i]) {
      results[i] = { index: i, success: false, errors: [{ code: 'UNPROCESSED', message: 'Bulk API left the record unprocessed', fields: [] }], failure: { kind: 'transient', retryable: true } };
    }
  }
  return results;
}
