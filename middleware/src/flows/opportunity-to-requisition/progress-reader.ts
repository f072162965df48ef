/**
 * The source of the requisition status write-back: requisitions that carry an Opportunity id, each with a summary of
 * its purchase orders, as one change stream. A requisition is read again when it changed or one of its POs did.
 */
import { coupaResources, projectionFromPaths, type CoupaClient, type CoupaRecord, type FieldProjection } from '../../coupa';
import { compareCursors, type Cursor, type SourceRecord } from '../../engine';
import { chunks } from '../shared/salesforce-writes';
import { contentStamp, floorSecond, latestChange, OPPORTUNITY_ID_FIELD, summarizePurchaseOrders } from './logic';

type Requisition = CoupaRecord<'requisitions'>;
type PurchaseOrder = CoupaRecord<'purchase_orders'>;

const CF_FILTER = `custom_fields[${OPPORTUNITY_ID_FIELD}]`;
const IN_CHUNK = 50;
/** What a PO contributes to the summary; the PO change stream reads it, so a changed PO is never read again. */
export const PO_FIELDS = projectionFromPaths(['id', 'po-number', 'status', 'updated-at', 'requisition-header.id', 'order-lines.total', 'order-lines.price', 'order-lines.quantity']);
/** Requisitions remembered with their POs; past this the memory starts again (misses are read, never guessed). */
export const MAX_KNOWN_REQUISITIONS = 20_000;

const requisitionIdOf = (po: PurchaseOrder): number | null => (po['requisition-header'] as { id?: number } | null | undefined)?.id ?? null;
const stampOf = (r: { 'updated-at'?: unknown }) => (typeof r['updated-at'] === 'string' ? r['updated-at'] : null);

export interface ProgressReaderOptions {
  requisitionFields: FieldProjection;
  /** The Opportunity a requisition names, or null (not ours). */
  linked(req: Record<string, unknown>): string | null;
}

export class RequisitionProgressReader {
  /**
   * Linked requisitions as last read, with every PO they have: a requisition re-read in the overlap window, or named
   * by a PO change, needs no look-up. Valid only while reads are contiguous: every PO change made since an entry was
   * built was in a later read's PO stream (see `coveredUntil`).
   */
  private readonly known = new Map<number, { req: Requisition; pos: Map<number, PurchaseOrder> }>();
  /** The newest `updated-at` the last read saw (or its start): a change made after that read is stamped later. */
  private coveredUntil: string | null = null;

  constructor(
    private readonly coupa: CoupaClient,
    private readonly opts: ProgressReaderOptions,
  ) {}

  /** How many requisitions are remembered (tests and metrics). */
  get size(): number {
    return this.known.size;
  }

  async read({ after, limit }: { after: Cursor | null; limit: number }): Promise<SourceRecord<Record<string, unknown>>[]> {
    const coupa = coupaResources(this.coupa);
    const since = after ? { updatedAt: floorSecond(after.ts), id: 0 } : undefined;
    // A gap since the last read (another instance ran the flow, the checkpoint was moved): PO changes in it were
    // never seen here, so nothing remembered can be trusted.
    if (!since || !this.coveredUntil || Date.parse(since.updatedAt) > Date.parse(this.coveredUntil) || this.known.size > MAX_KNOWN_REQUISITIONS) this.known.clear();
    let newest = since?.updatedAt ?? null;
    const seen = (ts: string | null) => {
      if (ts && (!newest || Date.parse(ts) > Date.parse(newest))) newest = ts;
    };

    const reqs = new Map<number, Requisition>();
    let horizon: string | null = null;
    let n = 0;
    for await (const { record, cursor } of coupa.requisitions.changes({ since, filters: { [`${CF_FILTER}[blank]`]: false }, fields: this.opts.requisitionFields })) {
      reqs.set(record.id, record);
      seen(cursor.updatedAt);
      // Read well past one page: the runner re-reads its overlap window, and a page of only already-seen
      // records would end the run without moving the checkpoint.
      if (++n >= limit * 10) {
        horizon = cursor.updatedAt;
        break;
      }
    }
    // Every PO change since the cursor: capping this stream could starve the flow when many POs that are not ours
    // change, since the checkpoint only moves past requisitions it emits.
    const changedPos = new Map<number, PurchaseOrder[]>();
    for await (const { record } of coupa.purchase_orders.changes({ since, fields: PO_FIELDS })) {
      seen(stampOf(record));
      const reqId = requisitionIdOf(record);
      if (reqId !== null) changedPos.set(reqId, [...(changedPos.get(reqId) ?? []), record]);
    }
    // A requisition only a PO change names is as last read when the requisition stream was read to its end (a change
    // of it would have been there); otherwise it is read by id.
    const unread: number[] = [];
    for (const id of changedPos.keys()) {
      if (reqs.has(id)) continue;
      const entry = this.known.get(id);
      if (entry && !horizon) reqs.set(id, entry.req);
      else unread.push(id);
    }
    for (const ids of chunks(unread, IN_CHUNK)) {
      for await (const r of coupa.requisitions.list({ filters: { 'id[in]': ids, [`${CF_FILTER}[blank]`]: false }, fields: this.opts.requisitionFields })) reqs.set(r.id, r);
    }
    const linked = [...reqs.values()].filter((r) => this.opts.linked(r as unknown as Record<string, unknown>));
    // POs of requisitions not remembered (first read since start, or after a gap): one look-up per 50.
    const fetched = await this.purchaseOrdersOf(linked.filter((r) => !this.known.has(r.id)).map((r) => r.id));
    for (const r of linked) {
      const entry = this.known.get(r.id);
      if (entry) {
        entry.req = r;
        for (const po of changedPos.get(r.id) ?? []) entry.pos.set(po.id, po);
      } else {
        this.known.set(r.id, { req: r, pos: new Map((fetched.get(r.id) ?? []).map((po) => [po.id, po])) });
      }
    }
    this.coveredUntil = newest;

    const records: SourceRecord<Record<string, unknown>>[] = [];
    const beyond: SourceRecord<Record<string, unknown>>[] = [];
    for (const r of linked) {
      const mine = [...this.known.get(r.id)!.pos.values()];
      const summary = summarizePurchaseOrders(mine as never);
      const latest = latestChange([r['updated-at'] as string, ...mine.map((p) => p['updated-at'] as string)]);
      const ts = contentStamp(latest, [r.status, summary]);
      const cursor: Cursor = { ts, id: String(r.id) };
      if (after && compareCursors(cursor, after) <= 0) continue;
      const rec = { id: String(r.id), ts, data: { ...r, 'purchase-order-summary': summary } as Record<string, unknown> };
      // Past the last requisition second read, other requisitions may not have been read yet.
      if (horizon && Date.parse(ts) >= Date.parse(horizon) + 1000) beyond.push(rec);
      else records.push(rec);
    }
    const page = records.length >= limit ? records : [...records, ...beyond];
    return page.sort((a, b) => compareCursors(a, b)).slice(0, limit);
  }

  private async purchaseOrdersOf(reqIds: number[]): Promise<Map<number, PurchaseOrder[]>> {
    const out = new Map<number, PurchaseOrder[]>();
    const purchaseOrders = coupaResources(this.coupa).purchase_orders;
    for (const ids of chunks(reqIds, IN_CHUNK)) {
      for await (const po of purchaseOrders.list({ filters: { 'requisition-header[id][in]': ids }, fields: PO_FIELDS })) {
        const reqId = requisitionIdOf(po);
        if (reqId !== null) out.set(reqId, [...(out.get(reqId) ?? []), po]);
      }
    }
    return out;
  }
}
