import { soqlQuote } from './query';

/** SOQL polling cursor (fallback when CDC is unavailable). */
export interface ModstampCursor {
  systemModstamp: string;
  id: string;
}

export interface PollQuery {
  sobject: string;
  fields: string[];
  since?: ModstampCursor;
  /** Extra SOQL condition, ANDed. */
  where?: string;
}

/** Salesforce datetime literal (unquoted, UTC). */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Records changed after a (SystemModstamp, Id) cursor, oldest first. The Id tie-break makes records
 * sharing one SystemModstamp safe to page through across runs.
 */
export function buildPollSoql(q: PollQuery): string {
  const fields = [...new Set(['Id', 'SystemModstamp', ...q.fields])];
  const conditions: string[] = [];
  if (q.since) {
    const ts = soqlDateTime(q.since.systemModstamp);
    conditions.push(`(SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlQuote(q.since.id)}))`);
  }
  if (q.where) conditions.push(`(${q.where})`);
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fields.join(', ')} FROM ${q.sobject}${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

export function cursorOf(record: { Id?: unknown; SystemModstamp?: unknown }): ModstampCursor {
  return { systemModstamp: String(record.SystemModstamp), id: String(record.Id) };
}
