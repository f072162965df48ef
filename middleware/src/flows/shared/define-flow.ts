/**
 * A declared one-way flow, Coupa → Salesforce: a Coupa resource read as a change stream, a mapping, and how each record
 * finds its Salesforce record. Everything else (pages, cursor, echo, ownership, no-op, retries, ledger, waits for a
 * link that does not exist yet) is the engine's. A new plain flow is this call plus a mapping YAML; what is truly custom
 * goes in the hooks.
 */
import { coupaResources, projectionFromPaths, type CoupaResourceName } from '../../coupa';
import type { FlowContext, FlowDefinition, LinkRef, MatchResult, SourceRecord, WriteItem, WriteOutcome } from '../../engine';
import { lineageOf, mapRecord, sourcePaths, type CompiledMapping } from '../../mapping';
import { soqlQuote, type SalesforceClient } from '../../salesforce';
import type { FlowDeps } from '../deps';
import { classifyFor, describeResult, RecordWriteError } from './errors';
import { fetchCoupa, soqlIn } from './io';
import { chunks, upsertItems } from './salesforce-writes';

type Row = Record<string, unknown> & { id: number };

/** The Salesforce record a Coupa record updates: the one whose `field` holds `key(record)`. */
export interface LookupTarget {
  field: string;
  key(record: Row): string | null;
  /** The link whose appearance would give a record without a target one (re-planned then, without a new change). */
  waitFor?(record: Row): LinkRef | null;
}

export interface CoupaToSalesforceFlow {
  name: string;
  mapping: CompiledMapping;
  schedule: string;
  batchSize?: number;
  overlapMs?: number;
  /**
   * How a record finds its Salesforce record. Default: upsert by the mapping's `salesforce.externalId` (creates what
   * is missing). With `lookup`: update the existing record found by a field, never create one.
   */
  target?: { lookup: LookupTarget };
  /** Salesforce field set to the time of every write (see FlowDefinition.stampField). */
  stampField?: string;
  hooks?: {
    /** Values the mapping reads under `$record.connector` (resolved per record). */
    connector?(record: Row): Record<string, unknown>;
    /** Adjusts the mapped payload (a level from a score); null skips the record. */
    afterMap?(payload: Record<string, unknown>, record: Row): Record<string, unknown> | null;
  };
}

export function defineCoupaToSalesforceFlow(deps: FlowDeps, spec: CoupaToSalesforceFlow): FlowDefinition<Row> {
  const { mapping } = spec;
  const resource = mapping.spec.coupa.resource as CoupaResourceName;
  const sobject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId;
  const lookup = spec.target?.lookup;
  if (!lookup && !externalId) throw new Error(`mapping ${mapping.name}: salesforce.externalId is required (the upsert key of flow ${spec.name})`);
  const sf: SalesforceClient = deps.salesforce;
  const source = coupaResources(deps.coupa)[resource];
  const fields = projectionFromPaths(['id', 'updated-at', ...sourcePaths(mapping, 'coupa-to-salesforce')]);
  const keyPrefix = `${spec.name}:${resource}:`;
  /** Lookup mode: Salesforce record ids by key value, for the page being planned. */
  const targets = new Map<string, string>();

  async function resolveTargets(rows: Row[]): Promise<void> {
    targets.clear();
    if (!lookup) return;
    const keys = [...new Set(rows.map((r) => lookup.key(r)).filter((k): k is string => !!k))];
    for (const part of chunks(keys, 200)) {
      for (const r of await sf.queryAll<Record<string, unknown>>(`SELECT Id, ${lookup.field} FROM ${sobject} WHERE ${soqlIn(lookup.field, part)} ORDER BY Id`)) {
        const key = String(r[lookup.field]);
        if (part.includes(key) && !targets.has(key)) targets.set(key, String(r.Id));
      }
    }
  }

  const asRecords = (rows: Row[]): SourceRecord<Row>[] => rows.map((r) => ({ id: String(r.id), ts: String(r['updated-at']), data: r, origin: null }));

  const flow: FlowDefinition<Row> = {
    name: spec.name,
    source: { system: 'coupa', object: resource },
    target: { system: 'salesforce', object: sobject },
    trigger: { kind: 'poll', schedule: spec.schedule },
    batchSize: spec.batchSize ?? 200,
    overlapMs: spec.overlapMs ?? 60_000,
    classify: classifyFor('salesforce'),
    lineage: lineageOf(mapping, 'coupa-to-salesforce'),
    ...(spec.stampField ? { stampField: spec.stampField } : {}),

    async read({ after, limit }) {
      const since = after ? { updatedAt: after.ts, id: Number(after.id) || 0 } : undefined;
      const rows: Row[] = [];
      for await (const { record } of source.changes({ since, fields, pageSize: Math.min(limit, 50) })) {
        rows.push(record as unknown as Row);
        if (rows.length >= limit) break;
      }
      return asRecords(rows);
    },

    // The page's Salesforce records (lookup mode), for the records the engine will plan: an idle re-read of the
    // overlap window costs no query.
    enrich: (records) => resolveTargets(records.map((r) => r.data)),

    fetch: (ids) => fetchCoupa(deps.coupa, resource, ids, fields) as Promise<SourceRecord<Row>[]>,

    async map(record, ctx: FlowContext) {
      const row = record.data;
      if (lookup) {
        const key = lookup.key(row);
        if (!key || !targets.has(key)) {
          const ref = lookup.waitFor?.(row);
          if (ref) ctx.waitFor?.(ref);
          return null;
        }
      }
      const result = await mapRecord(mapping, 'coupa-to-salesforce', { ...row, connector: spec.hooks?.connector?.(row) ?? {} });
      if (!result.included) return null;
      return spec.hooks?.afterMap ? spec.hooks.afterMap(result.payload, row) : result.payload;
    },

    async write(items: WriteItem[]): Promise<WriteOutcome[]> {
      if (!lookup) return upsertItems(sf, sobject, externalId!, items, (i) => `Coupa ${resource} ${i.sourceId}`);
      // A lookup flow only updates: a record without its Salesforce record waits in map and never gets here.
      const known = items.filter((i) => i.targetId);
      const results = known.length ? await sf.update(sobject, known.map((i) => ({ ...i.payload, Id: i.targetId }))) : [];
      let k = 0;
      return items.map((item): WriteOutcome => {
        if (!item.targetId) return { ok: false, error: new RecordWriteError(`no ${sobject} has ${lookup.field} for Coupa ${resource} ${item.sourceId}`, { kind: 'validation', retryable: false }, null) };
        const r = results[k++];
        if (r?.success) return { ok: true, targetId: item.targetId! };
        return {
          ok: false,
          error: new RecordWriteError(`Salesforce rejected ${sobject} ${item.targetId} for Coupa ${resource} ${item.sourceId}: ${r ? describeResult(r) : 'no result'}`, r?.failure ?? { kind: 'ambiguous', retryable: false }, r?.errors ?? null),
          request: { op: 'update', sobject, id: item.targetId, payload: item.payload },
          response: r?.errors ?? null,
        };
      });
    },

    idempotencyKey: (record) => `${keyPrefix}${record.id}`,
  };

  if (lookup) {
    // The record found by the lookup field; never a create.
    flow.matchPage = async (items): Promise<Map<string, MatchResult>> =>
      new Map(items.map(({ record }) => [record.id, { targetId: targets.get(lookup.key(record.data) ?? '') ?? null }]));
  } else {
    flow.findByIdempotencyKey = async (key) => {
      if (!key.startsWith(keyPrefix)) return null;
      const rows = await sf.queryAll<{ Id: string }>(`SELECT Id FROM ${sobject} WHERE ${externalId} = ${soqlQuote(key.slice(keyPrefix.length))} LIMIT 1`);
      return rows[0]?.Id ?? null;
    };
  }
  return flow;
}
