/**
 * Supplier onboarding: a Coupa_Onboarding_Request__c (the Account's "Start supplier onboarding" button) creates a
 * Coupa supplier information (SIM) record from the Account and its primary contact; SIM's progress is mirrored onto
 * the request and the Account, and on approval the Account is linked to the Coupa supplier.
 */
import { CoupaApiError, coupaResources, type CoupaRecord } from '../../coupa';
import { type Classification, type FlowDefinition, type SourceRecord, type WriteItem, type WriteOutcome } from '../../engine';
import { mapRecord } from '../../mapping';
import { SalesforceApiError, soqlQuote, type SObjectRecord, type WriteResult } from '../../salesforce';
import { fetchSalesforce } from '../shared/io';
import { classifyFor } from '../shared/errors';
import { requireMapping, type FlowDeps } from '../deps';
import {
  accountIdOfKey,
  accountKeyOf,
  autoStartWhere,
  contactFields,
  coupaRefusal,
  FLOW_NAME,
  idempotencyKeyOf,
  LINK_GROUP,
  OnboardingRejected,
  OPEN_STATUSES,
  primaryContact,
  rejectionReason,
  REQUEST_FIELDS,
  REQUEST_ID_FIELD,
  REQUEST_OBJECT,
  requestIdOfKey,
  VENDOR_ACCOUNTS_FLOW_NAME,
  WON_OPPORTUNITIES_FLOW_NAME,
} from './logic';
import { parseOptions } from './options';
import { createOnboardingStatusFlow } from './status';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP, VENDOR_ACCOUNTS_FLOW_NAME, WON_OPPORTUNITIES_FLOW_NAME } from './logic';
export { parseOptions as parseSupplierOnboardingOptions, type SupplierOnboardingOptions } from './options';

export const MAPPING = 'supplier-onboarding';

type Sim = CoupaRecord<'supplier_information'>;
type Payload = { action: 'create'; accountId: string; sim: Record<string, unknown> } | { action: 'reject'; accountId: string | null; reason: string };

const CF_FILTER = `custom_fields[${REQUEST_ID_FIELD}]`;

const classifyCoupaFlow = classifyFor('coupa');

export function classifyFlowError(err: unknown): Classification {
  if (err instanceof OnboardingRejected) return { kind: 'validation', retryable: false };
  return classifyCoupaFlow(err);
}

function sfError(r: WriteResult | undefined): SalesforceApiError | null {
  if (r?.success) return null;
  const e = r?.errors[0];
  const message = e ? `${e.code}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}` : 'no result for record';
  return new SalesforceApiError(e?.code ?? 'UNKNOWN', message, r?.failure ?? { kind: 'transient', retryable: true }, e?.fields);
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

  /**
   * The supplier information record made for this onboarding request, if any. Only a hit whose custom field holds the
   * request id counts: an instance that does not apply the custom-field filter answers with arbitrary records, and
   * taking one of those would link (and never create) the wrong supplier.
   */
  async function findSim(requestId: string): Promise<Sim | null> {
    const found = await coupa.supplier_information.find({ filters: { [CF_FILTER]: requestId }, fields: ['id', 'status', { 'custom-fields': {} }], limit: 5 });
    const verified = found.filter((s) => (s['custom-fields'] as Record<string, unknown> | null | undefined)?.[REQUEST_ID_FIELD] === requestId);
    if (verified.length < found.length) {
      log.warn(
        { requestId, ignored: found.filter((s) => !verified.includes(s)).map((s) => s.id) },
        `Coupa answered the ${CF_FILTER} lookup with records of other requests (is the custom field filterable on this instance?); only a record carrying this request id counts`,
      );
    }
    return verified.sort((a, b) => a.id - b.id)[0] ?? null;
  }

  /** Marks a request Failed with a reason a person can read (and the Account, unless another request is running). */
  async function markFailed(requestId: string, reason: string, accountId: string | null): Promise<void> {
    const [r] = await sf.update(REQUEST_OBJECT, [{ Id: requestId, Status__c: 'Failed', Error__c: reason }]);
    const err = sfError(r);
    if (err) throw err;
    if (accountId) {
      const [a] = await sf.update('Account', [{ Id: accountId, Coupa_Onboarding_Status__c: 'Failed' }]);
      const aerr = sfError(a);
      if (aerr) log.warn({ accountId, error: aerr.message }, 'could not mark the account failed');
    }
  }

  /** Source records for requests: with the Account's primary contact and the Account's other open requests. */
  async function enrich(requests: SObjectRecord[]): Promise<SourceRecord<SObjectRecord>[]> {
    const accountIds = [...new Set(requests.map((r) => String(r.Account__c)).filter((id) => id && id !== 'null'))];
    const contacts = new Map<string, SObjectRecord[]>();
    const open = new Map<string, SObjectRecord[]>();
    if (accountIds.length) {
      const ids = accountIds.map(soqlQuote).join(', ');
      for (const c of await sf.queryAll(`SELECT ${contactFields(o).join(', ')} FROM Contact WHERE AccountId IN (${ids}) ORDER BY CreatedDate ASC, Id ASC`)) {
        contacts.set(String(c.AccountId), [...(contacts.get(String(c.AccountId)) ?? []), c]);
      }
      const statuses = OPEN_STATUSES.map(soqlQuote).join(', ');
      for (const r of await sf.queryAll(`SELECT Id, Name, Account__c, Status__c, CreatedDate, Coupa_Supplier_Information_Id__c FROM ${REQUEST_OBJECT} WHERE Account__c IN (${ids}) AND Status__c IN (${statuses})`)) {
        open.set(String(r.Account__c), [...(open.get(String(r.Account__c)) ?? []), r]);
      }
    }
    return requests.map((r) => ({
      id: String(r.Id),
      ts: String(r.SystemModstamp),
      data: { ...r, PrimaryContact: primaryContact(contacts.get(String(r.Account__c)) ?? [], o), OpenRequests: open.get(String(r.Account__c)) ?? [] },
    }));
  }

  /** Creates the SIM record of a request unless one exists; a refusal by Coupa fails the request with the reason. */
  async function createSim(requestId: string, accountId: string, body: Record<string, unknown>, op: string): Promise<WriteOutcome> {
    const existing = await findSim(requestId);
    if (existing) return { ok: true, targetId: String(existing.id) };
    try {
      const sim = await coupa.supplier_information.create(body as never, { fields: ['id', 'status', 'supplier-id'] });
      return { ok: true, targetId: String(sim.id) };
    } catch (error) {
      if (isFinal(error)) {
        const messages = error instanceof CoupaApiError ? error.messages : [];
        await markFailed(requestId, coupaRefusal(messages, (error as Error).message), accountId);
      }
      return failure(error, { op, payload: body });
    }
  }

  const create: FlowDefinition<SObjectRecord> = {
    name: FLOW_NAME,
    linkGroup: LINK_GROUP,
    source: { system: 'salesforce', object: REQUEST_OBJECT },
    target: { system: 'coupa', object: 'supplier_information' },
    trigger: { kind: 'poll', schedule: o.schedule },
    batchSize: 50,
    async read({ after, limit }) {
      const since = after ? { systemModstamp: after.ts, id: after.id } : undefined;
      const requests: SObjectRecord[] = [];
      const where = `Status__c = 'Requested' AND Coupa_Supplier_Information_Id__c = null`;
      for await (const { record } of sf.pollChanges({ sobject: REQUEST_OBJECT, fields: REQUEST_FIELDS, since, where })) {
        requests.push(record);
        if (requests.length >= limit) break;
      }
      return enrich(requests);
    },
    /** Requests by id as they are now (change events, gap events): `map` skips those no longer Requested. */
    async fetch(ids) {
      const rows = await fetchSalesforce(sf, { sobject: REQUEST_OBJECT, fields: ['Id', ...REQUEST_FIELDS] }, ids);
      return enrich(rows.map((r) => r.data as SObjectRecord));
    },
    async map(rec, ctx): Promise<Payload | null> {
      if (ctx.targetId || rec.data.Status__c !== 'Requested') return null;
      const accountId = rec.data.Account__c ? String(rec.data.Account__c) : null;
      let reason = rejectionReason(rec.data, (rec.data.OpenRequests as SObjectRecord[]) ?? [], o.accountTypes);
      // An auto-started request (any type the admin configured) already has its SIM record: not a button click.
      if (reason && rejectionReason(rec.data, (rec.data.OpenRequests as SObjectRecord[]) ?? []) === null && (await findSim(rec.id))) reason = null;
      if (reason) return { action: 'reject', accountId, reason };
      const m = await mapRecord(mapping, 'salesforce-to-coupa', rec.data);
      if (!m.included) return null;
      return { action: 'create', accountId: accountId!, sim: m.payload };
    },
    async write(items: WriteItem<Payload>[]) {
      const out: WriteOutcome[] = [];
      for (const item of items) {
        const p = item.payload;
        try {
          if (p.action === 'reject') {
            // The open request governs the Account's status; this one only says why it did nothing.
            await markFailed(item.sourceId, p.reason, null);
            out.push(failure(new OnboardingRejected(p.reason)));
            continue;
          }
          if (item.op === 'update' && item.targetId) {
            out.push({ ok: true, targetId: item.targetId });
            continue;
          }
          out.push(await createSim(item.sourceId, p.accountId, p.sim, item.op));
        } catch (error) {
          out.push(failure(error, { op: item.op, payload: p }));
        }
      }
      return out;
    },
    async findByIdempotencyKey(key) {
      const sim = await findSim(requestIdOfKey(key));
      return sim ? String(sim.id) : null;
    },
    idempotencyKey: (rec) => idempotencyKeyOf(rec.id),
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
    const [rec] = await enrich([req]);
    const reason = rejectionReason(rec.data, (rec.data.OpenRequests as SObjectRecord[]) ?? []);
    if (reason) {
      await markFailed(rec.id, reason, null);
      return failure(new OnboardingRejected(reason));
    }
    const m = await mapRecord(mapping, 'salesforce-to-coupa', rec.data);
    return createSim(rec.id, accountId, m.payload, 'create');
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
        const sim = req ? await findSim(String(req.Id)) : null;
        return sim ? String(sim.id) : null;
      },
      // Keyed by Account, so an Account and its won Opportunity never start two onboardings.
      idempotencyKey: (rec) => accountKeyOf(accountIdOf(rec.data) ?? rec.id),
      classify: classifyFlowError,
    };
  }

  const flows: FlowDefinition[] = [create as FlowDefinition, createOnboardingStatusFlow(deps, MAPPING)];
  const auto = autoStartWhere(o);
  if (auto.account) flows.push(autoStartFlow(VENDOR_ACCOUNTS_FLOW_NAME, 'Account', auto.account, (r) => String(r.Id)) as FlowDefinition);
  if (auto.opportunity) flows.push(autoStartFlow(WON_OPPORTUNITIES_FLOW_NAME, 'Opportunity', auto.opportunity, (r) => (r.AccountId ? String(r.AccountId) : null)) as FlowDefinition);
  return flows;
}
