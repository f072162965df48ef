/**
 * Supplier onboarding: a Coupa_Onboarding_Request__c (the Account's "Start supplier onboarding" button) creates a
 * Coupa supplier information (SIM) record from the Account and its primary contact; SIM's progress is mirrored onto
 * the request and the Account, and on approval the Account is linked to the Coupa supplier.
 */
import { coupaResources } from '../../coupa';
import { compareCursors, type Classification, type FlowDefinition, type SourceRecord, type WriteOutcome } from '../../engine';
import { mapRecord } from '../../mapping';
import { SalesforceApiError, soqlQuote, type SObjectRecord } from '../../salesforce';
import { classifyFor } from '../shared/errors';
import { requireMapping, type FlowDeps } from '../deps';
import {
  accountIdOfKey,
  accountKeyOf,
  accountUpdate,
  autoStartWhere,
  contentStamp,
  floorSecond,
  FLOW_NAME,
  idempotencyKeyOf,
  LINK_GROUP,
  OnboardingRejected,
  OPEN_STATUSES,
  rejectionReason,
  REQUEST_FIELDS,
  REQUEST_ID_FIELD,
  REQUEST_OBJECT,
  STATUS_FLOW_NAME,
  VENDOR_ACCOUNTS_FLOW_NAME,
  WON_OPPORTUNITIES_FLOW_NAME,
} from './logic';
import { createOnboardingRequestFlow, MAPPING } from './create';
import { parseOptions } from './options';
import { onboardingRequests, sfError } from './requests';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP, VENDOR_ACCOUNTS_FLOW_NAME, WON_OPPORTUNITIES_FLOW_NAME } from './logic';
export { parseOptions as parseSupplierOnboardingOptions, type SupplierOnboardingOptions } from './options';

export { MAPPING, createOnboardingRequestFlow } from './create';

const CF_FILTER = `custom_fields[${REQUEST_ID_FIELD}]`;

const classifyCoupaFlow = classifyFor('coupa');

export function classifyFlowError(err: unknown): Classification {
  if (err instanceof OnboardingRejected) return { kind: 'validation', retryable: false };
  return classifyCoupaFlow(err);
}

const failure = (error: unknown, request?: unknown): WriteOutcome => ({ ok: false, error, request, response: (error as { body?: unknown })?.body });
const isFinal = (err: unknown) => {
  const c = classifyFlowError(err);
  return c.kind === 'validation' || c.kind === 'conflict';
};

export function createSupplierOnboardingFlows(deps: FlowDeps): FlowDefinition[] {
  const o = parseOptions(deps.options);
  const mapping = requireMapping(deps, MAPPING);
  const coupa = coupaResources(deps.coupa);
  const sf = deps.salesforce;
  const log = deps.logger.child({ flow: FLOW_NAME });

  const requests = onboardingRequests(sf, o, log);
  const create = createOnboardingRequestFlow(deps, requests);

  const status: FlowDefinition<Record<string, unknown>> = {
    name: STATUS_FLOW_NAME,
    linkGroup: LINK_GROUP,
    source: { system: 'coupa', object: 'supplier_information' },
    target: { system: 'salesforce', object: REQUEST_OBJECT },
    trigger: { kind: 'poll', schedule: o.statusSchedule },
    batchSize: 50,
    async read({ after, limit }) {
      const since = after ? { updatedAt: floorSecond(after.ts), id: 0 } : undefined;
      const records: SourceRecord<Record<string, unknown>>[] = [];
      let horizon: string | null = null;
      for await (const { record, cursor } of coupa.supplier_information.changes({
        since,
        filters: { [`${CF_FILTER}[blank]`]: false },
        fields: ['id', 'status', 'supplier-id', 'name', 'updated-at', { 'custom-fields': {} }],
      })) {
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
    },
    async map(rec) {
      if (!requestIdOf(rec.data)) return null;
      const m = await mapRecord(mapping, 'coupa-to-salesforce', rec.data);
      return m.included ? m.payload : null;
    },
    async match(rec) {
      return { targetId: requestIdOf(rec.data) };
    },
    async write(items) {
      const known = items.filter((i) => i.targetId);
      const accounts = new Map<string, string>();
      if (known.length) {
        const ids = known.map((i) => soqlQuote(i.targetId!)).join(', ');
        for (const r of await sf.queryAll(`SELECT Id, Account__c FROM ${REQUEST_OBJECT} WHERE Id IN (${ids})`)) if (r.Account__c) accounts.set(String(r.Id), String(r.Account__c));
      }
      // Account first: a link that cannot be made (e.g. the supplier id is already on another Account) is reported on the request.
      const withAccount = known.filter((i) => accounts.has(i.targetId!));
      const accountResults = withAccount.length ? await sf.update('Account', withAccount.map((i) => accountUpdate(accounts.get(i.targetId!)!, i.payload))) : [];
      const accountErrors = new Map<string, SalesforceApiError>();
      withAccount.forEach((i, k) => {
        const err = sfError(accountResults[k]);
        if (err) accountErrors.set(i.targetId!, err);
      });
      const writable = known.filter((i) => !(accountErrors.get(i.targetId!) && !isFinal(accountErrors.get(i.targetId!))));
      const requestResults = writable.length
        ? await sf.update(
            REQUEST_OBJECT,
            writable.map((i) => {
              const err = accountErrors.get(i.targetId!);
              return { Id: i.targetId, ...i.payload, ...(err ? { Error__c: `Coupa ${String(i.payload.Status__c ?? 'updated')} the supplier, but the Account could not be updated: ${err.message}` } : {}) };
            }),
          )
        : [];
      return items.map((item) => {
        if (!item.targetId) return failure(new OnboardingRejected('supplier information record names no onboarding request'));
        const accountErr = accountErrors.get(item.targetId);
        const k = writable.indexOf(item);
        if (k < 0) return failure(accountErr);
        const err = sfError(requestResults[k]);
        return err ? failure(err) : { ok: true as const, targetId: item.targetId };
      });
    },
    classify: classifyFlowError,
  };

  /**
   * Auto-start (optional): the same onboarding a button click starts. `write` finds the Account's open request or
   * creates one (status Requested), then creates its SIM record as the request flow would; the request flow later
   * finds that SIM record by the request id and links it, and the status flow mirrors it as usual.
   */
  async function openRequestOf(accountId: string, statuses = OPEN_STATUSES): Promise<SObjectRecord | null> {
    const soql = `SELECT Id, SystemModstamp, ${REQUEST_FIELDS.join(', ')} FROM ${REQUEST_OBJECT} WHERE Account__c = ${soqlQuote(accountId)} AND Status__c IN (${statuses.map(soqlQuote).join(', ')}) ORDER BY CreatedDate ASC, Id ASC LIMIT 1`;
    return (await sf.queryAll(soql))[0] ?? null;
  }

  async function startFor(accountId: string): Promise<WriteOutcome> {
    let req = await openRequestOf(accountId);
    if (!req) {
      const [r] = await sf.create(REQUEST_OBJECT, [{ Account__c: accountId, Status__c: 'Requested' }]);
      const err = sfError(r);
      if (err) return failure(err);
      req = await openRequestOf(accountId);
      if (!req) return failure(new Error(`the onboarding request created for Account ${accountId} cannot be read back`));
    }
    if (req.Coupa_Supplier_Information_Id__c) return { ok: true, targetId: String(req.Coupa_Supplier_Information_Id__c) };
    const [row] = await requests.withRelated([req]);
    const requestId = String(row.Id);
    const reason = rejectionReason(row, (row.OpenRequests as SObjectRecord[]) ?? []);
    if (reason) {
      await requests.markFailed(requestId, reason, null);
      return failure(new OnboardingRejected(reason));
    }
    // The request flow's own create: its look-up by the request id first, and the reason on the request if Coupa refuses.
    const m = await mapRecord(mapping, 'salesforce-to-coupa', row);
    const [outcome] = await create.write([{ sourceId: requestId, op: 'create', idempotencyKey: idempotencyKeyOf(requestId), payload: m.payload }]);
    return outcome;
  }

  function autoStartFlow(name: string, sobject: 'Account' | 'Opportunity', where: string, accountIdOf: (r: SObjectRecord) => string | null): FlowDefinition<SObjectRecord> {
    return {
      name,
      linkGroup: name,
      source: { system: 'salesforce', object: sobject },
      target: { system: 'coupa', object: 'supplier_information' },
      trigger: { kind: 'poll', schedule: o.autoStart!.schedule },
      batchSize: 50,
      async read({ after, limit }) {
        const since = after ? { systemModstamp: after.ts, id: after.id } : undefined;
        const out: SourceRecord<SObjectRecord>[] = [];
        const fields = sobject === 'Account' ? ['Name'] : ['Name', 'AccountId'];
        for await (const { record } of sf.pollChanges({ sobject, fields, since, where })) {
          out.push({ id: String(record.Id), ts: String(record.SystemModstamp), data: record });
          if (out.length >= limit) break;
        }
        return out;
      },
      map(rec, ctx) {
        const accountId = accountIdOf(rec.data);
        return ctx.targetId || !accountId ? null : { accountId };
      },
      async write(items) {
        const out: WriteOutcome[] = [];
        for (const item of items) {
          try {
            out.push(item.op === 'update' && item.targetId ? { ok: true, targetId: item.targetId } : await startFor(String(item.payload.accountId)));
          } catch (error) {
            out.push(failure(error, { op: item.op, payload: item.payload }));
          }
        }
        return out;
      },
      async findByIdempotencyKey(key) {
        const req = await openRequestOf(accountIdOfKey(key), [...OPEN_STATUSES, 'Approved']);
        return req ? create.findByIdempotencyKey!(idempotencyKeyOf(String(req.Id))) : null;
      },
      // Keyed by Account, so an Account and its won Opportunity never start two onboardings.
      idempotencyKey: (rec) => accountKeyOf(accountIdOf(rec.data) ?? rec.id),
      classify: classifyFlowError,
    };
  }

  const flows: FlowDefinition[] = [create, status];
  const auto = autoStartWhere(o);
  if (auto.account) flows.push(autoStartFlow(VENDOR_ACCOUNTS_FLOW_NAME, 'Account', auto.account, (r) => String(r.Id)) as FlowDefinition);
  if (auto.opportunity) flows.push(autoStartFlow(WON_OPPORTUNITIES_FLOW_NAME, 'Opportunity', auto.opportunity, (r) => (r.AccountId ? String(r.AccountId) : null)) as FlowDefinition);
  return flows;
}

function requestIdOf(sim: Record<string, unknown>): string | null {
  const v = (sim['custom-fields'] as Record<string, unknown> | undefined)?.[REQUEST_ID_FIELD];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}
