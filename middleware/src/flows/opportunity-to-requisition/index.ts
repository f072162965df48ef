/**
 * Opportunity → Coupa requisition, and the requisition's progress back onto the Opportunity.
 * Two engine flows sharing one link group: `opportunity-to-requisition` (Salesforce → Coupa, creates only)
 * and `opportunity-to-requisition-status` (Coupa → Salesforce: requisition id and status, PO number/status,
 * committed amount).
 */
import { coupaResources, projectionFromPaths, type CoupaRecord } from '../../coupa';
import type { Classification, FlowDefinition, MatchResult, WriteItem, WriteOutcome } from '../../engine';
import { mapRecord } from '../../mapping';
import { soqlQuote, type SObjectRecord } from '../../salesforce';
import { classifyFor } from '../shared/errors';
import { COUPA_WRITE_CONCURRENCY, mapConcurrent } from '../shared/concurrency';
import { chunks } from '../shared/salesforce-writes';
import { fetchSalesforce } from '../shared/io';
import { requireMapping, type FlowDeps } from '../deps';
import {
  buildRequisition,
  filteredOut,
  FLOW_NAME,
  idempotencyKeyOf,
  LINE_ITEM_FIELDS,
  LINK_GROUP,
  OPPORTUNITY_FIELDS,
  OPPORTUNITY_ID_FIELD,
  opportunityIdOfKey,
  RequisitionRecordError,
  supplierIdFor,
  triggerWhere,
} from './logic';
import { parseOptions } from './options';
import { createRequisitionStatusFlow } from './status';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP } from './logic';
export { parseOptions as parseOpportunityToRequisitionOptions, type OpportunityToRequisitionOptions } from './options';

export const HEADER_MAPPING = 'opportunity-to-requisition';
export const LINES_MAPPING = 'opportunity-to-requisition-lines';

type Opportunity = SObjectRecord & { OpportunityLineItems?: SObjectRecord[] };
type Requisition = CoupaRecord<'requisitions'>;

const CF_FILTER = `custom_fields[${OPPORTUNITY_ID_FIELD}]`;
/** What the idempotency lookup reads: enough to submit a draft, and the custom field to verify the hit. */
const LOOKUP_FIELDS = projectionFromPaths(['id', 'status', 'submitted-at', `custom-fields.${OPPORTUNITY_ID_FIELD}`]);
const IN_CHUNK = 50;

const classifyCoupaFlow = classifyFor('coupa');

export function classifyFlowError(err: unknown): Classification {
  if (err instanceof RequisitionRecordError) return { kind: 'validation', retryable: false };
  return classifyCoupaFlow(err);
}

function failure(error: unknown, request?: unknown): WriteOutcome {
  return { ok: false, error, request, response: (error as { body?: unknown })?.body };
}

export function createOpportunityToRequisitionFlows(deps: FlowDeps): FlowDefinition[] {
  const o = parseOptions(deps.options);
  const header = requireMapping(deps, HEADER_MAPPING);
  const lineMapping = requireMapping(deps, LINES_MAPPING);
  const coupa = coupaResources(deps.coupa);
  const sf = deps.salesforce;
  const log = deps.logger.child({ flow: FLOW_NAME });

  const requesters = new Map<string, { login: string | null; at: number }>();
  async function requesterFor(opp: Opportunity): Promise<string> {
    const email = (opp.Owner as { Email?: string } | null)?.Email;
    if (email) {
      const cached = requesters.get(email);
      let login = cached && Date.now() - cached.at < 600_000 ? cached.login : undefined;
      if (login === undefined) {
        const [user] = await coupa.users.find({ filters: { email, active: true }, fields: ['id', 'login'], limit: 1 });
        login = user?.login ?? null;
        // Misses are not cached: once the user exists in Coupa, a replay or re-save must find it.
        if (login) requesters.set(email, { login, at: Date.now() });
      }
      if (login) return login;
    }
    if (o.fallbackRequesterLogin) return o.fallbackRequesterLogin;
    throw new RequisitionRecordError(
      email
        ? `The Opportunity owner's email ${email} matches no active Coupa user, and no fallback requester (fallbackRequesterLogin) is configured`
        : 'The Opportunity owner has no email, and no fallback requester (fallbackRequesterLogin) is configured',
    );
  }

  /**
   * The requisition already made for this Opportunity, if any. Only a hit whose custom field actually holds the
   * Opportunity id counts: an instance that ignores the custom-field filter answers with arbitrary requisitions,
   * and taking one of those would link (and never create) the wrong requisition.
   */
  async function findRequisition(opportunityId: string): Promise<Requisition | null> {
    const found = await coupa.requisitions.find({ filters: { [CF_FILTER]: opportunityId }, fields: LOOKUP_FIELDS, limit: 5 });
    const verified = found.filter((r) => opportunityIdOf(r as unknown as Record<string, unknown>) === opportunityId);
    if (verified.length < found.length) {
      log.warn(
        { opportunityId, ignored: found.filter((r) => !verified.includes(r)).map((r) => r.id) },
        `Coupa answered the ${CF_FILTER} lookup with requisitions of other Opportunities (is the custom field filterable on this instance?); only a requisition carrying this Opportunity id counts`,
      );
    }
    return verified.sort((a, b) => a.id - b.id)[0] ?? null;
  }

  /**
   * Opportunities a page lookup showed to have no requisition yet, so their create goes straight to the POST. Only
   * filled when the instance honoured the custom-field `[in]` filter (every hit carried one of the asked ids);
   * each entry is used once, so a retried create looks up again first.
   */
  const checkedAbsent = new Set<string>();

  /**
   * The idempotency look-up for a whole page: one request per 50 Opportunities (`custom_fields[…][in]`) instead of one
   * per record. When the answer holds a requisition of another Opportunity the instance ignored the filter: nothing is
   * trusted, and each create looks itself up before its POST, as a lone record would.
   */
  async function findRequisitions(opportunityIds: string[]): Promise<{ trusted: boolean; found: Map<string, Requisition> }> {
    const found = new Map<string, Requisition>();
    let trusted = true;
    for (const ids of chunks(opportunityIds, IN_CHUNK)) {
      const asked = new Set(ids);
      for await (const r of coupa.requisitions.list({ filters: { [`${CF_FILTER}[in]`]: ids.join(',') }, fields: LOOKUP_FIELDS })) {
        const oppId = opportunityIdOf(r as unknown as Record<string, unknown>);
        if (!oppId || !asked.has(oppId)) {
          trusted = false;
          continue;
        }
        const seen = found.get(oppId);
        if (!seen || r.id < seen.id) found.set(oppId, r);
      }
    }
    if (!trusted) log.warn({ asked: opportunityIds.length }, `Coupa ignored the ${CF_FILTER}[in] filter; each requisition create looks itself up first`);
    return { trusted, found };
  }

  /** A requisition found by the Opportunity id that was never submitted (e.g. created by an interrupted attempt). */
  async function ensureSubmitted(req: Pick<Requisition, 'id' | 'status'> & { 'submitted-at'?: unknown }): Promise<void> {
    if (!o.submitForApproval || req.status !== 'draft' || req['submitted-at']) return;
    await coupa.requisitions.action(req.id, 'update_and_submit_for_approval', {}, { fields: ['id', 'status'] });
  }

  /** Line items of these Opportunities, in SortOrder (then creation) order. */
  async function lineItemsOf(oppIds: string[]): Promise<Map<string, SObjectRecord[]>> {
    const byOpp = new Map<string, SObjectRecord[]>();
    for (const ids of chunks(oppIds, 200)) {
      const soql = `SELECT ${LINE_ITEM_FIELDS.join(', ')} FROM OpportunityLineItem WHERE OpportunityId IN (${ids.map(soqlQuote).join(', ')}) ORDER BY CreatedDate ASC, Id ASC`;
      for (const li of await sf.queryAll(soql)) byOpp.set(String(li.OpportunityId), [...(byOpp.get(String(li.OpportunityId)) ?? []), li]);
    }
    for (const list of byOpp.values()) list.sort((a, b) => Number(a.SortOrder ?? Infinity) - Number(b.SortOrder ?? Infinity));
    return byOpp;
  }

  const create: FlowDefinition<Opportunity> = {
    name: FLOW_NAME,
    linkGroup: LINK_GROUP,
    source: { system: 'salesforce', object: 'Opportunity' },
    target: { system: 'coupa', object: 'requisitions' },
    trigger: { kind: 'poll', schedule: o.schedule },
    batchSize: 50,
    async read({ after, limit }) {
      const since = after ? { systemModstamp: after.ts, id: after.id } : undefined;
      const opps: Opportunity[] = [];
      for await (const { record } of sf.pollChanges({ sobject: 'Opportunity', fields: OPPORTUNITY_FIELDS, since, where: triggerWhere(o) })) {
        opps.push(record);
        if (opps.length >= limit) break;
      }
      const byOpp = await lineItemsOf(opps.map((r) => String(r.Id)));
      return opps.map((opp) => ({ id: String(opp.Id), ts: String(opp.SystemModstamp), data: { ...opp, OpportunityLineItems: byOpp.get(String(opp.Id)) ?? [] } }));
    },
    /** Opportunities by id as they are now (change events, gap events): `map` filters those not in the trigger stage. */
    async fetch(ids) {
      const rows = await fetchSalesforce(sf, { sobject: 'Opportunity', fields: ['Id', ...OPPORTUNITY_FIELDS] }, ids);
      const byOpp = await lineItemsOf(rows.map((r) => r.id));
      return rows.map((r) => ({ ...r, data: { ...(r.data as Opportunity), OpportunityLineItems: byOpp.get(r.id) ?? [] } }));
    },
    async map(rec, ctx) {
      // A linked Opportunity already has its requisition: re-saves never create or change one.
      if (ctx.targetId) return null;
      const opp = rec.data;
      const skip = filteredOut(opp, o);
      if (skip) return null;
      const head = await mapRecord(header, 'salesforce-to-coupa', opp);
      if (!head.included) return null;
      const currency = (opp.CurrencyIsoCode as string | undefined) ?? o.currency;
      let items = opp.OpportunityLineItems ?? [];
      // A replayed dead letter carries the record as it was read; products may have been added since.
      if (items.length === 0) items = await lineItemsOf([rec.id]).then((m) => m.get(rec.id) ?? []);
      const lines: Record<string, unknown>[] = [];
      for (const li of items) {
        const m = await mapRecord(lineMapping, 'salesforce-to-coupa', { ...li, CurrencyIsoCode: currency });
        if (m.included) lines.push((m.payload['requisition-lines'] as Record<string, unknown>) ?? {});
      }
      return buildRequisition(
        {
          opportunityId: rec.id,
          opportunityName: String(opp.Name ?? rec.id),
          header: head.payload,
          lines,
          requesterLogin: await requesterFor(opp),
          supplierId: supplierIdFor(opp as never, o),
        },
        o,
      );
    },
    // An Opportunity whose requisition exists (an earlier attempt, another instance) is linked to it, not created again.
    async matchPage(items) {
      const ids = items.map((i) => i.record.id);
      const { trusted, found } = await findRequisitions(ids);
      const out = new Map<string, MatchResult>();
      for (const id of ids) {
        const req = found.get(id);
        out.set(id, { targetId: req ? String(req.id) : null });
        if (trusted && !req) checkedAbsent.add(id);
      }
      return out;
    },
    // Each Opportunity's requisition is its own request chain; several go out at once under the shared rate limit.
    write: (items: WriteItem[]) =>
      mapConcurrent(items, COUPA_WRITE_CONCURRENCY, async (item): Promise<WriteOutcome> => {
        try {
          if (item.op === 'update' && item.targetId) {
            const current = await coupa.requisitions.get(Number(item.targetId), ['id', 'status', 'submitted-at']);
            await ensureSubmitted(current);
            return { ok: true, targetId: item.targetId };
          }
          // Look up by the Opportunity id before any create (another instance or an earlier attempt may have made it),
          // unless this page's look-up just did.
          const existing = checkedAbsent.delete(item.sourceId) ? null : await findRequisition(item.sourceId);
          if (existing) {
            log.info({ opportunityId: item.sourceId, requisitionId: existing.id }, 'requisition already exists for the opportunity');
            await ensureSubmitted(existing);
            return { ok: true, targetId: String(existing.id) };
          }
          const created = o.submitForApproval
            ? await deps.coupa.post<Requisition>('requisitions/submit_for_approval', item.payload, { fields: ['id', 'status'] })
            : await coupa.requisitions.create(item.payload as never, { fields: ['id', 'status'] });
          return { ok: true, targetId: String(created.id) };
        } catch (error) {
          return failure(error, { op: item.op, payload: item.payload });
        }
      }),
    async findByIdempotencyKey(key) {
      const req = await findRequisition(opportunityIdOfKey(key));
      return req ? String(req.id) : null;
    },
    idempotencyKey: (rec) => idempotencyKeyOf(rec.id),
    classify: classifyFlowError,
  };

  return [create as FlowDefinition, createRequisitionStatusFlow(deps, HEADER_MAPPING)];
}

function opportunityIdOf(req: Record<string, unknown>): string | null {
  const v = (req['custom-fields'] as Record<string, unknown> | undefined)?.[OPPORTUNITY_ID_FIELD];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}
