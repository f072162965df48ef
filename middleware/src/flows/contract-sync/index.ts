/**
 * contract-sync: Coupa contracts ⇄ Salesforce Contracts (or another object, via the mapping), declared as one flow per
 * direction sharing links, lineage and per-field ownership from one mapping (`shared/two-way.ts`). Salesforce → Coupa
 * creates a published Coupa contract when a Contract is activated and pushes later edits; Coupa → Salesforce
 * creates/updates the Contract when a Coupa contract is published or amended. Fields listed for both owners in the
 * mapping are shared: a change on both sides is a conflict. What is left here is what is truly the contract's: which
 * statuses create, the matching tiers, Salesforce's Draft-then-activate insert and its derived end date.
 */
import { z } from 'zod';
import type { FlowDefinition, MatchResult, WriteItem, WriteOutcome } from '../../engine';
import { getPath } from '../../mapping';
import type { SObjectRecord, WriteResult } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow, type CoupaRow } from '../shared/define-flow';
import { defineSalesforceToCoupaFlow } from '../shared/define-salesforce-to-coupa';
import { RecordWriteError, validation } from '../shared/errors';
import { soqlIn } from '../shared/io';
import { listOption, parseFlowOptions, textOption } from '../shared/options';
import { chunks, LAST_SYNCED_FIELD } from '../shared/salesforce-writes';
import { decideSync } from '../shared/tiers';
import { twoWaySync } from '../shared/two-way';
import { textOrNull } from '../shared/values';

export { ownersFor, sharedPairs } from '../shared/two-way';

export const CONTRACT_SYNC = 'contract-sync';
export const CONTRACT_TO_SALESFORCE = `${CONTRACT_SYNC}.to-salesforce`;
export const CONTRACT_TO_COUPA = `${CONTRACT_SYNC}.to-coupa`;

export const contractSyncOptionsSchema = z.strictObject({
  /** Mapping name in config/mappings; its salesforce.object is the synced object. */
  mapping: textOption('contract'),
  /** Salesforce statuses that create the Coupa contract. */
  activatedStatuses: listOption(['Activated']),
  /** Coupa statuses that create the Salesforce record. Linked records always update. */
  createFromCoupaStatuses: listOption(['published']),
  /** Coupa contract fields sent only when the contract is created, never on updates. */
  createOnlyCoupaFields: listOption(['number', 'status']),
  /** Status a new Salesforce record must be inserted with before it can be activated (null: insert as mapped). */
  insertStatus: z.string().min(1).nullable().default('Draft'),
  statusField: textOption('Status'),
  /** Coupa custom field holding the Salesforce record Id. */
  coupaSalesforceIdField: textOption('salesforce-contract-id'),
  schedule: textOption('* * * * *'),
});

export type ContractSyncOptions = z.output<typeof contractSyncOptionsSchema>;

export const contractSyncOptions = (raw: unknown): ContractSyncOptions => parseFlowOptions(CONTRACT_SYNC, contractSyncOptionsSchema, raw);

const top = (path: string) => path.split('.')[0];

/** Salesforce's derived end date (StartDate + ContractTerm months − 1 day), as a written payload would produce it. */
export function derivedEndDate(start: unknown, termMonths: unknown): string | null {
  if (typeof start !== 'string' || typeof termMonths !== 'number' || !/^\d{4}-\d{2}-\d{2}/.test(start)) return null;
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + termMonths);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** A rejected write whose reason is a supplier without an Account says so, and what to do. */
function explained(o: WriteOutcome): WriteOutcome {
  if (o.ok || !(o.error instanceof RecordWriteError)) return o;
  const missing = /Foreign key external ID: (\S+) not found for field (\w+) in entity (\w+)/.exec(o.error.message);
  if (!missing) return o;
  const why = `no ${missing[3]} has ${missing[2]} = ${missing[1]} (is the Coupa supplier synced to an Account yet?); replay after linking it.`;
  return { ...o, error: new RecordWriteError(`${why} ${o.error.message}`, o.error.classification, o.error.response) };
}

export function createContractSyncFlows(deps: FlowDeps): FlowDefinition<any, any>[] {
  const opts = contractSyncOptions(deps.options);
  const mapping = requireMapping(deps, opts.mapping);
  const sf = deps.salesforce;
  const sfObject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId ?? 'Coupa_Contract_Id__c';
  const twoWay = twoWaySync({
    mapping,
    linkGroup: CONTRACT_SYNC,
    store: deps.store,
    sides: { salesforce: { system: 'salesforce', object: sfObject }, coupa: { system: 'coupa', object: 'contracts' } },
    // What we wrote to Salesforce, as Salesforce then shows it (EndDate follows from StartDate and ContractTerm).
    shows: { salesforce: (p) => ('ContractTerm' in p && !('EndDate' in p) ? { ...p, EndDate: derivedEndDate(p.StartDate, p.ContractTerm) } : p) },
    salesforceReads: [opts.statusField],
  });
  const sfIdOf = (row: CoupaRow) => {
    const v = textOrNull(getPath(row, `custom-fields.${opts.coupaSalesforceIdField}`));
    return v && /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(v) ? v : null;
  };
  const sfError = (r: WriteResult) =>
    explained({ ok: false, error: new RecordWriteError(r.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'write failed', r.failure ?? { kind: 'validation', retryable: false }, r.errors) });

  const toSalesforce = defineCoupaToSalesforceFlow(deps, {
    name: CONTRACT_TO_SALESFORCE,
    mapping,
    schedule: opts.schedule,
    stampField: LAST_SYNCED_FIELD,
    twoWay,
    source: { kind: 'changes', reads: ['status', `custom-fields.${opts.coupaSalesforceIdField}`] },
    target: {
      upsert: true,
      // Per page: one query by Coupa id, one by the Salesforce Id a contract carries; every hit checked to hold its key.
      async matchPage(records): Promise<Map<string, MatchResult>> {
        const byCoupaId = new Map<string, string[]>();
        const bySfId = new Set<string>();
        for (const part of chunks([...new Set(records.map((r) => r.id))], 200)) {
          for (const r of await sf.queryAll<SObjectRecord>(`SELECT Id, ${externalId} FROM ${sfObject} WHERE ${soqlIn(externalId, part)}`)) {
            const key = textOrNull(r[externalId]);
            if (key && part.includes(key)) byCoupaId.set(key, [...(byCoupaId.get(key) ?? []), String(r.Id)]);
          }
        }
        const sfIds = [...new Set(records.map((r) => sfIdOf(r.data)).filter((v): v is string => !!v))];
        for (const part of chunks(sfIds, 200)) {
          for (const r of await sf.queryAll<SObjectRecord>(`SELECT Id FROM ${sfObject} WHERE ${soqlIn('Id', part)} AND ${externalId} = null`)) bySfId.add(String(r.Id));
        }
        const out = new Map<string, MatchResult>();
        for (const record of records) {
          const sfId = sfIdOf(record.data);
          const carried = sfId ? [...bySfId].filter((x) => x.slice(0, 15) === sfId.slice(0, 15)) : [];
          out.set(record.id, decideSync([() => byCoupaId.get(record.id) ?? [], () => carried]));
        }
        return out;
      },
    },
    hooks: {
      filter: (row, ctx) => !!ctx.targetId || opts.createFromCoupaStatuses.includes(String(row.status)),
      // Salesforce inserts contracts as Draft; activation is a second step.
      async write(items: WriteItem[], send) {
        const insertAs = opts.insertStatus;
        const drafts = items.map((it) => (it.op === 'create' && insertAs && opts.statusField in it.payload ? { ...it, payload: { ...it.payload, [opts.statusField]: insertAs } } : it));
        const outcomes = (await send(drafts)).map(explained);
        const activate = items.flatMap((it, i) => {
          const o = outcomes[i];
          const status = it.payload[opts.statusField];
          return it.op === 'create' && o.ok && insertAs && status && status !== insertAs ? [{ i, rec: { Id: o.targetId, [opts.statusField]: status } }] : [];
        });
        if (activate.length) {
          const results = await sf.update(sfObject, activate.map((a) => a.rec));
          activate.forEach((a, k) => {
            if (!results[k].success) outcomes[a.i] = { ...sfError(results[k]), request: a.rec, response: results[k].errors } as WriteOutcome;
          });
        }
        return outcomes;
      },
    },
  });

  const toCoupa = defineSalesforceToCoupaFlow(deps, {
    name: CONTRACT_TO_COUPA,
    options: contractSyncOptionsSchema,
    declare: (o) => ({
      twoWay,
      schedule: o.schedule,
      batchSize: 200,
      source: { sobject: sfObject, fields: twoWay.salesforceFields },
      target: {
        resource: 'contracts',
        keyField: o.coupaSalesforceIdField,
        keyPrefix: `${CONTRACT_TO_COUPA}:`,
        createOnly: o.createOnlyCoupaFields,
        // A Contract that came from Coupa (or was linked before) carries its contract's id.
        carriedId: (row) => textOrNull(row[externalId]),
      },
      mapping,
      hooks: {
        filter: (row) => o.activatedStatuses.includes(String(row[o.statusField])) || !!textOrNull(row[externalId]),
        afterMap(payload, row, ctx) {
          // A record whose lookup is empty must not clear the Coupa supplier.
          for (const p of twoWay.shared) if (getPath(payload, p.coupa) === null && p.coupa.includes('.')) delete payload[top(p.coupa)];
          const supplier = twoWay.shared.find((p) => p.coupa.startsWith('supplier'));
          if (!ctx.targetId && !textOrNull(row[externalId]) && supplier && !textOrNull(getPath(payload, supplier.coupa))) {
            throw validation(`${sfObject} ${row.Id} is activated but its Account is not linked to a Coupa supplier (${supplier.salesforce} is empty); link the Account, then replay`);
          }
          return payload;
        },
      },
    }),
  });

  return [toSalesforce, toCoupa];
}
