/** Reading changes and classifying failures, shared by the two bidirectional flows (suppliers, contracts). */
import { classifyCoupaError, iterateChanges, type CoupaClient } from '../../coupa';
import type { Classification, Cursor, SourceRecord, SystemName } from '../../engine';
import { sameValue } from '../../mapping';
import type { StateStore } from '../../store';
import { classifySalesforceError, soqlQuote, type SalesforceClient } from '../../salesforce';

/** A per-record write failure with its classification (Salesforce collection results, our own checks). */
export class RecordWriteError extends Error {
  override name = 'RecordWriteError';
  constructor(
    message: string,
    readonly classification: Classification,
    readonly response?: unknown,
  ) {
    super(message);
  }
}

export function classifyFor(system: 'salesforce' | 'coupa') {
  return (err: unknown): Classification => {
    if (err instanceof RecordWriteError) return err.classification;
    return system === 'salesforce' ? classifySalesforceError(err) : classifyCoupaError(err);
  };
}

export const validation = (message: string, response?: unknown) => new RecordWriteError(message, { kind: 'validation', retryable: false }, response);

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

/** Coupa records changed after the cursor (updated-at, id), oldest first, at most `limit`. */
export async function readCoupa(coupa: CoupaClient, resource: string, req: { after: Cursor | null; limit: number }): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const since = req.after ? { updatedAt: req.after.ts, id: Number(req.after.id) || 0 } : undefined;
  for await (const { record } of iterateChanges<{ id: number; 'updated-at'?: string | null }>(coupa, resource, { since })) {
    out.push({ id: String(record.id), ts: String(record['updated-at']), data: record as Record<string, unknown> });
    if (out.length >= req.limit) break;
  }
  return out;
}

/** `Field IN ('a','b')` with every value quoted. */
export function soqlIn(field: string, values: string[]): string {
  return `${field} IN (${values.map(soqlQuote).join(', ')})`;
}


const CHANGED = Symbol('changed-since-last-sync');
const UNCHANGED = Symbol('what-we-last-wrote');

/**
 * Works around the engine's echo check, which compares only the keys we last wrote to a record: a person's edit
 * of another field in the same poll window would otherwise be skipped as our echo. A record whose own mapped
 * values differ from what we last sent from it (or that was never sent) is marked, and `echoView` then makes
 * sure it is not taken for an echo. Values we wrote into it ourselves (`writtenBack`, mapped to the other
 * side's shape) do not count as changes.
 */
export async function markChanged(
  store: StateStore,
  group: string,
  source: { system: SystemName; object: string },
  records: SourceRecord[],
  mapped: (rec: SourceRecord) => Promise<Record<string, unknown> | null>,
  writtenBack?: (payload: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<SourceRecord[]> {
  const other: SystemName = source.system === 'salesforce' ? 'coupa' : 'salesforce';
  for (const rec of records) {
    const link = await store.findLink(group, source.system, source.object, rec.id);
    if (!link) continue;
    const last = (await store.getEcho(group, link.id, `to-${other}`))?.payload as Record<string, unknown> | undefined;
    let values: Record<string, unknown> | null;
    try {
      values = await mapped(rec);
    } catch {
      values = null; // map() will fail again and dead-letter the record with its reason
    }
    if (!values) continue;
    const ours = (await store.getEcho(group, link.id, `to-${source.system}`))?.payload as Record<string, unknown> | undefined;
    const back: Record<string, unknown> = ours && writtenBack ? await writtenBack(ours).catch(() => ({})) : {};
    const changed = !last || Object.entries(values).some(([k, v]) => !sameValue(v, last[k]) && !(k in back && sameValue(v, back[k])));
    if (changed) Object.defineProperty(rec.data, CHANGED, { value: true, enumerable: false });
    else if (ours) Object.defineProperty(rec.data, UNCHANGED, { value: ours, enumerable: false });
  }
  return records;
}

/**
 * echoView for records read through `markChanged`: a changed record never equals an echo; one whose values are all
 * explained by the last sync is presented as exactly what we wrote (formatting differences such as Coupa's
 * datetimes for dates cannot make it look new).
 */
export function echoViewOf(rec: SourceRecord): Record<string, unknown> {
  const data = rec.data as Record<PropertyKey, unknown>;
  if (data[CHANGED]) return {};
  return (data[UNCHANGED] as Record<string, unknown> | undefined) ?? rec.data;
}
