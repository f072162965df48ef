/**
 * How a page of Coupa suppliers finds the Accounts made before the connector (matching tiers, batched): one query per
 * tier for the whole page, never one per supplier, and every hit checked to hold the key it was found by.
 */
import type { MatchResult, SourceRecord } from '../../engine';
import { getPath, type CompiledMapping } from '../../mapping';
import type { SalesforceClient, SObjectRecord } from '../../salesforce';
import { soqlIn } from '../shared/io';
import { chunks } from '../shared/salesforce-writes';
import { textOrNull } from '../shared/values';
import { decideSync, nameCountryMatches, type Candidate } from './match';
import type { SupplierAccountOptions } from './options';

/** The Account fields matching reads, from the mapping: the Coupa-owned fields fed by the supplier's keys. */
export function matchFields(mapping: CompiledMapping) {
  const coupaOwned = (path: (p: string) => boolean) => mapping.fields.find((f) => f.owner === 'coupa' && !!f.spec.coupa && path(f.spec.coupa))?.spec.salesforce;
  const externalId = mapping.spec.salesforce.externalId ?? 'Coupa_Supplier_Id__c';
  return {
    sobject: mapping.spec.salesforce.object,
    externalId,
    idPath: mapping.fields.find((f) => f.spec.salesforce === externalId)?.spec.coupa ?? 'id',
    numberField: coupaOwned((p) => p === 'number'),
    countryField: coupaOwned((p) => p.startsWith('primary-address.country')),
    nameField: coupaOwned((p) => p === 'name') ?? 'Name',
  };
}

/**
 * Matching for a page of suppliers, tier by tier: the Account carrying the supplier id → number → tax id → DUNS →
 * normalised name + country. Below the first tier only Accounts not linked to a supplier are candidates.
 */
export function accountMatcher(sf: SalesforceClient, mapping: CompiledMapping, opts: Pick<SupplierAccountOptions, 'taxIdField' | 'dunsField'>) {
  const { sobject, externalId, idPath, numberField, countryField, nameField } = matchFields(mapping);

  /** Accounts whose `field` holds one of `values` (one query per 200 values), each hit checked to hold the value. */
  const accountsBy = async (field: string | undefined, values: Array<string | null>, unlinkedOnly: boolean): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    if (!field) return out;
    for (const part of chunks([...new Set(values.filter((v): v is string => !!v))], 200)) {
      const rows = await sf.queryAll<SObjectRecord>(`SELECT Id, ${field} FROM ${sobject} WHERE ${soqlIn(field, part)}${unlinkedOnly ? ` AND ${externalId} = null` : ''}`);
      for (const r of rows) {
        const v = textOrNull(r[field]);
        if (v === null || !part.includes(v)) continue; // never trust a hit whose field does not hold the key
        out.set(v, [...(out.get(v) ?? []), String(r.Id)]);
      }
    }
    return out;
  };

  // SOQL cannot compare normalised names: unlinked Accounts are compared in memory, loaded once per page.
  const unlinkedAccounts = async (): Promise<Candidate[]> => {
    const select = ['Id', nameField, ...(countryField ? [countryField] : [])].join(', ');
    const rows = await sf.queryAll<SObjectRecord>(`SELECT ${select} FROM ${sobject} WHERE ${externalId} = null`);
    return rows.map((r) => ({ id: String(r.Id), name: textOrNull(r[nameField]), country: countryField ? textOrNull(r[countryField]) : null }));
  };

  return async (records: Array<SourceRecord<Record<string, unknown>>>): Promise<Map<string, MatchResult>> => {
    const keys = records.map((rec) => ({
      rec,
      id: textOrNull(getPath(rec.data, idPath)),
      number: numberField ? textOrNull(rec.data.number) : null,
      taxId: opts.taxIdField ? textOrNull(rec.data['tax-id']) : null,
      duns: opts.dunsField ? textOrNull(rec.data.duns) : null,
    }));
    const byId = await accountsBy(externalId, keys.map((x) => x.id), false);
    const byNumber = await accountsBy(numberField, keys.map((x) => x.number), true);
    const byTax = await accountsBy(opts.taxIdField, keys.map((x) => x.taxId), true);
    const byDuns = await accountsBy(opts.dunsField, keys.map((x) => x.duns), true);
    const needNames = keys.some((x) => !(x.id && byId.has(x.id)));
    const candidates = needNames ? await unlinkedAccounts() : [];
    const at = (m: Map<string, string[]>, v: string | null) => (v ? (m.get(v) ?? []) : []);
    return new Map(
      keys.map((x) => [
        x.rec.id,
        decideSync([
          () => at(byId, x.id),
          () => at(byNumber, x.number),
          () => at(byTax, x.taxId),
          () => at(byDuns, x.duns),
          () => nameCountryMatches(textOrNull(x.rec.data.name), textOrNull(getPath(x.rec.data, 'primary-address.country.code')), candidates),
        ]),
      ]),
    );
  };
}
