/**
 * PO number → requisition, for the requisitions an Opportunity names only. An invoice's PO that is not here has no
 * linked requisition, so a backfill looks up nothing per page: the cost is one load per newly linked requisitions (50
 * per request) and, when an invoice may name a PO made since, one read of the PO change stream.
 */
import { coupaResources, type CoupaClient, type CoupaRecord, type FieldProjection, type UpdatedAtCursor } from '../../coupa';
import { chunks } from '../shared/salesforce-writes';

type PurchaseOrder = CoupaRecord<'purchase_orders'>;

const PO_FIELDS: FieldProjection = ['id', 'po-number', 'updated-at', { 'requisition-header': ['id'] }];
const IN_CHUNK = 50;
/** PO numbers remembered as in no linked requisition; past this the memory starts again. */
const MAX_SETTLED = 200_000;

/** What a load or a refresh added: the POs (by number) and requisitions now known to be linked. */
export interface Learned {
  poNumbers: string[];
  requisitions: string[];
}

const requisitionOf = (po: PurchaseOrder): string | null => {
  const id = (po['requisition-header'] as { id?: number | null } | null | undefined)?.id;
  return id === undefined || id === null ? null : String(id);
};
const instant = (ts: string | null | undefined): number => (ts ? Date.parse(ts) : Number.NaN);

export class LinkedPurchaseOrders {
  private readonly linked = new Set<string>();
  private readonly byNumber = new Map<string, string>();
  /**
   * Where the PO change stream resumes (re-reading its last second: same-second changes may commit late). Set just
   * before the first requisition's POs are loaded, so every PO made after a load is in a later read of the stream.
   */
  private cursor: UpdatedAtCursor | null = null;
  private started = false;
  /**
   * Coupa time before which every PO of a linked requisition is known: an invoice stamped earlier can only name POs
   * that existed then. Advanced by the stream (its newest PO) and by the invoices read before a stream read.
   */
  private coveredBefore = Number.NEGATIVE_INFINITY;

  /**
   * PO numbers known to be in no linked requisition: seen on an invoice the map covered. A requisition's POs never
   * change requisition, and one that becomes linked has its POs loaded, so the answer holds until then.
   */
  private readonly settled = new Set<string>();

  constructor(private readonly coupa: CoupaClient) {}

  /** A PO number neither in the map nor known to be outside it: an invoice newer than the map naming it needs the stream. */
  isOpen(poNumber: string): boolean {
    return !this.byNumber.has(poNumber) && !this.settled.has(poNumber);
  }

  /** PO numbers named by invoices the map covers (existing POs): not in the map means in no linked requisition. */
  settle(poNumbers: string[]): void {
    // Forgetting costs a stream read, never a wrong answer.
    if (this.settled.size > MAX_SETTLED) this.settled.clear();
    for (const p of poNumbers) if (!this.byNumber.has(p)) this.settled.add(p);
  }

  /** The linked requisition of a PO, or undefined (none, or the PO is newer than the map: see `mayBeNewer`). */
  requisitionOf(poNumber: string): string | undefined {
    return this.byNumber.get(poNumber);
  }

  isLinked(requisitionId: string): boolean {
    return this.linked.has(requisitionId);
  }

  /** Nothing linked yet: no PO can be in the map, and the stream need not be read. */
  get empty(): boolean {
    return this.linked.size === 0;
  }

  /** Whether an invoice stamped `updatedAt` may name a PO of a linked requisition made after the map was brought up to date. */
  mayBeNewer(updatedAt: string | null | undefined): boolean {
    if (this.empty) return false;
    const t = instant(updatedAt);
    return Number.isNaN(t) || t >= this.coveredBefore;
  }

  /** Requisitions an Opportunity names: the new ones have their POs loaded (one request per 50). */
  async link(requisitionIds: string[]): Promise<Learned> {
    const fresh = [...new Set(requisitionIds)].filter((r) => !this.linked.has(r));
    const learned: Learned = { poNumbers: [], requisitions: fresh };
    if (!fresh.length) return learned;
    await this.start();
    const purchaseOrders = coupaResources(this.coupa).purchase_orders;
    for (const part of chunks(fresh, IN_CHUNK)) {
      for (const r of part) this.linked.add(r);
      for await (const po of purchaseOrders.list({ filters: { 'requisition-header[id][in]': part }, fields: PO_FIELDS })) this.add(po, learned);
    }
    return learned;
  }

  /**
   * Reads the PO change stream since the last read. `readBefore`: the newest `updated-at` of the invoices read before
   * this call; they and their POs existed when the stream was read, so invoices stamped before it are covered.
   */
  async refresh(readBefore: string | null): Promise<Learned> {
    const learned: Learned = { poNumbers: [], requisitions: [] };
    if (this.empty) return learned;
    await this.start();
    let newest = this.cursor?.updatedAt ?? null;
    const purchaseOrders = coupaResources(this.coupa).purchase_orders;
    for await (const { record, cursor } of purchaseOrders.changes({ since: this.cursor ?? undefined, fields: PO_FIELDS })) {
      this.add(record, learned);
      if (!newest || instant(cursor.updatedAt) > instant(newest)) newest = cursor.updatedAt;
    }
    if (newest) this.cursor = { updatedAt: newest, id: 0 };
    this.coveredBefore = Math.max(this.coveredBefore, instant(newest) || Number.NEGATIVE_INFINITY, instant(readBefore) || Number.NEGATIVE_INFINITY);
    return learned;
  }

  /** The stream's starting point: the newest PO now (one request), so POs made after the loads are read later. */
  private async start(): Promise<void> {
    if (this.started) return;
    const [newest] = await coupaResources(this.coupa).purchase_orders.find({ orderBy: 'updated-at', dir: 'desc', limit: 1, fields: ['id', 'updated-at'] });
    const at = newest?.['updated-at'];
    this.cursor = typeof at === 'string' ? { updatedAt: at, id: 0 } : null;
    if (typeof at === 'string') this.coveredBefore = instant(at);
    this.started = true;
  }

  private add(po: PurchaseOrder, learned: Learned): void {
    const req = requisitionOf(po);
    const n = po['po-number'];
    if (req === null || n === null || n === undefined || !this.linked.has(req)) return;
    if (this.byNumber.get(String(n)) === req) return;
    this.byNumber.set(String(n), req);
    learned.poNumbers.push(String(n));
  }
}
