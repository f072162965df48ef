/**
 * supplier-account-sync.to-salesforce, declared: Coupa suppliers upsert vendor Accounts by the Coupa id after the
 * matching tiers. What is the supplier's own is in the hooks: a new Account starts with Coupa's values for the fields
 * Salesforce owns (a newly matched one only where it is blank), create-only fields (Type) stay as the Account has them,
 * and the primary contact becomes a Contact on the Account.
 */
import type { FlowDefinition, WriteItem, WriteOutcome } from '../../engine';
import { getPath, type CompiledMapping } from '../../mapping';
import type { SObjectRecord } from '../../salesforce';
import type { FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow, type CoupaRow } from '../shared/define-flow';
import { validation } from '../shared/errors';
import { soqlIn } from '../shared/io';
import { chunks, LAST_SYNCED_FIELD } from '../shared/salesforce-writes';
import type { TwoWaySync } from '../shared/two-way';
import { accountMatcher, matchFields } from './account-match';
import { primaryContactOf, upsertContacts, type PrimaryContact } from './contacts';
import { SUPPLIER_ACCOUNT_SYNC, type SupplierAccountOptions } from './options';

export const TO_SALESFORCE = `${SUPPLIER_ACCOUNT_SYNC}.to-salesforce`;
/** Payload key carrying the primary contact next to the Account fields; never sent as an Account field. */
export const CONTACT_KEY = '$primaryContact';
/** Payload key carrying starting values for Salesforce-owned fields: sent to a new Account, or a matched one's blanks. */
export const INITIAL_KEY = '$initial';

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** Salesforce-owned fields with a Coupa source: Salesforce field → Coupa path (Id is the back-link, never seeded). */
export function seededFields(mapping: CompiledMapping): Array<{ salesforce: string; coupa: string }> {
  return mapping.fields.flatMap((f) =>
    f.owner === 'salesforce' && f.spec.coupa && f.spec.salesforce && f.spec.salesforce !== 'Id' && !f.spec.salesforce.includes('.') ? [{ salesforce: f.spec.salesforce, coupa: f.spec.coupa }] : [],
  );
}

export function supplierToAccountFlow(deps: FlowDeps, mapping: CompiledMapping, opts: SupplierAccountOptions, twoWay: TwoWaySync): FlowDefinition<CoupaRow> {
  const sf = deps.salesforce;
  const { sobject, nameField } = matchFields(mapping);
  const seeds = seededFields(mapping);
  const accountFields = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== CONTACT_KEY && k !== INITIAL_KEY));
  const initialOf = (p: Record<string, unknown>) => (p[INITIAL_KEY] as Record<string, unknown> | undefined) ?? {};

  /** The seeded fields of newly matched Accounts as they are now (one query per 200), to fill only their blanks. */
  async function currentSeeds(items: WriteItem[]): Promise<Map<string, SObjectRecord>> {
    const seeded = items.filter((it) => it.op === 'update' && it.targetId && it.payload[INITIAL_KEY]);
    const out = new Map<string, SObjectRecord>();
    if (!seeded.length) return out;
    const names = [...new Set(seeded.flatMap((it) => Object.keys(initialOf(it.payload))))];
    for (const part of chunks(seeded.map((it) => it.targetId!), 200)) {
      for (const r of await sf.queryAll<SObjectRecord>(`SELECT Id, ${names.join(', ')} FROM ${sobject} WHERE ${soqlIn('Id', part)}`)) out.set(String(r.Id), r);
    }
    return out;
  }

  return defineCoupaToSalesforceFlow<CoupaRow>(deps, {
    name: TO_SALESFORCE,
    mapping,
    schedule: opts.schedule,
    stampField: LAST_SYNCED_FIELD,
    twoWay,
    // The Coupa values of Salesforce-owned fields are read to seed new Accounts.
    source: { kind: 'changes', reads: seeds.map((s) => s.coupa) },
    target: { upsert: true, matchPage: accountMatcher(sf, mapping, opts) },
    hooks: {
      afterMap(payload, row, ctx) {
        if (blank(payload[nameField])) throw validation(`supplier ${row.id} has no name; an Account needs one`);
        const out: Record<string, unknown> = { ...payload };
        if (opts.syncPrimaryContact) out[CONTACT_KEY] = primaryContactOf(row);
        if (!ctx.targetId) {
          // A new Account starts with Coupa's values for the fields Salesforce owns, so the first sync back clears nothing.
          const initial = Object.fromEntries(seeds.flatMap((s) => (blank(getPath(row, s.coupa)) ? [] : [[s.salesforce, getPath(row, s.coupa)]])));
          if (Object.keys(initial).length) out[INITIAL_KEY] = initial;
        }
        return out;
      },
      async write(items, send): Promise<WriteOutcome[]> {
        const current = await currentSeeds(items);
        const sent = items.map((it): SObjectRecord => {
          const fields = accountFields(it.payload);
          // Upsert by the Coupa id: a retried create finds the Account instead of duplicating it.
          if (it.op === 'create') return { ...initialOf(it.payload), ...fields };
          const rec: SObjectRecord = { ...fields };
          const now = current.get(it.targetId ?? '');
          for (const [k, v] of Object.entries(initialOf(it.payload))) if (now && blank(now[k])) rec[k] = v;
          for (const f of opts.createOnlyFields) delete rec[f];
          return rec;
        });
        const outcomes = await send(items.map((it, i) => ({ ...it, payload: sent[i] })));
        const withContact = opts.syncPrimaryContact
          ? items.flatMap((it, i) => {
              const o = outcomes[i];
              const contact = it.payload[CONTACT_KEY] as PrimaryContact | null | undefined;
              return o.ok && contact ? [{ i, accountId: o.targetId, contact }] : [];
            })
          : [];
        const failed = await upsertContacts(sf, withContact);
        for (const x of withContact) {
          const message = failed.get(x.accountId);
          if (message) outcomes[x.i] = { ok: false, error: validation(message), request: x.contact };
        }
        // What the Account now holds from us: the payload, the starting values sent and the contact. Starting values
        // are what the supplier holds too, so the reverse direction sends none of them back (`sourceInSync`).
        return outcomes.map((o, i) => {
          if (!o.ok) return o;
          const p = items[i].payload;
          return { ...o, written: { ...accountFields(p), ...sent[i], ...(CONTACT_KEY in p ? { [CONTACT_KEY]: p[CONTACT_KEY] } : {}) } };
        });
      },
      label: (item) => `Coupa supplier ${item.sourceId}`,
    },
  });
}
