/**
 * contract-sync: Coupa contracts ⇄ Salesforce Contracts (or another object, via the mapping), one FlowDefinition per
 * direction sharing links and the echo ledger. Salesforce → Coupa creates a published Coupa contract when a Contract is
 * activated and pushes later edits; Coupa → Salesforce creates/updates the Contract when a Coupa contract is published
 * or amended. Fields listed for both owners in the mapping are shared: a change on both sides is a conflict.
 */
import { coupaResources } from '../../coupa';
import type { FlowDefinition, MatchResult, SourceRecord, SystemName, WriteItem, WriteOutcome } from '../../engine';
import { getPath, lineageOf, mapRecord, sameValue, type CompiledMapping, type Direction } from '../../mapping';
import { soqlQuote, type SObjectRecord, type WriteResult } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { RecordWriteError, classifyFor, validation } from '../shared/errors';
import { COUPA_WRITE_CONCURRENCY, mapConcurrent } from '../shared/concurrency';
import { fetchCoupa, fetchSalesforce, readCoupa, readSalesforce, soqlIn } from '../shared/io';
import { LAST_SYNCED_FIELD } from '../shared/salesforce-writes';
import { decide, decideSync } from '../shared/tiers';

export const CONTRACT_SYNC = 'contract-sync';
export const CONTRACT_TO_SALESFORCE = `${CONTRACT_SYNC}.to-salesforce`;
export const CONTRACT_TO_COUPA = `${CONTRACT_SYNC}.to-coupa`;

export interface ContractSyncOptions {
  /** Mapping name in config/mappings (default contract); its salesforce.object is the synced object. */
  mapping: string;
  /** Salesforce statuses that create the Coupa contract (default Activated). */
  activatedStatuses: string[];
  /** Coupa statuses that create the Salesforce record (default published). Linked records always update. */
  createFromCoupaStatuses: string[];
  /** Coupa contract fields sent only when the contract is created, never on updates (default number, status). */
  createOnlyCoupaFields: string[];
  /** Status value a new Salesforce record must be inserted with before it can be activated (default Draft; null: insert as mapped). */
  insertStatus: string | null;
  statusField: string;
  /** Coupa custom field holding the Salesforce record Id (default salesforce-contract-id). */
  coupaSalesforceIdField: string;
  schedule: string;
}

const list = (v: unknown, fallback: string[], key: string): string[] => {
  if (v === undefined || v === null) return fallback;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`flows.${CONTRACT_SYNC}.options.${key} must be a list of strings`);
  return v as string[];
};
const text = (v: unknown, fallback: string, key: string): string => {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !v) throw new Error(`flows.${CONTRACT_SYNC}.options.${key} must be a non-empty string`);
  return v;
};

export function contractSyncOptions(raw: Record<string, unknown>): ContractSyncOptions {
  return {
    mapping: text(raw.mapping, 'contract', 'mapping'),
    activatedStatuses: list(raw.activatedStatuses, ['Activated'], 'activatedStatuses'),
    createFromCoupaStatuses: list(raw.createFromCoupaStatuses, ['published'], 'createFromCoupaStatuses'),
    createOnlyCoupaFields: list(raw.createOnlyCoupaFields, ['number', 'status'], 'createOnlyCoupaFields'),
    insertStatus: raw.insertStatus === null ? null : text(raw.insertStatus, 'Draft', 'insertStatus'),
    statusField: text(raw.statusField, 'Status', 'statusField'),
    coupaSalesforceIdField: text(raw.coupaSalesforceIdField, 'salesforce-contract-id', 'coupaSalesforceIdField'),
    schedule: text(raw.schedule, '* * * * *', 'schedule'),
  };
}

const top = (path: string) => path.split('.')[0];
const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

/** Field pairs mapped in both directions: no single owner. */
export function sharedPairs(mapping: CompiledMapping): Array<{ coupa: string; salesforce: string }> {
  const seen = new Map<string, Set<string>>();
  for (const f of mapping.fields) {
    if (!f.spec.coupa || !f.spec.salesforce) continue;
    const k = `${f.spec.coupa}\u0000${f.spec.salesforce}`;
    seen.set(k, (seen.get(k) ?? new Set()).add(f.owner));
  }
  return [...seen].filter(([, owners]) => owners.size === 2).map(([k]) => {
    const [coupa, salesforce] = k.split('\u0000');
    return { coupa, salesforce };
  });
}

/** Payload key → owner for the payload written to `target`; shared keys are left without an owner. */
export function ownersFor(mapping: CompiledMapping, target: SystemName): Record<string, SystemName> {
  const shared = new Set(sharedPairs(mapping).map((p) => top(p[target])));
  const owners: Record<string, SystemName> = {};
  for (const f of mapping.fields) {
    const path = f.spec[target];
    if (path && !shared.has(top(path))) owners[top(path)] = f.owner;
  }
  return owners;
}

/** Salesforce's derived end date (StartDate + ContractTerm months − 1 day), as a written payload would produce it. */
export function derivedEndDate(start: unknown, termMonths: unknown): string | null {
  if (typeof start !== 'string' || typeof termMonths !== 'number' || !/^\d{4}-\d{2}-\d{2}/.test(start)) return null;
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + termMonths);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function createContractSyncFlows(deps: FlowDeps): FlowDefinition[] {
  const opts = contractSyncOptions(deps.options);
  const mapping = requireMapping(deps, opts.mapping);
  const sf = deps.salesforce;
  const contracts = coupaResources(deps.coupa).contracts;
  const sfObject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId ?? 'Coupa_Contract_Id__c';
  const store = deps.store;
  const cfKey = `custom_fields[${opts.coupaSalesforceIdField}]`;
  const pairs = sharedPairs(mapping);
  const sfFields = [
    ...new Set([
      'Id',
      externalId,
      opts.statusField,
      ...mapping.fields.map((f) => f.spec.salesforce).filter((p): p is string => !!p && p !== 'Id'),
      ...(mapping.spec.salesforce.reads ?? []),
    ]),
  ];
  const sfSide = { system: 'salesforce' as const, object: sfObject };
  const coupaSide = { system: 'coupa' as const, object: 'contracts' };
  const map = async (direction: Direction, data: Record<string, unknown>) => (await mapRecord(mapping, direction, data)).payload;
  // What we wrote to Salesforce, as Salesforce then shows it (EndDate follows from StartDate and ContractTerm).
  const asSalesforceShows = (p: Record<string, unknown>) =>
    'ContractTerm' in p && !('EndDate' in p) ? { ...p, EndDate: derivedEndDate(p.StartDate, p.ContractTerm) } : p;

  const lineage = { 'coupa-to-salesforce': lineageOf(mapping, 'coupa-to-salesforce'), 'salesforce-to-coupa': lineageOf(mapping, 'salesforce-to-coupa') };
  /**
   * What a write leaves in sync on its source, in the reverse direction's payload shape: the reverse mapping of the
   * values written, for the fields computed only from written values (so the reverse direction does not send them back).
   */
  const inSyncAfter = async (reverse: Direction, written: Record<string, unknown>, before?: Record<string, unknown> | null): Promise<Record<string, unknown>> => {
    const mapped = await map(reverse, { ...(before ?? {}), ...written });
    const has = (path: string) => getPath(written, path) !== undefined;
    return Object.fromEntries(
      Object.entries(mapped).filter(([k, v]) => v !== null && v !== undefined && (lineage[reverse][k] ?? []).length > 0 && lineage[reverse][k].every(has)),
    );
  };
  const mapContract = async (rec: SourceRecord) => map('coupa-to-salesforce', rec.data);
  const mapSfContract = async (rec: SourceRecord) => {
    const payload = await map('salesforce-to-coupa', rec.data);
    // A record whose lookup is empty must not clear the Coupa supplier.
    for (const p of pairs) if (getPath(payload, p.coupa) === null && p.coupa.includes('.')) delete payload[top(p.coupa)];
    return payload;
  };

  /**
   * Current target values in payload shape, for two-sided change detection. The engine compares them with what
   * this direction last wrote; a value the other direction carried over since (the target's own change, already
   * synced) is reported as unchanged, so alternating edits on the two sides are not taken for conflicts.
   */
  const currentValues = async (
    target: SystemName,
    raw: Map<string, Record<string, unknown>>,
  ): Promise<Map<string, Record<string, unknown>>> => {
    const toTarget: Direction = target === 'salesforce' ? 'coupa-to-salesforce' : 'salesforce-to-coupa';
    const fromTarget: Direction = target === 'salesforce' ? 'salesforce-to-coupa' : 'coupa-to-salesforce';
    const source: SystemName = target === 'salesforce' ? 'coupa' : 'salesforce';
    const side = target === 'salesforce' ? sfSide : coupaSide;
    const out = new Map<string, Record<string, unknown>>();
    for (const [id, rec] of raw) {
      const mid = await map(fromTarget, rec);
      const view = await map(toTarget, target === 'coupa' ? asSalesforceShows(mid) : mid);
      const current: Record<string, unknown> = {};
      for (const p of pairs) current[top(p[target])] = view[top(p[target])];
      const link = await store.findLink(CONTRACT_SYNC, side.system, side.object, id);
      if (link) {
        const lastWritten = (await store.getEcho(CONTRACT_SYNC, link.id, `to-${target}`))?.payload as Record<string, unknown> | undefined;
        const carried = (await store.getEcho(CONTRACT_SYNC, link.id, `to-${source}`))?.payload as Record<string, unknown> | undefined;
        if (lastWritten && carried) {
          const carriedAsTarget = await map(toTarget, source === 'salesforce' ? asSalesforceShows(carried) : carried);
          for (const p of pairs) {
            const k = top(p[target]);
            if (top(p[source]) in carried && k in lastWritten && sameValue(current[k], carriedAsTarget[k])) current[k] = lastWritten[k];
          }
        }
      }
      out.set(id, current);
    }
    return out;
  };

  const sfError = (r: WriteResult) => {
    let message = r.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'write failed';
    const missing = /Foreign key external ID: (\S+) not found for field (\w+) in entity (\w+)/.exec(message);
    if (missing) message = `no ${missing[3]} has ${missing[2]} = ${missing[1]} (is the Coupa supplier synced to an Account yet?); replay after linking it. ${message}`;
    return new RecordWriteError(message, r.failure ?? { kind: 'validation', retryable: false }, r.errors);
  };

  const toSalesforce: FlowDefinition = {
    name: CONTRACT_TO_SALESFORCE,
    stampField: LAST_SYNCED_FIELD,
    linkGroup: CONTRACT_SYNC,
    source: coupaSide,
    target: sfSide,
    trigger: { kind: 'poll', schedule: opts.schedule },
    read: (req) => readCoupa(deps.coupa, 'contracts', req),
    fetch: (ids) => fetchCoupa(deps.coupa, 'contracts', ids),
    lineage: lineage['coupa-to-salesforce'],
    async map(rec, ctx) {
      if (!ctx.targetId && !opts.createFromCoupaStatuses.includes(String(rec.data.status))) return null;
      return mapContract(rec);
    },
    // Per page: one query by Coupa id, one by the Salesforce Id a contract carries; every hit checked to hold its key.
    async matchPage(items): Promise<Map<string, MatchResult>> {
      const sfIdOf = (rec: SourceRecord) => {
        const v = str(getPath(rec.data, `custom-fields.${opts.coupaSalesforceIdField}`));
        return v && /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(v) ? v : null;
      };
      const byCoupaId = new Map<string, string[]>();
      const bySfId = new Set<string>();
      const coupaIds = [...new Set(items.map((i) => i.record.id))];
      for (let i = 0; i < coupaIds.length; i += 200) {
        const part = coupaIds.slice(i, i + 200);
        for (const r of await sf.queryAll<SObjectRecord>(`SELECT Id, ${externalId} FROM ${sfObject} WHERE ${soqlIn(externalId, part)}`)) {
          const key = str(r[externalId]);
          if (key && part.includes(key)) byCoupaId.set(key, [...(byCoupaId.get(key) ?? []), String(r.Id)]);
        }
      }
      const sfIds = [...new Set(items.map((i) => sfIdOf(i.record)).filter((v): v is string => !!v))];
      for (let i = 0; i < sfIds.length; i += 200) {
        const part = sfIds.slice(i, i + 200);
        for (const r of await sf.queryAll<SObjectRecord>(`SELECT Id FROM ${sfObject} WHERE ${soqlIn('Id', part)} AND ${externalId} = null`)) bySfId.add(String(r.Id));
      }
      const out = new Map<string, MatchResult>();
      for (const { record } of items) {
        const sfId = sfIdOf(record);
        const carried = sfId ? [...bySfId].filter((x) => x.slice(0, 15) === sfId.slice(0, 15)) : [];
        out.set(record.id, decideSync([() => byCoupaId.get(record.id) ?? [], () => carried]));
      }
      return out;
    },
    async write(items: WriteItem[]): Promise<WriteOutcome[]> {
      const outcomes: WriteOutcome[] = new Array(items.length);
      const inSync: number[] = [];
      const creates = items.map((it, i) => ({ it, i })).filter((x) => x.it.op === 'create');
      const updates = items.map((it, i) => ({ it, i })).filter((x) => x.it.op === 'update');
      if (creates.length) {
        // Salesforce inserts contracts as Draft; activation is a second step.
        const records = creates.map(({ it }) => (opts.insertStatus && opts.statusField in it.payload ? { ...it.payload, [opts.statusField]: opts.insertStatus } : it.payload));
        const results = await sf.upsert(sfObject, externalId, records);
        const activate: Array<{ i: number; rec: SObjectRecord }> = [];
        creates.forEach(({ it, i }, k) => {
          const r = results[k];
          if (!r.success || !r.id) {
            outcomes[i] = { ok: false, error: sfError(r), request: records[k], response: r.errors };
            return;
          }
          outcomes[i] = { ok: true, targetId: r.id, written: asSalesforceShows(it.payload) };
          inSync.push(i);
          const status = it.payload[opts.statusField];
          if (opts.insertStatus && status && status !== opts.insertStatus) activate.push({ i, rec: { Id: r.id, [opts.statusField]: status } });
        });
        if (activate.length) {
          const results2 = await sf.update(sfObject, activate.map((a) => a.rec));
          activate.forEach((a, k) => {
            if (!results2[k].success) outcomes[a.i] = { ok: false, error: sfError(results2[k]), request: a.rec, response: results2[k].errors };
          });
        }
      }
      if (updates.length) {
        const records = updates.map(({ it }) => ({ ...it.payload, Id: it.targetId }));
        const results = await sf.update(sfObject, records);
        updates.forEach(({ it, i }, k) => {
          const r = results[k];
          outcomes[i] = r.success ? { ok: true, targetId: it.targetId!, written: asSalesforceShows(it.payload) } : { ok: false, error: sfError(r), request: records[k], response: r.errors };
          if (r.success) inSync.push(i);
        });
      }
      for (const i of inSync) {
        const o = outcomes[i];
        if (o.ok && o.written) outcomes[i] = { ...o, sourceInSync: await inSyncAfter('salesforce-to-coupa', o.written, items[i].lastWritten) };
      }
      return outcomes;
    },
    async findByIdempotencyKey(key) {
      const id = key.split(':').pop()!;
      const rows = await sf.queryAll<{ Id: string }>(`SELECT Id FROM ${sfObject} WHERE ${externalId} = ${soqlQuote(id)}`);
      return rows[0]?.Id ?? null;
    },
    async readTargets(ids) {
      const rows = await sf.queryAll<SObjectRecord>(`SELECT ${sfFields.join(', ')} FROM ${sfObject} WHERE ${soqlIn('Id', ids)}`);
      return currentValues('salesforce', new Map(rows.map((r) => [String(r.Id), r])));
    },
    classify: classifyFor('salesforce'),
    fieldOwners: ownersFor(mapping, 'salesforce'),
  };

  const toCoupa: FlowDefinition = {
    name: CONTRACT_TO_COUPA,
    linkGroup: CONTRACT_SYNC,
    source: sfSide,
    target: coupaSide,
    trigger: { kind: 'poll', schedule: opts.schedule },
    read: (req) => readSalesforce(sf, { sobject: sfObject, fields: sfFields }, req),
    fetch: (ids) => fetchSalesforce(sf, { sobject: sfObject, fields: sfFields }, ids),
    lineage: lineage['salesforce-to-coupa'],
    async map(rec, ctx) {
      if (!ctx.targetId && !str(rec.data[externalId])) {
        if (!opts.activatedStatuses.includes(String(rec.data[opts.statusField]))) return null;
        const payload = await mapSfContract(rec);
        const supplier = pairs.find((p) => p.coupa.startsWith('supplier'));
        if (supplier && !str(getPath(payload, supplier.coupa))) {
          throw validation(`${sfObject} ${rec.id} is activated but its Account is not linked to a Coupa supplier (${supplier.salesforce} is empty); link the Account, then replay`);
        }
        return payload;
      }
      // An update leaves alone what only a create sends: the number and status, and the back-link to the Salesforce
      // record (it exists to find a contract this flow created; a contract that came from Coupa needs none).
      const payload = await mapSfContract(rec);
      for (const f of opts.createOnlyCoupaFields) delete payload[f];
      const custom = payload['custom-fields'] as Record<string, unknown> | undefined;
      if (custom && typeof custom === 'object') {
        delete custom[opts.coupaSalesforceIdField];
        if (Object.keys(custom).length === 0) delete payload['custom-fields'];
      }
      return payload;
    },
    async match(rec): Promise<MatchResult> {
      const coupaId = str(rec.data[externalId]);
      return decide([
        async () => (coupaId && /^\d+$/.test(coupaId) ? (await contracts.find({ filters: { id: coupaId }, fields: ['id'] })).map((c) => String(c.id)) : []),
        async () => (await contracts.find({ filters: { [cfKey]: rec.id }, fields: ['id'] })).map((c) => String(c.id)),
      ]);
    },
    write: (items) =>
      mapConcurrent(items, COUPA_WRITE_CONCURRENCY, async (it): Promise<WriteOutcome> => {
        const body = { ...it.payload };
        if (it.op === 'update') for (const f of opts.createOnlyCoupaFields) delete body[f];
        try {
          const res = it.op === 'create' ? await contracts.create(body as never) : await contracts.update(Number(it.targetId), body as never, { params: { return_object: 'limited' } });
          return {
            ok: true,
            targetId: it.op === 'create' ? String(res.id) : it.targetId!,
            written: it.payload,
            sourceInSync: await inSyncAfter('coupa-to-salesforce', it.payload, it.lastWritten),
          };
        } catch (error) {
          return { ok: false, error, request: body, response: (error as { body?: unknown }).body };
        }
      }),
    async findByIdempotencyKey(key) {
      const id = key.split(':').pop()!;
      const found = await contracts.find({ filters: { [cfKey]: id }, fields: ['id'] });
      return found[0] ? String(found[0].id) : null;
    },
    async readTargets(ids) {
      // One request per 50 contracts, each hit checked to be one asked for.
      const raw = new Map<string, Record<string, unknown>>();
      const wanted = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
      for (let i = 0; i < wanted.length; i += 50) {
        const part = wanted.slice(i, i + 50);
        for (const c of await contracts.find({ filters: { 'id[in]': part } })) {
          if (part.includes(String(c.id))) raw.set(String(c.id), c as unknown as Record<string, unknown>);
        }
      }
      return currentValues('coupa', raw);
    },
    classify: classifyFor('coupa'),
    fieldOwners: ownersFor(mapping, 'coupa'),
  };

  return [toSalesforce, toCoupa];
}
