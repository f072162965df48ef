/**
 * Supplier onboarding: a Coupa_Onboarding_Request__c (the Account's "Start supplier onboarding" button) creates a
 * Coupa supplier information (SIM) record from the Account and its primary contact; SIM's progress is mirrored onto
 * the request and the Account, and on approval the Account is linked to the Coupa supplier.
 */
import { type Classification, type FlowDefinition, type SourceRecord, type WriteOutcome } from '../../engine';
import { mapRecord } from '../../mapping';
import { soqlQuote, type SObjectRecord } from '../../salesforce';
import { classifyFor, failedOutcome } from '../shared/errors';
import { requireMapping, type FlowDeps } from '../deps';
import {
  accountIdOfKey,
  accountKeyOf,
  autoStartWhere,
  FLOW_NAME,
  idempotencyKeyOf,
  OnboardingRejected,
  OPEN_STATUSES,
  rejectionReason,
  REQUEST_FIELDS,
  REQUEST_OBJECT,
  VENDOR_ACCOUNTS_FLOW_NAME,
  WON_OPPORTUNITIES_FLOW_NAME,
} from './logic';
import { createOnboardingRequestFlow, MAPPING } from './create';
import { parseOptions } from './options';
import { onboardingRequests, sfError } from './requests';
import { createOnboardingStatusFlow } from './status';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP, VENDOR_ACCOUNTS_FLOW_NAME, WON_OPPORTUNITIES_FLOW_NAME } from './logic';
export { parseOptions as parseSupplierOnboardingOptions, type SupplierOnboardingOptions } from './options';

export { MAPPING, createOnboardingRequestFlow } from './create';

const classifyCoupaFlow = classifyFor('coupa');

export function classifyFlowError(err: unknown): Classification {
  if (err instanceof OnboardingRejected) return { kind: 'validation', retryable: false };
  return classifyCoupaFlow(err);
}

export function createSupplierOnboardingFlows(deps: FlowDeps): FlowDefinition[] {
  const o = parseOptions(deps.options);
  const mapping = requireMapping(deps, MAPPING);
  const sf = deps.salesforce;
  const log = deps.logger.child({ flow: FLOW_NAME });

  const requests = onboardingRequests(sf, o, log);
  const create = createOnboardingRequestFlow(deps, requests);

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
      if (err) return failedOutcome(err);
      req = await openRequestOf(accountId);
      if (!req) return failedOutcome(new Error(`the onboarding request created for Account ${accountId} cannot be read back`));
    }
    if (req.Coupa_Supplier_Information_Id__c) return { ok: true, targetId: String(req.Coupa_Supplier_Information_Id__c) };
    const [row] = await requests.withRelated([req]);
    const requestId = String(row.Id);
    const reason = rejectionReason(row, (row.OpenRequests as SObjectRecord[]) ?? []);
    if (reason) {
      await requests.markFailed(requestId, reason, null);
      return failedOutcome(new OnboardingRejected(reason));
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
            out.push(failedOutcome(error, { op: item.op, payload: item.payload }));
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

  const flows: FlowDefinition[] = [create, createOnboardingStatusFlow(deps, MAPPING)];
  const auto = autoStartWhere(o);
  if (auto.account) flows.push(autoStartFlow(VENDOR_ACCOUNTS_FLOW_NAME, 'Account', auto.account, (r) => String(r.Id)) as FlowDefinition);
  if (auto.opportunity) flows.push(autoStartFlow(WON_OPPORTUNITIES_FLOW_NAME, 'Opportunity', auto.opportunity, (r) => (r.AccountId ? String(r.AccountId) : null)) as FlowDefinition);
  return flows;
}
