/**
 * opportunity-to-requisition, Salesforce → Coupa: an Opportunity in a trigger stage creates one Coupa requisition from
 * its header and product lines, requested by the owner's Coupa user, optionally submitted for approval. A declared
 * flow (`defineSalesforceToCoupaFlow`): the hooks hold the line items, the requester and the submit.
 */
import { coupaResources } from '../../coupa';
import type { FlowDefinition } from '../../engine';
import { mapRecord } from '../../mapping';
import { soqlQuote, type SObjectRecord } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { defineSalesforceToCoupaFlow, type KeyedRecord } from '../shared/define-salesforce-to-coupa';
import { chunks } from '../shared/salesforce-writes';
import {
  buildRequisition,
  filteredOut,
  FLOW_NAME,
  KEY_PREFIX,
  LINE_ITEM_FIELDS,
  LINK_GROUP,
  OPPORTUNITY_FIELDS,
  OPPORTUNITY_ID_FIELD,
  RequisitionRecordError,
  supplierIdFor,
  triggerWhere,
} from './logic';
import { opportunityToRequisitionOptions, type OpportunityToRequisitionOptions } from './options';

export const HEADER_MAPPING = 'opportunity-to-requisition';
export const LINES_MAPPING = 'opportunity-to-requisition-lines';

type Opportunity = SObjectRecord & { OpportunityLineItems?: SObjectRecord[] };

export function createRequisitionFlow(deps: FlowDeps): FlowDefinition<any, any> {
  const coupa = coupaResources(deps.coupa);
  const sf = deps.salesforce;

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

  const requesters = new Map<string, { login: string | null; at: number }>();
  async function requesterFor(opp: Opportunity, o: OpportunityToRequisitionOptions): Promise<string> {
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

  return defineSalesforceToCoupaFlow(deps, {
    name: FLOW_NAME,
    options: opportunityToRequisitionOptions,
    declare: (o) => {
      const lineMapping = requireMapping(deps, LINES_MAPPING);
      return {
        linkGroup: LINK_GROUP,
        schedule: o.schedule,
        source: { sobject: 'Opportunity', fields: OPPORTUNITY_FIELDS, where: triggerWhere(o) },
        target: {
          resource: 'requisitions',
          keyField: OPPORTUNITY_ID_FIELD,
          keyPrefix: KEY_PREFIX,
          fields: ['status', 'submitted-at'],
          create: (payload, fields) =>
            o.submitForApproval ? deps.coupa.post<KeyedRecord>('requisitions/submit_for_approval', payload, { fields }) : (coupa.requisitions.create(payload as never, { fields }) as Promise<KeyedRecord>),
        },
        mapping: requireMapping(deps, HEADER_MAPPING),
        errors: [RequisitionRecordError],
        hooks: {
          async enrich(opps: Opportunity[]) {
            const byOpp = await lineItemsOf(opps.map((r) => String(r.Id)));
            return opps.map((opp) => ({ ...opp, OpportunityLineItems: byOpp.get(String(opp.Id)) ?? [] }));
          },
          filter: (opp) => !filteredOut(opp, o),
          async afterMap(header, opp) {
            const id = String(opp.Id);
            const currency = (opp.CurrencyIsoCode as string | undefined) ?? o.currency;
            let items = opp.OpportunityLineItems ?? [];
            // A replayed dead letter carries the record as it was read; products may have been added since.
            if (items.length === 0) items = (await lineItemsOf([id])).get(id) ?? [];
            const lines: Record<string, unknown>[] = [];
            for (const li of items) {
              const m = await mapRecord(lineMapping, 'salesforce-to-coupa', { ...li, CurrencyIsoCode: currency });
              if (m.included) lines.push((m.payload['requisition-lines'] as Record<string, unknown>) ?? {});
            }
            return buildRequisition(
              { opportunityId: id, opportunityName: String(opp.Name ?? id), header, lines, requesterLogin: await requesterFor(opp, o), supplierId: supplierIdFor(opp as never, o) },
              o,
            );
          },
          // A requisition found by the Opportunity id that was never submitted (e.g. created by an interrupted attempt).
          async afterWrite(req) {
            if (!o.submitForApproval || req.status !== 'draft' || req['submitted-at']) return;
            await coupa.requisitions.action(req.id, 'update_and_submit_for_approval', {}, { fields: ['id', 'status'] });
          },
        },
      };
    },
  });
}
