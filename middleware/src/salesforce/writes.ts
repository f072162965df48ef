import { classifySalesforceCode, SalesforceApiError, type Classification } from './errors';

export type SObjectRecord = Record<string, unknown>;

export interface RecordError {
  code: string;
  message: string;
  fields: string[];
}

/** Outcome for one input record, in input order. */
export interface WriteResult {
  index: number;
  success: boolean;
  id?: string;
  created?: boolean;
  errors: RecordError[];
  /** Set when success is false. */
  failure?: Classification;
}

export type WriteOperation = 'create' | 'update' | 'upsert';

interface RawSaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string; fields?: string[] }>;
}

export const COLLECTION_LIMIT = 200;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function toWriteResult(index: number, raw: RawSaveResult, idempotent: boolean): WriteResult {
  const errors = (raw.errors ?? []).map((e) => ({ code: e.statusCode ?? e.errorCode ?? 'UNKNOWN', message: e.message ?? '', fields: e.fields ?? [] }));
  const result: WriteResult = { index, success: !!raw.success, errors };
  if (raw.id) result.id = raw.id;
  if (raw.created !== undefined) result.created = raw.created;
  if (!raw.success) result.failure = classifySalesforceCode(errors[0]?.code, { idempotent });
  return result;
}

export interface CollectionRequest {
  method: 'POST' | 'PATCH';
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** Sends one request and returns the parsed answer (the client's call: time limit, transport retries, budget). */
export type CollectionSender = (req: CollectionRequest) => Promise<unknown>;

/**
 * One sObject Collections call (≤ 200 records, allOrNone false): per-record results in input order.
 * Throws only when the call as a whole fails. An answer that is not a list of results (jsforce hands back the raw
 * text of a body it cannot parse, e.g. a truncated one) is UNREADABLE_ANSWER: ambiguous, since the records may
 * have been written.
 */
export async function collectionCall(
  send: CollectionSender,
  op: WriteOperation,
  sobject: string,
  records: SObjectRecord[],
  externalIdField?: string,
): Promise<RawSaveResult[]> {
  if (records.length > COLLECTION_LIMIT) throw new Error(`sObject Collections take at most ${COLLECTION_LIMIT} records`);
  const body = JSON.stringify({ allOrNone: false, records: records.map((r) => ({ attributes: { type: sobject }, ...r })) });
  const headers = { 'content-type': 'application/json' };
  let req: CollectionRequest;
  if (op === 'create') req = { method: 'POST', url: '/composite/sobjects', body, headers };
  else if (op === 'update') req = { method: 'PATCH', url: '/composite/sobjects', body, headers };
  else {
    if (!externalIdField) throw new Error('upsert needs an external id field');
    req = { method: 'PATCH', url: `/composite/sobjects/${sobject}/${externalIdField}`, body, headers };
  }
  const answer = await send(req);
  if (!Array.isArray(answer)) {
    const what = typeof answer === 'string' ? `${answer.length} characters that are not JSON` : answer === undefined || answer === null ? 'no body' : `a JSON ${typeof answer}`;
    throw new SalesforceApiError(
      'UNREADABLE_ANSWER',
      `Salesforce answered the ${op} of ${records.length} ${sobject} record(s) with ${what} instead of a result list; the records may have been written`,
      { kind: 'ambiguous', retryable: op !== 'create' },
    );
  }
  return answer as RawSaveResult[];
}
