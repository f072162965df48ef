/**
 * supplier-account-sync: Coupa suppliers ⇄ Salesforce vendor Accounts, one FlowDefinition per direction
 * sharing links and the echo ledger (linkGroup). Coupa → Salesforce upserts the Account (and the primary
 * contact as a Contact) after matching; Salesforce → Coupa pushes the Salesforce-owned fields of linked Accounts.
 */
import { coupaResources } from '../../coupa';
import type { FlowDefinition, MatchResult, SourceRecord, SystemName, WriteItem, WriteOutcome } from '../../engine';
import { getPath, lineageOf, mapRecord, type CompiledMapping } from '../../mapping';
import { soqlQuote, type SObjectRecord } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { RecordWriteError, classifyFor, validation } from '../shared/errors';
import { COUPA_WRITE_CONCURRENCY, mapConcurrent } from '../shared/concurrency';
import { fetchCoupa, fetchSalesforce, readCoupa, readSalesforce, soqlIn } from '../shared/io';
import { LAST_SYNCED_FIELD } from '../shared/salesforce-writes';
import { decideSync, nameCountryMatches, type Candidate } from './match';

export const SUPPLIER_ACCOUNT_SYNC = 'supplier-account-sync';
export const TO_SALESFORCE = `${SUPPLIER_ACCOUNT_SYNC}.to-salesforce`;
export const TO_COUPA = `${SUPPLIER_ACCOUNT_SYNC}.to-coupa`;
/** Payload key carrying the primary contact next to the Account fields; never sent as an Account field. */
export const CONTACT_KEY = '$primaryContact';
/** Payload key carrying starting values for Salesforce-owned fields, used only when the Account is created. */
export const INITIAL_KEY = '$initial';

export interface SupplierAccountOptions {
  /** Mapping name in config/mappings (default supplier-account). */
  mapping: string;
  /** Salesforce Account field holding the tax id; enables the tax-id matching tier. */
  taxIdField?: string;
  /** Salesforce Account field holding the DUNS number; enables the DUNS matching tier. */
  dunsField?: string;
  /** Upsert the Coupa primary contact as a Contact on the Account (default true). */
  syncPrimaryContact: boolean;
  /** Account fields set when the Account is created but never changed on existing Accounts (default Type). */
  createOnlyFields: string[];
  /** SOQL condition selecting the Accounts whose changes flow back to Coupa (linked vendor Accounts). */
  salesforceWhere: string;
  /** Cron schedule for both directions (default every minute). */
  schedule: string;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function supplierAccountOptions(raw: Record<string, unknown>): SupplierAccountOptions {
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v) throw new Error(`flows.${SUPPLIER_ACCOUNT_SYNC}.options.${k} must be a non-empty string`);
    return v;
  };
  const field = (k: string) => {
    const v = str(k);
    if (v && !FIELD_NAME.test(v)) throw new Error(`flows.${SUPPLIER_ACCOUNT_SYNC}.options.${k} must be a field API name`);
    return v;
  };
  return {
    mapping: str('mapping') ?? 'supplier-account',
    taxIdField: field('taxIdField'),
    dunsField: field('dunsField'),
    syncPrimaryContact: raw.syncPrimaryContact === undefined ? true : raw.syncPrimaryContact === true,
    salesforceWhere: str('salesforceWhere') ?? 'Coupa_Supplier_Id__c != null',
    createOnlyFields: Array.isArray(raw.createOnlyFields) ? raw.createOnlyFields.map(String) : ['Type'],
    schedule: str('schedule') ?? '* * * * *',
  };
}

/** Payload field → owner, from the mapping (payload keys are the first segment of each target path). */
function ownersOf(mapping: CompiledMapping, target: SystemName): Record<string, SystemName> {
  const owners: Record<string, SystemName> = {};
  for (const f of mapping.fields) {
    const path = f.spec[target];
    if (path) owners[path.split('.')[0]] = f.owner;
  }
  return owners;
}

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

interface PrimaryContact {
  FirstName: string | null;
  LastName: string;
  Email: string | null;
}

function primaryContactOf(supplier: Record<string, unknown>): PrimaryContact | null {
  const c = supplier['primary-contact'] as Record<string, unknown> | null | undefined;
  if (!c) return null;
  const email = str(c.email);
  const last = str(c['name-family']) ?? (email ? email.split('@')[0] : null);
  if (!last) return null;
  return { FirstName: str(c['name-given']), LastName: last, Email: email };
}

export function createSupplierAccountSyncFlows(deps: FlowDeps): FlowDefinition[] {
  const opts = supplierAccountOptions(deps.options);
  const mapping = requireMapping(deps, opts.mapping);
  const sf = deps.salesforce;
  const suppliers = coupaResources(deps.coupa).suppliers;
  const sfObject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId ?? 'Coupa_Supplier_Id__c';
  const idPath = mapping.fields.find((f) => f.spec.salesforce === externalId)?.spec.coupa ?? 'id';
  const numberField = mapping.fields.find((f) => f.spec.coupa === 'number' && f.owner === 'coupa')?.spec.salesforce;
  const countryField = mapping.fields.find((f) => f.spec.coupa?.startsWith('primary-address.country') && f.owner === 'coupa')?.spec.salesforce;
  const nameField = mapping.fields.find((f) => f.spec.coupa === 'name' && f.owner === 'coupa')?.spec.salesforce ?? 'Name';
  const sfFields = [
    ...new Set([
      'Id',
      externalId,
      ...mapping.fields.map((f) => f.spec.salesforce).filter((p): p is string => !!p && p !== 'Id' && !p.includes('.')),
      ...(mapping.spec.salesforce.reads ?? []),
    ]),
  ];
  /** Salesforce field → the Coupa payload key it is written back to (Salesforce-owned top-level fields). */
  const backPath = new Map(
    mapping.fields
      .filter((f) => f.owner === 'salesforce' && f.spec.salesforce && f.spec.coupa && !f.spec.coupa.includes('.'))
      .map((f) => [f.spec.salesforce!, f.spec.coupa!]),
  );
  const classifySf = classifyFor('salesforce');
  const classifyCoupa = classifyFor('coupa');

  // SOQL cannot compare normalised names, so unlinked Accounts are compared in memory, loaded once per page read.
  let unlinkedCache: Promise<Candidate[]> | null = null;
  const unlinkedAccounts = (): Promise<Candidate[]> => {
    const select = ['Id', nameField, ...(countryField ? [countryField] : [])].join(', ');
    unlinkedCache ??= sf
      .queryAll<SObjectRecord>(`SELECT ${select} FROM ${sfObject} WHERE ${externalId} = null`)
      .then((rows) => rows.map((r) => ({ id: String(r.Id), name: str(r[nameField]), country: countryField ? str(r[countryField]) : null })));
    unlinkedCache.catch(() => (unlinkedCache = null));
    return unlinkedCache;
  };

  /** Accounts whose `field` holds one of `values` (one query per 200 values), each hit checked to hold the value. */
  const accountsBy = async (field: string, values: string[], unlinkedOnly: boolean): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    const unique = [...new Set(values)];
    for (let i = 0; i < unique.length; i += 200) {
      const part = unique.slice(i, i + 200);
      const rows = await sf.queryAll<SObjectRecord>(
        `SELECT Id, ${field} FROM ${sfObject} WHERE ${soqlIn(field, part)}${unlinkedOnly ? ` AND ${externalId} = null` : ''}`,
      );
      for (const r of rows) {
        const v = str(r[field]);
        if (v === null || !part.includes(v)) continue; // never trust a hit whose field does not hold the key
        out.set(v, [...(out.get(v) ?? []), String(r.Id)]);
      }
    }
    return out;
  };

  /**
   * Matching for a page of unlinked suppliers, tier by tier (supplier id → number → tax id → DUNS → normalised name +
   * country; only unlinked Accounts below the first): one query per tier for the whole page, never one per supplier.
   */
  const matchAccounts = async (records: SourceRecord[]): Promise<Map<string, MatchResult>> => {
    const keys = records.map((rec) => ({
      rec,
      id: str(getPath(rec.data, idPath)),
      number: numberField ? str(rec.data.number) : null,
      taxId: opts.taxIdField ? str(rec.data['tax-id']) : null,
      duns: opts.dunsField ? str(rec.data.duns) : null,
    }));
    const values = (k: 'id' | 'number' | 'taxId' | 'duns') => keys.flatMap((x) => (x[k] ? [x[k]!] : []));
    const byId = await accountsBy(externalId, values('id'), false);
    const byNumber = numberField ? await accountsBy(numberField, values('number'), true) : new Map<string, string[]>();
    const byTax = opts.taxIdField ? await accountsBy(opts.taxIdField, values('taxId'), true) : new Map<string, string[]>();
    const byDuns = opts.dunsField ? await accountsBy(opts.dunsField, values('duns'), true) : new Map<string, string[]>();
    const needNames = keys.some((x) => !(x.id && byId.has(x.id)));
    const candidates = needNames ? await unlinkedAccounts() : [];
    const out = new Map<string, MatchResult>();
    for (const x of keys) {
      const at = (m: Map<string, string[]>, v: string | null) => (v ? (m.get(v) ?? []) : []);
      out.set(
        x.rec.id,
        decideSync([
          () => at(byId, x.id),
          () => at(byNumber, x.number),
          () => at(byTax, x.taxId),
          () => at(byDuns, x.duns),
          () => nameCountryMatches(str(x.rec.data.name), str(getPath(x.rec.data, 'primary-address.country.code')), candidates),
        ]),
      );
    }
    return out;
  };

  const upsertContacts = async (accounts: Array<{ accountId: string; contact: PrimaryContact }>): Promise<Map<string, string>> => {
    const failures = new Map<string, string>();
    if (accounts.length === 0) return failures;
    const ids = accounts.map((a) => a.accountId);
    const existing = await sf.queryAll<{ Id: string; AccountId: string; Email: string | null; LastName: string }>(
      `SELECT Id, AccountId, Email, LastName FROM Contact WHERE ${soqlIn('AccountId', ids)}`,
    );
    const creates: Array<{ accountId: string; rec: SObjectRecord }> = [];
    const updates: Array<{ accountId: string; rec: SObjectRecord }> = [];
    for (const { accountId, contact } of accounts) {
      const same = existing.find(
        (c) => c.AccountId === accountId && (contact.Email ? c.Email?.toLowerCase() === contact.Email.toLowerCase() : c.LastName === contact.LastName),
      );
      if (same) updates.push({ accountId, rec: { Id: same.Id, ...contact } });
      else creates.push({ accountId, rec: { AccountId: accountId, ...contact } });
    }
    for (const [op, list] of [['create', creates], ['update', updates]] as const) {
      if (list.length === 0) continue;
      const results = await sf.write(op, 'Contact', list.map((l) => l.rec));
      results.forEach((r, i) => {
        if (!r.success) failures.set(list[i].accountId, `primary contact: ${r.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
      });
    }
    return failures;
  };

  const mapSupplier = async (rec: SourceRecord): Promise<Record<string, unknown> | null> => {
    const result = await mapRecord(mapping, 'coupa-to-salesforce', rec.data);
    if (!result.included) return null;
    if (!str(result.payload[nameField])) throw validation(`supplier ${rec.id} has no name; an Account needs one`);
    const payload: Record<string, unknown> = { ...result.payload };
    if (opts.syncPrimaryContact) payload[CONTACT_KEY] = primaryContactOf(rec.data);
    return payload;
  };
  const mapAccount = async (rec: SourceRecord): Promise<Record<string, unknown> | null> => {
    const result = await mapRecord(mapping, 'salesforce-to-coupa', rec.data);
    return result.included ? result.payload : null;
  };

  const toSalesforce: FlowDefinition = {
    name: TO_SALESFORCE,
    stampField: LAST_SYNCED_FIELD,
    linkGroup: SUPPLIER_ACCOUNT_SYNC,
    source: { system: 'coupa', object: 'suppliers' },
    target: { system: 'salesforce', object: sfObject },
    trigger: { kind: 'poll', schedule: opts.schedule },
    read: async (req) => {
      unlinkedCache = null;
      return readCoupa(deps.coupa, 'suppliers', req);
    },
    fetch: (ids) => fetchCoupa(deps.coupa, 'suppliers', ids),
    lineage: lineageOf(mapping, 'coupa-to-salesforce'),
    async map(rec, ctx) {
      const payload = await mapSupplier(rec);
      if (payload && !ctx.targetId) {
        // A new Account starts with Coupa's values for the fields Salesforce owns, so the first sync back clears nothing.
        const initial: Record<string, unknown> = {};
        for (const f of mapping.fields) {
          if (f.owner !== 'salesforce' || !f.spec.coupa || !f.spec.salesforce || f.spec.salesforce === 'Id' || f.spec.salesforce.includes('.')) continue;
          const v = getPath(rec.data, f.spec.coupa);
          if (v !== undefined && v !== null && v !== '') initial[f.spec.salesforce] = v;
        }
        if (Object.keys(initial).length) payload[INITIAL_KEY] = initial;
      }
      return payload;
    },
    matchPage: (items) => matchAccounts(items.map((i) => i.record)),
    async write(items: WriteItem[]): Promise<WriteOutcome[]> {
      const fields = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== CONTACT_KEY && k !== INITIAL_KEY));
      const outcomes: WriteOutcome[] = new Array(items.length);
      const creates = items.map((it, i) => ({ it, i })).filter((x) => x.it.op === 'create');
      const updates = items.map((it, i) => ({ it, i })).filter((x) => x.it.op === 'update');
      const apply = (list: typeof creates, results: Awaited<ReturnType<typeof sf.write>>, records: SObjectRecord[]) =>
        list.forEach(({ it, i }, k) => {
          const r = results[k];
          // The echo ledger keeps what the Account now holds from us: the payload and any starting values sent.
          const { Id: _id, ...sent } = records[k];
          const written = { ...fields(it.payload), ...sent, ...(it.payload[CONTACT_KEY] !== undefined ? { [CONTACT_KEY]: it.payload[CONTACT_KEY] } : {}) };
          // Starting values the Account took from the supplier are what Coupa holds too: nothing to send back.
          const sourceInSync = Object.fromEntries(
            Object.keys((it.payload[INITIAL_KEY] as Record<string, unknown> | undefined) ?? {})
              .filter((f) => f in sent)
              .flatMap((f) => (backPath.get(f) ? [[backPath.get(f)!, sent[f]]] : [])),
          );
          outcomes[i] =
            r.success && (r.id ?? it.targetId)
              ? { ok: true, targetId: (r.id ?? it.targetId)!, written, sourceInSync }
              : {
                  ok: false,
                  error: new RecordWriteError(r.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'write failed', r.failure ?? { kind: 'validation', retryable: false }, r),
                  request: records[k],
                  response: r.errors,
                };
        });
      if (creates.length) {
        // Upsert by the Coupa id: a retried create finds the Account instead of duplicating it.
        const records = creates.map(({ it }) => ({ ...(it.payload[INITIAL_KEY] as Record<string, unknown> | undefined), ...fields(it.payload) }));
        apply(creates, await sf.upsert(sfObject, externalId, records), records);
      }
      if (updates.length) {
        // A newly matched Account takes Coupa's values only for Salesforce-owned fields it leaves blank.
        const seeded = updates.filter(({ it }) => it.payload[INITIAL_KEY]);
        const blanks = new Map<string, SObjectRecord>();
        if (seeded.length) {
          const names = [...new Set(seeded.flatMap(({ it }) => Object.keys(it.payload[INITIAL_KEY] as object)))];
          const rows = await sf.queryAll<SObjectRecord>(`SELECT Id, ${names.join(', ')} FROM ${sfObject} WHERE ${soqlIn('Id', seeded.map(({ it }) => it.targetId!))}`);
          for (const r of rows) blanks.set(String(r.Id), r);
        }
        const records = updates.map(({ it }) => {
          const rec: SObjectRecord = { ...fields(it.payload), Id: it.targetId };
          const current = blanks.get(it.targetId!);
          for (const [k, v] of Object.entries((it.payload[INITIAL_KEY] as Record<string, unknown> | undefined) ?? {})) {
            if (current && (current[k] === null || current[k] === undefined || current[k] === '')) rec[k] = v;
          }
          for (const f of opts.createOnlyFields) delete rec[f];
          return rec;
        });
        apply(updates, await sf.update(sfObject, records), records);
      }
      if (opts.syncPrimaryContact) {
        const withContact = items
          .map((it, i) => ({ it, i, contact: it.payload[CONTACT_KEY] as PrimaryContact | null | undefined }))
          .filter((x) => x.contact && outcomes[x.i].ok);
        const failed = await upsertContacts(withContact.map((x) => ({ accountId: (outcomes[x.i] as { targetId: string }).targetId, contact: x.contact! })));
        for (const x of withContact) {
          const message = failed.get((outcomes[x.i] as { targetId: string }).targetId);
          if (message) outcomes[x.i] = { ok: false, error: validation(message), request: x.contact };
        }
      }
      return outcomes;
    },
    async findByIdempotencyKey(key) {
      const id = key.split(':').pop()!;
      const rows = await sf.queryAll<{ Id: string }>(`SELECT Id FROM ${sfObject} WHERE ${externalId} = ${soqlQuote(id)}`);
      return rows[0]?.Id ?? null;
    },
    idempotencyKey: (rec) => `${SUPPLIER_ACCOUNT_SYNC}:coupa:suppliers:${rec.id}`,
    classify: classifySf,
    fieldOwners: ownersOf(mapping, 'salesforce'),
  };

  const toCoupa: FlowDefinition = {
    name: TO_COUPA,
    linkGroup: SUPPLIER_ACCOUNT_SYNC,
    source: { system: 'salesforce', object: sfObject },
    target: { system: 'coupa', object: 'suppliers' },
    trigger: { kind: 'poll', schedule: opts.schedule },
    read: (req) => readSalesforce(sf, { sobject: sfObject, fields: sfFields, where: opts.salesforceWhere }, req),
    fetch: (ids) => fetchSalesforce(sf, { sobject: sfObject, fields: sfFields }, ids),
    lineage: lineageOf(mapping, 'salesforce-to-coupa'),
    async map(rec, ctx) {
      // Suppliers are created in Coupa (or by supplier onboarding), never from an Account here.
      if (!ctx.targetId && !str(rec.data[externalId])) return null;
      return mapAccount(rec);
    },
    // The suppliers' current values, so that a first write after linking sends only what differs (one request per 50).
    async readTargets(ids) {
      const wanted = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
      const out = new Map<string, Record<string, unknown>>();
      for (let i = 0; i < wanted.length; i += 50) {
        const part = wanted.slice(i, i + 50);
        for (const s of await suppliers.find({ filters: { 'id[in]': part } })) {
          if (part.includes(String(s.id))) out.set(String(s.id), s as unknown as Record<string, unknown>);
        }
      }
      return out;
    },
    async matchPage(items) {
      // An Account given a Coupa supplier id by hand: one lookup for the page, each hit checked to be that supplier.
      const ids = [...new Set(items.map((i) => str(i.record.data[externalId])).filter((id): id is string => !!id && /^\d+$/.test(id)))];
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += 50) {
        for (const s of await suppliers.find({ filters: { 'id[in]': ids.slice(i, i + 50) }, fields: ['id'] })) found.add(String(s.id));
      }
      const out = new Map<string, MatchResult>();
      for (const { record } of items) {
        const id = str(record.data[externalId]);
        out.set(record.id, { targetId: id && found.has(id) ? id : null });
      }
      return out;
    },
    write: (items) =>
      // One supplier per request, several in flight; the shared token bucket keeps them under Coupa's rate limit.
      mapConcurrent(items, COUPA_WRITE_CONCURRENCY, async (it): Promise<WriteOutcome> => {
        if (it.op === 'create') {
          return { ok: false, error: validation(`Account ${it.sourceId} is not linked to a Coupa supplier; suppliers are created in Coupa`) };
        }
        try {
          await suppliers.update(Number(it.targetId), it.payload as never, { params: { return_object: 'limited' } });
          return { ok: true, targetId: it.targetId! };
        } catch (error) {
          return { ok: false, error, request: it.payload, response: (error as { body?: unknown }).body };
        }
      }),
    classify: classifyCoupa,
    fieldOwners: ownersOf(mapping, 'coupa'),
  };

  return [toSalesforce, toCoupa];
}
