/**
 * A declared one-way flow, Coupa → Salesforce: where records come from (a Coupa resource's change stream by default, a
 * flow's own reader, or a snapshot), a mapping, and how each record finds its Salesforce record. Everything else
 * (pages, cursor, echo, ownership, no-op, retries, ledger, waits for a link that does not exist yet) is the engine's.
 * A new plain flow is this call plus a mapping YAML; what is truly custom goes in the hooks.
 */
import { ChangeSlices, iterateChanges, projectionFromPaths, type CoupaResourceName, type Filters } from '../../coupa';
import type {
  Cursor,
  EffectOutcome,
  ErrorClassifier,
  FlowContext,
  FlowDefinition,
  LinkRef,
  MatchResult,
  PlannedEffect,
  SnapshotMark,
  SnapshotResult,
  SourceRecord,
  WriteItem,
  WriteOutcome,
} from '../../engine';
import { lineageOf, mapRecord, sourcePaths, type CompiledMapping } from '../../mapping';
import { soqlQuote, type SalesforceClient } from '../../salesforce';
import type { FlowDeps } from '../deps';
import { classifyFor, describeResult, RecordWriteError } from './errors';
import { fetchCoupa, soqlIn } from './io';
import { chunks, upsertItems } from './salesforce-writes';
import { ownersFor, type TwoWaySync } from './two-way';

export type CoupaRow = Record<string, unknown> & { id: number };

/** Default source: the mapping's Coupa resource read as a change stream (`updated-at`, id). */
export interface ChangesSource {
  kind: 'changes';
  /** Fields read besides those the mapping names (what hooks and effects use). */
  reads?: readonly string[];
  /** Coupa filters applied to the stream and to fetch by id. */
  filters?: Filters;
}

/** A reader of the flow's own: records assembled from several Coupa resources (a requisition and its POs). */
export interface CustomSource<Row> {
  kind: 'custom';
  /** Records with (ts, id) strictly after `after`, ascending, at most `limit` (FlowDefinition.read). */
  read(req: { after: Cursor | null; limit: number }): Promise<SourceRecord<Row>[]>;
  /** Records by id as they are now (replays, dependents); without it a dead letter cannot be replayed from the source. */
  fetch?(ids: string[]): Promise<SourceRecord<Row>[]>;
}

/** Every record as it is now, computed once per run (FlowDefinition.snapshot): no cursor, no overlap window. */
export interface SnapshotSource<Row> {
  kind: 'snapshot';
  snapshot(prev: SnapshotMark | null): Promise<SnapshotResult<Row>>;
  /** Links and record keys of computed records (no Coupa resource holds them); default the mapping's resource. */
  object?: string;
}

export type DeclaredSource<Row> = ChangesSource | CustomSource<Row> | SnapshotSource<Row>;

/** The Salesforce record a Coupa record updates: the one whose `field` holds `key(record)`. */
export interface LookupTarget<Row = CoupaRow> {
  field: string;
  key(record: Row): string | null;
  /** The link whose appearance would give a record without a target one (re-planned then, without a new change). */
  waitFor?(record: Row): LinkRef | null;
}

/** The Salesforce record a Coupa record updates is named by the record itself (a custom field holding its Id). */
export interface NamedTarget<Row = CoupaRow> {
  id(record: Row): string | null;
  /** Why a record without one cannot be written (shown in its dead letter). */
  missing: string;
}

/**
 * Upsert by the mapping's external id. `matchPage`: how a page's unlinked records find a Salesforce record made
 * elsewhere before one is created (matching tiers, batched: one query per key kind per page, every hit verified).
 */
export interface UpsertTarget<Row> {
  upsert: true;
  matchPage?(records: Array<SourceRecord<Row>>): Promise<Map<string, MatchResult>>;
}

export type DeclaredTarget<Row> = UpsertTarget<Row> | { lookup: LookupTarget<Row> } | { named: NamedTarget<Row> };

/** Side effects planned with a record (a Task), applied after its write, recoverable from the effect ledger. */
export interface AfterWriteHook<Row> {
  /** Effects of writing this record; `connector` holds what hooks.connector resolved for it. */
  plan(record: Row, payload: Record<string, unknown>, ctx: { targetId: string | null; lastWritten: Record<string, unknown> | null; connector: Record<string, unknown> }): PlannedEffect[];
  apply(effects: Array<PlannedEffect & { targetId: string; sourceId: string }>): Promise<EffectOutcome[]>;
  /** An effect applied before whose answer was lost, looked up before it is applied again. */
  find?(effect: PlannedEffect & { targetId: string }): Promise<string | null>;
}

export interface FlowHooks<Row> {
  /** False skips a record (a two-way flow creates only from some statuses; `ctx.targetId` says whether it is linked). */
  filter?(record: Row, ctx: FlowContext): boolean;
  /** Loads what the page's records need (related records' links), once per page, for the records that will be planned. */
  enrich?(records: Row[]): Promise<void>;
  /**
   * Values the mapping reads under `$record.connector` (resolved per record). May call `ctx.waitFor` for a link that
   * does not exist yet; returning null skips the record.
   */
  connector?(record: Row, ctx: FlowContext): Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
  /** Adjusts the mapped payload (a level from a score); null skips the record. `ctx.lastWritten`: what was last written. */
  afterMap?(payload: Record<string, unknown>, record: Row, ctx: FlowContext): Record<string, unknown> | null;
  afterWrite?: AfterWriteHook<Row>;
  /**
   * Wraps the write: `send` writes the given items as the target says (update-only: to their records; upsert: by the
   * external id, or by Id for a two-way flow's linked records); the hook may write related records first, change
   * payloads or take a second step. One outcome per item, in order.
   */
  write?(items: WriteItem[], send: (items: WriteItem[]) => Promise<WriteOutcome[]>): Promise<WriteOutcome[]>;
  /** How a record is named in write errors ("invoice INV-7 (Coupa id 12)"). */
  label?(item: WriteItem, record: Row | undefined): string;
}

export interface CoupaToSalesforceFlow<Row extends Record<string, unknown> = CoupaRow> {
  name: string;
  mapping: CompiledMapping;
  schedule: string;
  /** Shared with the flow that creates the records this one updates (a status write-back and its create side). */
  linkGroup?: string;
  batchSize?: number;
  overlapMs?: number;
  source?: DeclaredSource<Row>;
  /**
   * How a record finds its Salesforce record. Default: upsert by the mapping's `salesforce.externalId` (creates what
   * is missing). `lookup`: update the record found by a field. `named`: update the record whose Id the Coupa record
   * carries. Neither of the last two ever creates one.
   */
  target?: DeclaredTarget<Row>;
  /** Salesforce field set to the time of every write (see FlowDefinition.stampField). */
  stampField?: string;
  /** A backlog is written in batches of `salesforce.bulkThreshold` (Bulk API 2.0; see FlowDefinition.bulkWrite). */
  bulkWrite?: boolean;
  /** Classification of what read, map and write threw (default: Salesforce's, with the connector's own errors). */
  classify?: ErrorClassifier;
  /**
   * One direction of a two-way flow (`two-way.ts`): link group, lineage and per-field ownership from the shared
   * mapping, linked records updated by Id, current target values read for two-sided change detection, and what each
   * write leaves in sync on the Coupa side reported so it is not sent back.
   */
  twoWay?: TwoWaySync;
  hooks?: FlowHooks<Row>;
}

export function defineCoupaToSalesforceFlow<Row extends Record<string, unknown> = CoupaRow>(deps: FlowDeps, spec: CoupaToSalesforceFlow<Row>): FlowDefinition<Row> {
  const { mapping, hooks = {}, twoWay } = spec;
  const resource = mapping.spec.coupa.resource as CoupaResourceName;
  const sobject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId;
  const target: DeclaredTarget<Row> = spec.target ?? { upsert: true };
  const lookup = 'lookup' in target ? target.lookup : null;
  const named = 'named' in target ? target.named : null;
  const updateOnly = !!(lookup || named);
  const upsertMatch = 'upsert' in target ? target.matchPage : undefined;
  if (!updateOnly && !externalId) throw new Error(`mapping ${mapping.name}: salesforce.externalId is required (the upsert key of flow ${spec.name})`);
  const sf: SalesforceClient = deps.salesforce;
  const source: DeclaredSource<Row> = spec.source ?? { kind: 'changes' };
  const object = (source.kind === 'snapshot' && source.object) || resource;
  const keyPrefix = `${spec.name}:${object}:`;
  /** Lookup mode: Salesforce record ids by key value, for the page being planned. */
  const targets = new Map<string, string>();
  /** What hooks.connector resolved per record of the page (effects are planned from it) and the records by id (labels). */
  const connectorValues = new Map<string, Record<string, unknown>>();
  const rows = new Map<string, Row>();

  async function resolveTargets(records: Row[]): Promise<void> {
    targets.clear();
    if (!lookup) return;
    const keys = [...new Set(records.map((r) => lookup.key(r)).filter((k): k is string => !!k))];
    for (const part of chunks(keys, 200)) {
      for (const r of await sf.queryAll<Record<string, unknown>>(`SELECT Id, ${lookup.field} FROM ${sobject} WHERE ${soqlIn(lookup.field, part)} ORDER BY Id`)) {
        const key = String(r[lookup.field]);
        if (part.includes(key) && !targets.has(key)) targets.set(key, String(r.Id));
      }
    }
  }

  const targetIdOf = (row: Row): string | null => (lookup ? (targets.get(lookup.key(row) ?? '') ?? null) : named ? named.id(row) : null);

  const labelOf = (item: WriteItem) => hooks.label?.(item, rows.get(item.sourceId)) ?? `Coupa ${object} ${item.sourceId}`;

  /** Update-only write: every item names its record; one collection call per 200. */
  async function update(items: WriteItem[]): Promise<WriteOutcome[]> {
    const known = items.filter((i) => i.targetId);
    const results = known.length ? await sf.update(sobject, known.map((i) => ({ ...i.payload, Id: i.targetId }))) : [];
    let k = 0;
    return items.map((item): WriteOutcome => {
      if (!item.targetId) {
        const why = named ? named.missing : `no ${sobject} has ${lookup!.field}`;
        return { ok: false, error: new RecordWriteError(`${why} (${labelOf(item)})`, { kind: 'validation', retryable: false }, null) };
      }
      const r = results[k++];
      if (r?.success) return { ok: true, targetId: item.targetId };
      return {
        ok: false,
        error: new RecordWriteError(`Salesforce rejected ${sobject} ${item.targetId} for ${labelOf(item)}: ${r ? describeResult(r) : 'no result'}`, r?.failure ?? { kind: 'ambiguous', retryable: false }, r?.errors ?? null),
        request: { op: 'update', sobject, id: item.targetId, payload: item.payload },
        response: r?.errors ?? null,
      };
    });
  }

  /** Upsert target: creates by the external id; a two-way flow's linked records by Id (matched ones may lack the key). */
  async function upsert(items: WriteItem[]): Promise<WriteOutcome[]> {
    if (!twoWay) return upsertItems(sf, sobject, externalId!, items, labelOf);
    const outcomes: WriteOutcome[] = new Array(items.length);
    const creates = items.flatMap((it, i) => (it.op === 'create' ? [i] : []));
    const updates = items.flatMap((it, i) => (it.op === 'update' ? [i] : []));
    const created = await upsertItems(sf, sobject, externalId!, creates.map((i) => items[i]), labelOf);
    creates.forEach((i, k) => (outcomes[i] = created[k]));
    const updated = await update(updates.map((i) => items[i]));
    updates.forEach((i, k) => (outcomes[i] = updated[k]));
    return outcomes;
  }

  const send = (items: WriteItem[]) => (updateOnly ? update(items) : upsert(items));

  const linkGroup = twoWay?.linkGroup ?? spec.linkGroup;
  const flow: FlowDefinition<Row> = {
    name: spec.name,
    ...(linkGroup ? { linkGroup } : {}),
    source: { system: 'coupa', object },
    target: { system: 'salesforce', object: sobject },
    trigger: source.kind === 'snapshot' ? { kind: 'schedule', schedule: spec.schedule } : { kind: 'poll', schedule: spec.schedule },
    batchSize: spec.batchSize ?? 200,
    overlapMs: spec.overlapMs ?? 60_000,
    classify: spec.classify ?? classifyFor('salesforce'),
    lineage: lineageOf(mapping, 'coupa-to-salesforce'),
    ...(spec.stampField ? { stampField: spec.stampField } : {}),
    ...(spec.bulkWrite ? { bulkWrite: true } : {}),

    // Set below from the source; a snapshot source never reads a change stream (the runner calls `snapshot`).
    read: async () => [],

    // The page's look-ups (lookup targets, the hooks' own), for the records the engine will plan: an idle re-read
    // of the overlap window costs no query.
    async enrich(records) {
      connectorValues.clear();
      rows.clear();
      for (const r of records) rows.set(r.id, r.data);
      const data = records.map((r) => r.data);
      await resolveTargets(data);
      await hooks.enrich?.(data);
    },

    async map(record, ctx: FlowContext) {
      const row = record.data;
      rows.set(record.id, row);
      if (lookup && !targets.has(lookup.key(row) ?? '')) {
        const ref = lookup.waitFor?.(row);
        if (ref) ctx.waitFor?.(ref);
        return null;
      }
      if (named && !named.id(row)) return null;
      if (hooks.filter && !hooks.filter(row, ctx)) return null;
      const connector = hooks.connector ? await hooks.connector(row, ctx) : {};
      if (!connector) return null;
      const result = await mapRecord(mapping, 'coupa-to-salesforce', { ...row, connector });
      if (!result.included) return null;
      connectorValues.set(record.id, connector);
      return hooks.afterMap ? hooks.afterMap(result.payload, row, ctx) : result.payload;
    },

    // An update-only flow never creates: a record without its Salesforce record waits or is skipped in map.
    async write(items: WriteItem[]): Promise<WriteOutcome[]> {
      const outcomes = hooks.write ? await hooks.write(items, send) : await send(items);
      if (!twoWay) return outcomes;
      return Promise.all(
        outcomes.map(async (o, i) => {
          if (!o.ok) return o;
          // A write hook that sent more or less than the payload says what the record now holds from us.
          const written = o.written ?? twoWay.shows('salesforce', items[i].payload);
          return { ...o, written, sourceInSync: await twoWay.inSyncAfter('salesforce-to-coupa', written, items[i].lastWritten) };
        }),
      );
    },

    idempotencyKey: (record) => `${keyPrefix}${record.id}`,
  };

  if (source.kind === 'changes') {
    const fields = projectionFromPaths(['id', 'updated-at', ...sourcePaths(mapping, 'coupa-to-salesforce'), ...(source.reads ?? [])]);
    let pageSize = 50;
    // One scan across the engine's pages and backlog batches while each starts where the last ended.
    const slices = new ChangeSlices((since) => iterateChanges<{ id: number; 'updated-at'?: string | null }>(deps.coupa, resource, { since, fields, filters: source.filters, pageSize }));
    flow.read = async ({ after, limit }) => {
      const since = after ? { updatedAt: after.ts, id: Number(after.id) || 0 } : undefined;
      pageSize = Math.min(limit, 50);
      return (await slices.read(since, limit)).map(({ record }) => ({ id: String(record.id), ts: String(record['updated-at']), data: record as unknown as Row, origin: null }));
    };
    flow.fetch = (ids) => fetchCoupa(deps.coupa, resource, ids, fields) as Promise<SourceRecord<Row>[]>;
  } else if (source.kind === 'custom') {
    flow.read = (req) => source.read(req);
    if (source.fetch) flow.fetch = (ids) => source.fetch!(ids);
  } else {
    flow.snapshot = (prev) => source.snapshot(prev);
  }

  if (updateOnly) {
    // The record found by the lookup field, or named by the record; never a create.
    flow.matchPage = async (items): Promise<Map<string, MatchResult>> => new Map(items.map(({ record }) => [record.id, { targetId: targetIdOf(record.data) }]));
  } else {
    if (upsertMatch) flow.matchPage = (items) => upsertMatch(items.map((i) => i.record));
    flow.findByIdempotencyKey = async (key) => {
      if (!key.startsWith(keyPrefix)) return null;
      const found = await sf.queryAll<{ Id: string }>(`SELECT Id FROM ${sobject} WHERE ${externalId} = ${soqlQuote(key.slice(keyPrefix.length))} LIMIT 1`);
      return found[0]?.Id ?? null;
    };
  }

  if (twoWay) flow.fieldOwners = ownersFor(mapping, 'salesforce');
  if (twoWay && twoWay.targetValues.salesforce !== 'none') {
    flow.readTargets = async (ids) => {
      const raw = new Map<string, Record<string, unknown>>();
      for (const part of chunks(ids, 200)) {
        for (const r of await sf.queryAll<Record<string, unknown>>(`SELECT ${twoWay.salesforceFields.join(', ')} FROM ${sobject} WHERE ${soqlIn('Id', part)}`)) raw.set(String(r.Id), r);
      }
      return twoWay.currentValues('salesforce', raw);
    };
  }

  const after = hooks.afterWrite;
  if (after) {
    flow.effects = (record, payload, ctx) => after.plan(record.data, payload, { ...ctx, connector: connectorValues.get(record.id) ?? {} });
    flow.applyEffects = (effects) => after.apply(effects);
    if (after.find) flow.findEffect = (effect) => after.find!(effect);
  }
  return flow;
}
