/** Salesforce upsert outcomes as engine write outcomes; shared by the Coupa → Salesforce flows. */
import type { WriteItem, WriteOutcome } from '../../engine';
import type { SalesforceClient } from '../../salesforce';
import { RecordWriteError, describeResult } from './errors';

/** Account and Contract field the Coupa → Salesforce flows set to the time of every write ("Last synced" on the panels). */
export const LAST_SYNCED_FIELD = 'Coupa_Last_Synced__c';

/** Upserts a batch by external id; one outcome per item, with a readable reason on failure. */
export async function upsertItems(
  sf: SalesforceClient,
  sobject: string,
  externalIdField: string,
  items: WriteItem[],
  label: (item: WriteItem) => string,
): Promise<WriteOutcome[]> {
  if (items.length === 0) return [];
  const records = items.map((i) => i.payload);
  // The client picks the API by size: sObject Collections, or Bulk API 2.0 from its bulkThreshold (backlog batches).
  const results = await sf.upsert(sobject, externalIdField, records);
  return items.map((item, k): WriteOutcome => {
    const r = results[k];
    if (r?.success && r.id) return { ok: true, targetId: r.id };
    const reason = r ? describeResult(r) : 'no result for record';
    const cls = r?.failure ?? { kind: 'ambiguous' as const, retryable: false };
    return {
      ok: false,
      error: new RecordWriteError(`Salesforce rejected ${sobject} for ${label(item)}: ${reason}`, cls, r?.errors ?? null),
      request: { op: 'upsert', sobject, externalIdField, payload: item.payload },
      response: r?.errors ?? null,
    };
  });
}

/** Splits a list into chunks (SOQL IN lists and Coupa `[in]` filters stay short). */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
