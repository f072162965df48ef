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

const instant = (ts: string) => Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

/** Salesforce datetime literal (unquoted, UTC, whole seconds: SOQL literals carry no milliseconds). */
export function soqlDateTime(iso: string, round: 'floor' | 'exact' = 'exact'): string {
  const ms = instant(iso);
  return new Date(round === 'floor' ? Math.floor(ms / 1000) * 1000 : ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True when `record` comes strictly after `cursor` in (SystemModstamp, Id) order. */
export function isAfter(record: ModstampCursor, cursor: ModstampCursor): boolean {
  const d = instant(record.systemModstamp) - instant(cursor.systemModstamp);
  return d > 0 || (d === 0 && record.id > cursor.id);
}

/**
 * Records changed at or after the cursor's second, oldest first. SOQL datetime literals have no
 * milliseconds, so the query starts at the cursor's whole second and the caller drops rows at or
 * before the exact (SystemModstamp, Id) cursor with `isAfter` (the Id tie-break keeps records that
 * share a SystemModstamp).
 */
export function buildPollSoql(q: PollQuery): string {
  const fields = [...new Set(['Id', 'SystemModstamp', ...q.fields])];
  const conditions: string[] = [];
  if (q.since) {
    conditions.push(`SystemModstamp >= ${soqlDateTime(q.since.systemModstamp, 'floor')}`);
  }
  if (q.where) conditions.push(`(${q.where})`);
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fields.join(', ')} FROM ${q.sobject}${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

export function cursorOf(record: { Id?: unknown; SystemModstamp?: unknown }): ModstampCursor {
  return { systemModstamp: String(record.SystemModstamp), id: String(record.Id) };
}
