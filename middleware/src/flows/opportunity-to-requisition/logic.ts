/** Pure parts of the opportunity-to-requisition flows: trigger filter, requisition body, PO summary. */
export { contentStamp, floorSecond } from '../coupa-stamp';
import { soqlQuote } from '../../salesforce/query';
import type { OpportunityToRequisitionOptions } from './options';

export const FLOW_NAME = 'opportunity-to-requisition';
export const STATUS_FLOW_NAME = 'opportunity-to-requisition-status';
export const LINK_GROUP = 'opportunity-to-requisition';
export const OPPORTUNITY_ID_FIELD = 'salesforce-opportunity-id';
export const KEY_PREFIX = 'opportunity-requisition:';

/** A record the flow cannot turn into a requisition; its message is shown to people as is. */
export class RequisitionRecordError extends Error {
  override name = 'RequisitionRecordError';
}

export const OPPORTUNITY_FIELDS = [
  'Name',
  'StageName',
  'Amount',
  'CloseDate',
  'Description',
  'AccountId',
  'Account.Name',
  'Account.Coupa_Supplier_Id__c',
  'OwnerId',
  'Owner.Email',
  'Coupa_Requisition_Id__c'
];

export const LINE_ITEM_FIELDS = [
  'Id',
  'OpportunityId',
  'Name',
  'Description',
  'Quantity',
  'UnitPrice',
  'SortOrder',
  'Product2.Name',
  'Product2.ProductCode',
  'CreatedDate'
];

/** SOQL condition of the trigger: configured stage, no requisition yet, optional record-type and amount filters. */
export function triggerWhere(o: Pick<OpportunityToRequisitionOptions, 'stages' | 'recordTypes' | 'minAmount'>): string {
  const parts = [`StageName IN (${o.stages.map(soqlQuote).join(', ')})`, 'Coupa_Requisition_Id__c = null'];
  if (o.recordTypes) parts.push(`RecordType.DeveloperName IN (${o.recordTypes.map(soqlQuote).join(', ')})`);
  if (o.minAmount !== undefined) parts.push(`Amount >= ${o.minAmount}`);
  return parts.join(' AND ');
}

/** Why an Opportunity read by the trigger should be skipped (it changed since the query), or null. */
export function filteredOut(opp: Record<string, unknown>, o: OpportunityToRequisitionOptions): string | null {
  if (!o.stages.includes(String(opp.StageName))) return `stage ${String(opp.StageName)}`;
  if (opp.Coupa_Requisition_Id__c) return 'already has a requisition';
  if (o.minAmount !== undefined && !(Number(opp.Amount ?? 0) >= o.minAmount)) return `amount below ${o.minAmount}`;
  return null;
}

export const idempotencyKeyOf = (opportunityId: string) => `${KEY_PREFIX}${opportunityId}`;
export const opportunityIdOfKey = (key: string) => (key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : key);

export function supplierIdFor(
  opp: { Account?: { Coupa_Supplier_Id__c?: unknown } | null },
  o: OpportunityToRequisitionOptions
): number | undefined {
  const fromAccount = opp.Account?.Coupa_Supplier_Id__c;
  const accountId =
    fromAccount !== null && fromAccount !== undefined && /^\d+$/.test(String(fromAccount))
      ? Number(fromAccount)
      : undefined;
  return o.supplierFrom === 'config' ? (o.defaultSupplierId ?? accountId) : (accountId ?? o.defaultSupplierId);
}

export interface RequisitionParts {
  opportunityId: string;
  opportunityName: string;
  /** Header values from the mapping (salesforce-to-coupa). */
  header: Record<string, unknown>;
  /** One mapped line per OpportunityLineItem, in order. */
  lines: Record<string, unknown>[];
  requesterLogin: string;
  supplierId?: number;
}

/** The Coupa requisition body: mapped header and lines plus requester, ship-to, supplier and the Opportunity id. */
export function buildRequisition(p: RequisitionParts, o: OpportunityToRequisitionOptions): Record<string, unknown> {
  if (p.lines.length === 0) {
    throw new RequisitionRecordError(
      `Opportunity "${p.opportunityName}" has no products (OpportunityLineItems); add products and save it again to create the Coupa requisition`
    );
  }
  const lines = p.lines.map((line, i) => {
    const qty = Number(line.quantity);
    if (!Number.isFinite(qty) || qty <= 0)
      throw new RequisitionRecordError(`Product line ${i + 1} of "${p.opportunityName}" has no positive quantity`);
    return {
      ...line,
      'line-num': i + 1,
      ...(p.supplierId !== undefined ? { supplier: { id: p.supplierId } } : {})
    };
  });
  const shipTo =
    o.shipToAddressId !== undefined
      ? { id: o.shipToAddressId }
      : o.shipToLocationCode
        ? { 'location-code': o.shipToLocationCode }
        : undefined;
  const customFields = {
    ...((p.header['custom-fields'] as Record<string, unknown> | undefined) ?? {}),
    [OPPORTUNITY_ID_FIELD]: p.opportunityId
  };
  return {
    ...p.header,
    'requested-by': { login: p.requesterLogin },
    ...(shipTo ? { 'ship-to-address': shipTo } : {}),
    'custom-fields': customFields,
    'requisition-lines': lines
  };
}

interface PurchaseOrderLike {
  id: number;
  'po-number'?: string | null;
  status?: string | null;
  total?: unknown;
  'updated-at'?: string | null;
  'order-lines'?: Array<{ total?: unknown; price?: unknown; quantity?: unknown }> | null;
}

export interface PurchaseOrderSummary {
  'po-number': string | null;
  'po-status': string | null;
  'committed-amount': number | null;
}

const NOT_COMMITTED = new Set(['cancelled', 'draft']);

function poTotal(po: PurchaseOrderLike): number {
  if (po.total !== undefined && po.total !== null && po.total !== '') return Number(po.total);
  return (po['order-lines'] ?? []).reduce(
    (s, l) =>
      s +
      (l.total !== undefined && l.total !== null ? Number(l.total) : Number(l.price ?? 0) * Number(l.quantity ?? 1)),
    0
  );
}

/**
 * What the Opportunity shows of the requisition's purchase orders: the PO numbers (comma separated,
 * cut to the 20-character field), the first PO's status and the committed amount (open POs' totals).
 */
export function summarizePurchaseOrders(pos: PurchaseOrderLike[], maxNumberLength = 20): PurchaseOrderSummary {
  if (pos.length === 0) return { 'po-number': null, 'po-status': null, 'committed-amount': null };
  const sorted = [...pos].sort((a, b) => a.id - b.id);
  let numbers = '';
  for (const po of sorted) {
    const n = String(po['po-number'] ?? po.id);
    const next = numbers ? `${numbers}, ${n}` : n;
    if (next.length > maxNumberLength) break;
    numbers = next;
  }
  const committed = sorted.filter((po) => !NOT_COMMITTED.has(String(po.status))).reduce((s, po) => s + poTotal(po), 0);
  return {
    'po-number': numbers || String(sorted[0]['po-number'] ?? sorted[0].id).slice(0, maxNumberLength),
    'po-status': sorted[0].status ?? null,
    'committed-amount': Math.round(committed * 100) / 100
  };
}

/** Latest change of a requisition or any of its POs: the write-back record's timestamp. */
export function latestChange(stamps: Array<string | null | undefined>): string {
  let best: string | null = null;
  for (const s of stamps) if (s && (best === null || Date.parse(s) > Date.parse(best))) best = s;
  if (!best) throw new Error('requisition has no updated-at');
  return best;
}
