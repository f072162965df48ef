/** Salesforce upsert outcomes as engine write outcomes; shared by the Coupa → Salesforce summary flows. */
import type { Classification, WriteItem, WriteOutcome } from '../../engine';
import { CoupaApiError, classifyCoupaError } from '../../coupa';
import { classifySalesforceError, type SalesforceClient, type WriteResult } from '../../salesforce';

/** A record-level write failure: carries Salesforce's error codes and its classification. */
export class RecordWriteError extends Error {
  override name = 'RecordWriteError';
  constructor(
    message: string,
    readonly classification: Classification,
    readonly codes: string[] = [],
  ) {
    super(message);
  }
}

/** Classifies what a flow's read, map or write threw: our own errors first, then Salesforce, then Coupa. */
export function classifyFlowError(err: unknown): Classification {
  if (err instanceof RecordWriteError) return err.classification;
  if (err instanceof CoupaApiError) return classifyCoupaError(err);
  return classifySalesforceError(err);
}

/** "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value … (Status__c)" for every error of a result. */
export function describeResult(r: WriteResult): string {
  return r.errors.map((e) => `${e.code}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}`).join('; ') || 'unknown error';
}

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
  const results = await sf.upsert(sobject, externalIdField, records, { bulk: false });
  return items.map((item, k): WriteOutcome => {
    const r = results[k];
    if (r?.success && r.id) return { ok: true, targetId: r.id };
    const reason = r ? describeResult(r) : 'no result for record';
    const cls = r?.failure ?? { kind: 'ambiguous' as const, retryable: false };
    return {
      ok: false,
      error: new RecordWriteError(`Salesforce rejected ${sobject} for ${label(item)}: ${reason}`, cls, r?.errors.map((e) => e.code) ?? []),
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
