/**
 * Opportunity → Coupa requisition, and the requisition's progress back onto the Opportunity.
 * Two engine flows sharing one link group: `opportunity-to-requisition` (Salesforce → Coupa, creates only; a declared
 * flow, `create.ts`) and `opportunity-to-requisition-status` (Coupa → Salesforce: requisition id and status, PO number/status,
 * committed amount).
 */
import { coupaResources, projectionFromPaths, type CoupaRecord } from '../../coupa';
import { compareCursors, type Classification, type Cursor, type FlowDefinition, type SourceRecord, type WriteOutcome } from '../../engine';
import { mapRecord, sourcePaths } from '../../mapping';
import { SalesforceApiError, type WriteResult } from '../../salesforce';
import { classifyFor } from '../shared/errors';
import { chunks } from '../shared/salesforce-writes';
import { requireMapping, type FlowDeps } from '../deps';
import { contentStamp, floorSecond, latestChange, LINK_GROUP, OPPORTUNITY_ID_FIELD, RequisitionRecordError, STATUS_FLOW_NAME, summarizePurchaseOrders } from './logic';
import { parseOptions } from './options';
import { createRequisitionFlow, HEADER_MAPPING } from './create';

export { FLOW_NAME, STATUS_FLOW_NAME, LINK_GROUP } from './logic';
export { parseOptions as parseOpportunityToRequisitionOptions, type OpportunityToRequisitionOptions } from './options';

export { HEADER_MAPPING, LINES_MAPPING, createRequisitionFlow } from './create';

type Requisition = CoupaRecord<'requisitions'>;

const CF_FILTER = `custom_fields[${OPPORTUNITY_ID_FIELD}]`;
const IN_CHUNK = 50;

const classifyCoupaFlow = classifyFor('coupa');

export function classifyFlowError(err: unknown): Classification {
  if (err instanceof RequisitionRecordError) return { kind: 'validation', retryable: false };
  return classifyCoupaFlow(err);
}

function failure(error: unknown, request?: unknown): WriteOutcome {
  return { ok: false, error, request, response: (error as { body?: unknown })?.body };
}

/** A Salesforce collections result as an engine outcome (errors keep Salesforce's code and classification). */
export function outcomeOf(r: WriteResult | undefined, targetId: string): WriteOutcome {
  if (r?.success) return { ok: true, targetId };
  const e = r?.errors[0];
  const message = e ? `${e.code}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}` : 'no result for record';
  return { ok: false, error: new SalesforceApiError(e?.code ?? 'UNKNOWN', message, r?.failure ?? { kind: 'transient', retryable: true }, e?.fields), response: r?.errors };
}

export function createOpportunityToRequisitionFlows(deps: FlowDeps): FlowDefinition[] {
  const o = parseOptions(deps.options);
  const header = requireMapping(deps, HEADER_MAPPING);
  const coupa = coupaResources(deps.coupa);
  const sf = deps.salesforce;

  const reqFields = projectionFromPaths(['id', 'status', 'updated-at', 'submitted-at', 'custom-fields', ...sourcePaths(header, 'coupa-to-salesforce'), ...(header.spec.coupa.reads ?? [])]);
  const poFields = projectionFromPaths(['id', 'po-number', 'status', 'updated-at', 'requisition-header.id', 'order-lines.total', 'order-lines.price', 'order-lines.quantity']);

  async function purchaseOrdersOf(reqIds: number[]): Promise<Map<number, CoupaRecord<'purchase_orders'>[]>> {
    const out = new Map<number, CoupaRecord<'purchase_orders'>[]>();
    for (const ids of chunks(reqIds, IN_CHUNK)) {
      for await (const po of coupa.purchase_orders.list({ filters: { 'requisition-header[id][in]': ids }, fields: poFields })) {
        const reqId = (po['requisition-header'] as { id?: number } | null)?.id;
        if (reqId === undefined) continue;
        out.set(reqId, [...(out.get(reqId) ?? []), po]);
      }
    }
    return out;
  }

  const status: FlowDefinition<Record<string, unknown>> = {
    name: STATUS_FLOW_NAME,
    linkGroup: LINK_GROUP,
    source: { system: 'coupa', object: 'requisitions' },
    target: { system: 'salesforce', object: 'Opportunity' },
    trigger: { kind: 'poll', schedule: o.statusSchedule },
    batchSize: 50,
    /**
     * Requisitions with an Opportunity id that changed, or whose purchase orders changed, after the cursor.
     * A record's timestamp is the latest change of the requisition and its POs, so whichever side is
     * noticed first, the same state carries the same (ts, id) and the overlap window dedupes it.
     */
    async read({ after, limit }) {
      const reqs = new Map<number, Requisition>();
      let horizon: string | null = null;
      let n = 0;
      const since = after ? { updatedAt: floorSecond(after.ts), id: 0 } : undefined;
      for await (const { record, cursor } of coupa.requisitions.changes({ since, filters: { [`${CF_FILTER}[blank]`]: false }, fields: reqFields })) {
        reqs.set(record.id, record);
        // Read well past one page: the runner re-reads its overlap window, and a page of only already-seen
        // records would end the run without moving the checkpoint.
        if (++n >= limit * 10) {
          horizon = cursor.updatedAt;
          break;
        }
      }
      // Every PO change since the cursor (id and requisition only): capping this stream could starve the flow
      // when many POs that are not ours change, since the checkpoint only moves past requisitions it emits.
      const fromPos = new Set<number>();
      for await (const { record } of coupa.purchase_orders.changes({ since, fields: ['id', 'updated-at', { 'requisition-header': ['id'] }] })) {
        const reqId = (record['requisition-header'] as { id?: number } | null)?.id;
        if (reqId !== undefined && reqId !== null && !reqs.has(reqId)) fromPos.add(reqId);
      }
      for (const ids of chunks([...fromPos], IN_CHUNK)) {
        for await (const r of coupa.requisitions.list({ filters: { 'id[in]': ids, [`${CF_FILTER}[blank]`]: false }, fields: reqFields })) reqs.set(r.id, r);
      }
      const linked = [...reqs.values()].filter((r) => opportunityIdOf(r as unknown as Record<string, unknown>));
      const pos = await purchaseOrdersOf(linked.map((r) => r.id));
      const records: SourceRecord<Record<string, unknown>>[] = [];
      const beyond: SourceRecord<Record<string, unknown>>[] = [];
      for (const r of linked) {
        const mine = pos.get(r.id) ?? [];
        const summary = summarizePurchaseOrders(mine as never);
        const latest = latestChange([r['updated-at'] as string, ...mine.map((p) => p['updated-at'] as string)]);
        const ts = contentStamp(latest, [r.status, summary]);
        const cursor: Cursor = { ts, id: String(r.id) };
        if (after && compareCursors(cursor, after) <= 0) continue;
        const rec = { id: String(r.id), ts, data: { ...r, 'purchase-order-summary': summary } };
        // Past the last requisition second read, other requisitions may not have been read yet.
        if (horizon && Date.parse(ts) >= Date.parse(horizon) + 1000) beyond.push(rec);
        else records.push(rec);
      }
      const page = records.length >= limit ? records : [...records, ...beyond];
      return page.sort((a, b) => compareCursors(a, b)).slice(0, limit);
    },
    async map(rec) {
      if (!opportunityIdOf(rec.data)) return null;
      const m = await mapRecord(header, 'coupa-to-salesforce', rec.data);
      return m.included ? m.payload : null;
    },
    async match(rec) {
      return { targetId: opportunityIdOf(rec.data) };
    },
    async write(items) {
      const known = items.filter((i) => i.targetId);
      const results = known.length ? await sf.update('Opportunity', known.map((i) => ({ Id: i.targetId, ...i.payload }))) : [];
      let k = 0;
      return items.map((item) => (item.targetId ? outcomeOf(results[k++], item.targetId) : failure(new RequisitionRecordError('requisition has no Opportunity to update'))));
    },
    classify: classifyFlowError,
  };

  return [createRequisitionFlow(deps), status];
}

function opportunityIdOf(req: Record<string, unknown>): string | null {
  const v = (req['custom-fields'] as Record<string, unknown> | undefined)?.[OPPORTUNITY_ID_FIELD];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}
