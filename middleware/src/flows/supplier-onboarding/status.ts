/**
 * supplier-onboarding-status: Coupa supplier information (SIM) progress back onto the onboarding request named in its
 * custom field, and onto the request's Account (its onboarding status; the Coupa supplier id once approved). A declared
 * flow: SIM records as a change stream with content stamps, a named target, and a write hook for the Account.
 */
import { coupaResources, type CoupaClient } from '../../coupa';
import { compareCursors, type Cursor, type FlowDefinition, type SourceRecord, type WriteItem, type WriteOutcome } from '../../engine';
import { SalesforceApiError, soqlQuote, type SalesforceClient } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow } from '../shared/define-flow';
import { customFieldKey } from '../shared/coupa-key-lookup';
import { classifyFor } from '../shared/errors';
import { accountUpdate, contentStamp, floorSecond, LINK_GROUP, OnboardingRejected, REQUEST_ID_FIELD, REQUEST_OBJECT, STATUS_FLOW_NAME } from './logic';
import { parseOptions } from './options';
import { sfError } from './requests';

const CF_FILTER = `custom_fields[${REQUEST_ID_FIELD}]`;
const SIM_FIELDS = ['id', 'status', 'supplier-id', 'name', 'updated-at', { 'custom-fields': {} }];
const classifyCoupaFlow = classifyFor('coupa');

/** The onboarding request a SIM record names in its custom field, or null. */
export function requestIdOfSim(sim: Record<string, unknown>): string | null {
  return customFieldKey(sim, REQUEST_ID_FIELD);
}

/**
 * SIM records naming a request, changed after the cursor. The stamp carries a hash of the synced values (status,
 * supplier id), so a second change within one second is not mistaken for one already processed.
 */
export async function readSimChanges(coupa: CoupaClient, { after, limit }: { after: Cursor | null; limit: number }): Promise<SourceRecord<Record<string, unknown>>[]> {
  const since = after ? { updatedAt: floorSecond(after.ts), id: 0 } : undefined;
  const records: SourceRecord<Record<string, unknown>>[] = [];
  let horizon: string | null = null;
  for await (const { record, cursor } of coupaResources(coupa).supplier_information.changes({ since, filters: { [`${CF_FILTER}[blank]`]: false }, fields: SIM_FIELDS })) {
    const ts = contentStamp(cursor.updatedAt, [record.status, record['supplier-id']]);
    if (!after || compareCursors({ ts, id: String(record.id) }, after) > 0) records.push({ id: String(record.id), ts, data: record as unknown as Record<string, unknown> });
    // Read well past one page: the runner re-reads its overlap window, and a page of only already-seen
    // records would end the run without moving the checkpoint.
    if (records.length >= limit * 10) {
      horizon = cursor.updatedAt;
      break;
    }
  }
  // Records of the last second read may be incomplete; leave them to the next page unless the page would not be full.
  const complete = records.filter((r) => !horizon || Date.parse(r.ts) < Date.parse(horizon));
  return (complete.length >= limit ? complete : records).sort((a, b) => compareCursors(a, b)).slice(0, limit);
}

const isFinal = (err: unknown) => {
  const c = classifyCoupaFlow(err);
  return c.kind === 'validation' || c.kind === 'conflict';
};

/**
 * The Account of each request first: a link that cannot be made (the supplier id is already on another Account) is
 * reported on the request; a retryable Account failure leaves the request alone, so the record is retried whole.
 */
async function writeWithAccounts(sf: SalesforceClient, items: WriteItem[], update: (items: WriteItem[]) => Promise<WriteOutcome[]>): Promise<WriteOutcome[]> {
  const known = items.filter((i) => i.targetId);
  const accounts = new Map<string, string>();
  if (known.length) {
    const ids = known.map((i) => soqlQuote(i.targetId!)).join(', ');
    for (const r of await sf.queryAll(`SELECT Id, Account__c FROM ${REQUEST_OBJECT} WHERE Id IN (${ids})`)) if (r.Account__c) accounts.set(String(r.Id), String(r.Account__c));
  }
  const withAccount = known.filter((i) => accounts.has(i.targetId!));
  const accountResults = withAccount.length ? await sf.update('Account', withAccount.map((i) => accountUpdate(accounts.get(i.targetId!)!, i.payload))) : [];
  const accountErrors = new Map<string, SalesforceApiError>();
  withAccount.forEach((i, k) => {
    const err = sfError(accountResults[k]);
    if (err) accountErrors.set(i.targetId!, err);
  });
  const writable = items.filter((i) => !i.targetId || !(accountErrors.get(i.targetId) && !isFinal(accountErrors.get(i.targetId))));
  const outcomes = await update(
    writable.map((i) => {
      const err = i.targetId ? accountErrors.get(i.targetId) : undefined;
      return err ? { ...i, payload: { ...i.payload, Error__c: `Coupa ${String(i.payload.Status__c ?? 'updated')} the supplier, but the Account could not be updated: ${err.message}` } } : i;
    }),
  );
  return items.map((item) => {
    const k = writable.indexOf(item);
    if (k >= 0) return outcomes[k];
    const error = accountErrors.get(item.targetId!);
    return { ok: false, error, response: (error as { body?: unknown } | undefined)?.body };
  });
}

export function createOnboardingStatusFlow(deps: FlowDeps, mappingName: string): FlowDefinition {
  const o = parseOptions(deps.options);
  return defineCoupaToSalesforceFlow<Record<string, unknown>>(deps, {
    name: STATUS_FLOW_NAME,
    linkGroup: LINK_GROUP,
    mapping: requireMapping(deps, mappingName),
    schedule: o.statusSchedule,
    batchSize: 50,
    source: { kind: 'custom', read: (req) => readSimChanges(deps.coupa, req) },
    target: { named: { id: requestIdOfSim, missing: 'supplier information record names no onboarding request' } },
    classify: (err) => (err instanceof OnboardingRejected ? { kind: 'validation', retryable: false } : classifyCoupaFlow(err)),
    hooks: {
      write: (items, update) => writeWithAccounts(deps.salesforce, items, update),
      label: (item) => `supplier information ${item.sourceId}`,
    },
  }) as FlowDefinition;
}
