/**
 * A declared one-way flow, Salesforce → Coupa, that creates one Coupa record per Salesforce record: an sObject read as
 * a change stream (SOQL by SystemModstamp after the engine's cursor; `fetch` re-reads by id, so the runtime can stream
 * it over CDC with this poll as its safety net), a mapping, and the Coupa resource written one record per request
 * through the client's shared rate limiter. Idempotency is Coupa's own: the created record carries the Salesforce id in
 * a custom field; a page is looked up with one `custom_fields[…][in]` request per 50 records before anything is
 * created, every hit verified, and a create whose page answer could not be trusted (or that is retried) looks itself up
 * first. A linked record already has its Coupa record: re-saves never create or change one. What is truly custom
 * (related records, refusals, a requester, submit for approval) goes in the hooks.
 */
import type { z } from 'zod';
import type { CoupaResourceName, FieldProjection } from '../../coupa';
import { CoupaResource } from '../../coupa';
import type { FlowDefinition, MatchResult, SourceRecord, WriteItem, WriteOutcome } from '../../engine';
import { mapRecord, type CompiledMapping } from '../../mapping';
import type { SObjectRecord } from '../../salesforce';
import type { FlowDeps } from '../deps';
import { COUPA_WRITE_CONCURRENCY, mapConcurrent } from './concurrency';
import { coupaKeyLookup, type KeyedRecord } from './coupa-key-lookup';
import { classifyFor, failedOutcome, RecordWriteError } from './errors';
import { fetchSalesforce, readSalesforce } from './io';
import { parseFlowOptions } from './options';
import { chunks } from './salesforce-writes';
import { ownersFor, type TwoWaySync } from './two-way';

export type { KeyedRecord } from './coupa-key-lookup';

/** The payload of a record a hook refused: nothing goes to Coupa, `onRefused` runs and the record is dead-lettered. */
export type Refusal = { $refused: string };
const isRefusal = (p: unknown): p is Refusal => typeof (p as Refusal | null)?.$refused === 'string';

interface CoupaTarget {
  resource: CoupaResourceName;
  /** Two-way: top-level fields sent only when the Coupa record is created (the key field is create-only too). */
  createOnly?: string[];
  /**
   * Two-way: the id of the Coupa record a Salesforce record names (a field the other direction writes); the first
   * matching tier, before the key field. A page's ids are checked with one `id[in]` request per 50.
   */
  carriedId?(row: SObjectRecord): string | null;
  /** Two-way: the update request; default `PUT /api/<resource>/<id>` answering a limited object. */
  update?(id: string, body: Record<string, unknown>): Promise<unknown>;
}

/** A target this flow creates records in: each carries the Salesforce id in `keyField`. */
export interface CreatingTarget<P> extends CoupaTarget {
  /** Coupa custom field the created record carries the Salesforce id in (the key look-ups search). */
  keyField: string;
  /** The engine's idempotency key of a record is this prefix and the Salesforce id. */
  keyPrefix: string;
  /** Fields look-ups and the create read back besides id and the key field (what `afterWrite` reads). */
  fields?: string[];
  /** The create request; default `POST /api/<resource>`. */
  create?(payload: P, fields: FieldProjection): Promise<KeyedRecord>;
}

/**
 * Two-way only: a target whose records are made elsewhere (suppliers are created in Coupa). Linked records and those
 * naming an existing record (`carriedId`) are updated; nothing is ever created.
 */
export interface LinkingTarget extends CoupaTarget {
  /** Why a record naming no existing Coupa record is not written (its dead letter says so). */
  neverCreates(sourceId: string): string;
}

export interface SalesforceToCoupaDeclaration<R extends SObjectRecord, P extends Record<string, unknown>> {
  /** Shared links with the flow's Coupa → Salesforce companion (status write-back). */
  linkGroup?: string;
  /**
   * One direction of a two-way flow (`two-way.ts`): linked records are updated too (PUT, without `createOnly`
   * fields), with link group, lineage and per-field ownership from the shared mapping, current Coupa values read for
   * two-sided change detection and what each write leaves in sync on Salesforce reported so it is not sent back.
   */
  twoWay?: TwoWaySync;
  /** Cron (with seconds) of the poll; the runtime replaces it by the safety-net schedule when the flow streams. */
  schedule: string;
  batchSize?: number;
  source: {
    sobject: string;
    /** Fields read (Id and SystemModstamp are always read). */
    fields: string[];
    /** SOQL condition of the change stream (the trigger); `fetch` does not apply it, so `filter` re-checks it. */
    where?: string;
  };
  target: CreatingTarget<P> | LinkingTarget;
  /** `salesforce-to-coupa` mapping of the record (after `enrich`) to the Coupa body. */
  mapping: CompiledMapping;
  /** The flow's own per-record errors: dead-lettered without retry (their message is shown as is). */
  errors?: Array<abstract new (...args: never[]) => Error>;
  hooks?: {
    /** Related records attached to the rows of a page, when read and when fetched by id (line items, contacts). */
    enrich?(rows: R[]): Promise<R[]>;
    /** False skips a record (it no longer meets the trigger: change events and replays are not filtered by SOQL). */
    filter?(row: R): boolean;
    /** A reason this record must not reach Coupa (shown to people), or null. `find` is the verified key look-up. */
    refuse?(row: R, tools: { find(key: string): Promise<KeyedRecord | null> }): Promise<string | null> | string | null;
    /** Runs when a refused record is written (e.g. the reason onto the request); it is dead-lettered after. */
    onRefused?(r: { sourceId: string; reason: string }): Promise<void>;
    /**
     * Completes the mapped body (requester, lines); null skips the record; throwing dead-letters it. `ctx.targetId`:
     * the linked Coupa record (two-way updates).
     */
    afterMap?(payload: Record<string, unknown>, row: R, ctx: { targetId: string | null }): Promise<P | null> | P | null;
    /** After the record is created, or found already made (a lost answer, another instance): e.g. submit a draft. */
    afterWrite?(target: KeyedRecord, r: { sourceId: string; created: boolean }): Promise<void>;
    /** Coupa refused the create for good (validation, conflict): e.g. the reason onto the Salesforce record. */
    onCreateRefused?(r: { sourceId: string; error: unknown; row: R | null }): Promise<void>;
  };
}

export interface SalesforceToCoupaFlow<S extends z.ZodType, R extends SObjectRecord, P extends Record<string, unknown>> {
  name: string;
  /** `flows.<name>.options`, validated with this schema; bad options stop start-up with path and reason. */
  options: S;
  declare(options: z.output<S>): SalesforceToCoupaDeclaration<R, P>;
}


export function defineSalesforceToCoupaFlow<S extends z.ZodType, R extends SObjectRecord, P extends Record<string, unknown>>(
  deps: FlowDeps,
  spec: SalesforceToCoupaFlow<S, R, P>,
): FlowDefinition<R, P | Refusal> {
  const d = spec.declare(parseFlowOptions(spec.name, spec.options, deps.options));
  const { source, target, hooks = {}, twoWay } = d;
  const fields = twoWay ? twoWay.salesforceFields : ['Id', ...source.fields];
  const sf = deps.salesforce;
  const log = deps.logger.child({ flow: spec.name });
  const keyed = 'keyField' in target ? target : null;
  const linking = 'neverCreates' in target ? target : null;
  if (linking && !twoWay) throw new Error(`flow ${spec.name}: a target that never creates is one direction of a two-way flow (twoWay)`);
  const lookup = keyed ? coupaKeyLookup(deps.coupa, { resource: target.resource, keyField: keyed.keyField, fields: keyed.fields, logger: log }) : null;
  const resource = new CoupaResource(deps.coupa, target.resource);
  const create = keyed?.create ?? ((payload: P, fields: FieldProjection) => resource.create(payload as never, { fields }) as Promise<KeyedRecord>);
  const classifyCoupa = classifyFor('coupa');
  const classify = (err: unknown) => ((d.errors ?? []).some((E) => err instanceof E) ? { kind: 'validation' as const, retryable: false } : classifyCoupa(err));
  const isFinal = (err: unknown) => ['validation', 'conflict'].includes(classify(err).kind);

  /**
   * Records a page look-up showed to have no Coupa record yet, so their create goes straight to the POST. Filled only
   * when the instance honoured the `[in]` filter; each entry is used once, so a retried create looks up again first.
   */
  const checkedAbsent = new Set<string>();
  /** Rows of the creates planned since the last poll read (retries included), for `onCreateRefused`. */
  const planned = new Map<string, R>();

  const related = async (records: SourceRecord[]): Promise<SourceRecord<R>[]> => {
    const rows = records.map((r) => r.data as R);
    const enriched = hooks.enrich ? await hooks.enrich(rows) : rows;
    return records.map((r, i) => ({ id: r.id, ts: r.ts, data: enriched[i] }));
  };

  async function createOne(item: WriteItem<P>): Promise<WriteOutcome> {
    const { sourceId, payload } = item;
    if (!lookup) return failedOutcome(new RecordWriteError(linking!.neverCreates(sourceId), { kind: 'validation', retryable: false }));
    if (item.op === 'update' && item.targetId) {
      // Matched by the page look-up: made before (a lost answer, another instance). Linked now, never created again.
      if (hooks.afterWrite) await hooks.afterWrite((await resource.get(Number(item.targetId), lookup.fields)) as KeyedRecord, { sourceId, created: false });
      return { ok: true, targetId: item.targetId };
    }
    const existing = checkedAbsent.delete(sourceId) ? null : await lookup.find(sourceId);
    if (existing) {
      log.info({ sourceId, targetId: existing.id }, `${target.resource} record already exists for ${source.sobject} ${sourceId}`);
      await hooks.afterWrite?.(existing, { sourceId, created: false });
      return { ok: true, targetId: String(existing.id) };
    }
    let created: KeyedRecord;
    try {
      created = await create(payload, lookup.fields);
    } catch (error) {
      if (isFinal(error)) await hooks.onCreateRefused?.({ sourceId, error, row: planned.get(sourceId) ?? null });
      return failedOutcome(error, { op: item.op, payload });
    }
    await hooks.afterWrite?.(created, { sourceId, created: true });
    return { ok: true, targetId: String(created.id) };
  }

  const update = target.update ?? ((id: string, body: Record<string, unknown>) => resource.update(Number(id), body as never, { params: { return_object: 'limited' } }));
  /** What an update leaves alone: create-only fields and the key field (it exists to find a record this flow made). */
  const withoutCreateOnly = (payload: Record<string, unknown>): Record<string, unknown> => {
    const body = { ...payload };
    for (const f of target.createOnly ?? []) delete body[f];
    const custom = body['custom-fields'] as Record<string, unknown> | undefined;
    if (custom && typeof custom === 'object') {
      const rest = { ...custom };
      if (keyed) delete rest[keyed.keyField];
      if (Object.keys(rest).length) body['custom-fields'] = rest;
      else delete body['custom-fields'];
    }
    return body;
  };

  async function updateBody(row: R, targetId: string | null): Promise<P | null> {
    const mapped = await mapRecord(d.mapping, 'salesforce-to-coupa', row);
    if (!mapped.included) return null;
    const body = hooks.afterMap ? await hooks.afterMap(mapped.payload, row, { targetId }) : mapped.payload;
    return body ? (withoutCreateOnly(body) as P) : null;
  }

  async function updateOne(item: WriteItem<P>): Promise<WriteOutcome> {
    const body = withoutCreateOnly(item.payload);
    try {
      await update(item.targetId!, body);
    } catch (error) {
      return failedOutcome(error, { op: item.op, payload: body });
    }
    return { ok: true, targetId: item.targetId!, written: body, sourceInSync: await twoWay!.inSyncAfter('coupa-to-salesforce', body, item.lastWritten) };
  }

  /** The carried Coupa ids that exist: one `id[in]` request per 50, every hit checked to be one asked for. */
  async function carriedIds(rows: R[]): Promise<Set<string>> {
    const wanted = [...new Set(rows.map((r) => target.carriedId?.(r)).filter((v): v is string => !!v && /^\d+$/.test(v)))];
    const found = new Set<string>();
    // Ids are unique, so one page (50) answers a chunk of 50: `find`, not `list`, which would ask for a next page.
    for (const part of chunks(wanted, 50)) {
      for (const r of await resource.find({ filters: { 'id[in]': part }, fields: ['id'] })) if (part.includes(String(r.id))) found.add(String(r.id));
    }
    return found;
  }

  const flow: FlowDefinition<R, P | Refusal> = {
    name: spec.name,
    ...(d.linkGroup || twoWay ? { linkGroup: twoWay?.linkGroup ?? d.linkGroup } : {}),
    source: { system: 'salesforce', object: source.sobject },
    target: { system: 'coupa', object: target.resource },
    trigger: { kind: 'poll', schedule: d.schedule },
    batchSize: d.batchSize ?? 50,
    classify,

    async read(req) {
      planned.clear();
      return related(await readSalesforce(sf, { ...source, fields }, req));
    },
    /** Records by id as they are now (change events, gap events, replays): `filter` skips those off the trigger. */
    fetch: async (ids) => related(await fetchSalesforce(sf, { sobject: source.sobject, fields }, ids)),

    async map(rec, ctx) {
      const row = rec.data;
      if (ctx.targetId) return twoWay ? updateBody(row, ctx.targetId) : null;
      if (hooks.filter && !hooks.filter(row)) return null;
      // Never creating: only a record naming an existing Coupa record is written (matchPage links it).
      if (!lookup) return target.carriedId?.(row) ? updateBody(row, null) : null;
      const reason = hooks.refuse ? await hooks.refuse(row, { find: lookup.find }) : null;
      if (reason) return { $refused: reason };
      const mapped = await mapRecord(d.mapping, 'salesforce-to-coupa', row);
      if (!mapped.included) return null;
      const body = hooks.afterMap ? await hooks.afterMap(mapped.payload, row, { targetId: null }) : (mapped.payload as P);
      if (!body) return null;
      planned.set(rec.id, row);
      // The key the look-ups search for, whatever the mapping says.
      return { ...body, 'custom-fields': { ...(body['custom-fields'] as Record<string, unknown> | undefined), [keyed!.keyField]: rec.id } };
    },

    // A record whose Coupa record exists (an earlier attempt, another instance) is linked to it, not created again.
    async matchPage(items) {
      const candidates = items.filter((i) => !isRefusal(i.payload));
      const out = new Map<string, MatchResult>();
      const carried = await carriedIds(candidates.map((i) => i.record.data));
      for (const { record } of candidates) {
        const id = target.carriedId?.(record.data);
        if (id && carried.has(id)) out.set(record.id, { targetId: id });
      }
      const ids = candidates.map((i) => i.record.id).filter((id) => !out.has(id));
      if (!lookup) for (const id of ids) out.set(id, { targetId: null });
      if (!ids.length || !lookup) return out;
      const { trusted, found } = await lookup.findPage(ids);
      for (const id of ids) {
        const hit = found.get(id);
        out.set(id, { targetId: hit ? String(hit.id) : null });
        if (trusted && !hit) checkedAbsent.add(id);
      }
      return out;
    },

    // Each record is its own request chain; several go out at once under the client's shared rate limit.
    write: (items) =>
      mapConcurrent(items, COUPA_WRITE_CONCURRENCY, async (item): Promise<WriteOutcome> => {
        const { payload, sourceId } = item;
        try {
          if (isRefusal(payload)) {
            await hooks.onRefused?.({ sourceId, reason: payload.$refused });
            return failedOutcome(new RecordWriteError(payload.$refused, { kind: 'validation', retryable: false }));
          }
          if (twoWay && item.op === 'update' && item.targetId) return await updateOne(item as WriteItem<P>);
          const outcome = await createOne(item as WriteItem<P>);
          return twoWay && outcome.ok ? { ...outcome, written: payload, sourceInSync: await twoWay.inSyncAfter('coupa-to-salesforce', payload, item.lastWritten) } : outcome;
        } catch (error) {
          return failedOutcome(error, { op: item.op, payload });
        }
      }),

  };

  if (keyed && lookup) {
    flow.idempotencyKey = (rec) => `${keyed.keyPrefix}${rec.id}`;
    flow.findByIdempotencyKey = async (key) => {
      if (!key.startsWith(keyed.keyPrefix)) return null;
      const hit = await lookup.find(key.slice(keyed.keyPrefix.length));
      return hit ? String(hit.id) : null;
    };
  }

  if (twoWay) {
    flow.lineage = twoWay.lineage['salesforce-to-coupa'];
    flow.fieldOwners = ownersFor(d.mapping, 'coupa');
  }
  if (twoWay && twoWay.targetValues.coupa !== 'none') {
    flow.readTargets = async (ids) => {
      const raw = new Map<string, Record<string, unknown>>();
      // One request per 50 ids, as in carriedIds.
      for (const part of chunks([...new Set(ids.filter((id) => /^\d+$/.test(id)))], 50)) {
        for (const r of await resource.find({ filters: { 'id[in]': part } })) if (part.includes(String(r.id))) raw.set(String(r.id), r as unknown as Record<string, unknown>);
      }
      return twoWay.currentValues('coupa', raw);
    };
  }
  return flow;
}
