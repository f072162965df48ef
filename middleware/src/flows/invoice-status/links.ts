/** Salesforce Account and Opportunity ids of a page of invoices: supplier id → Account, PO → requisition → Opportunity. */
import type { CoupaClient } from '../../coupa';
import { dependencyKey, type LinkRef } from '../../engine';
import { soqlDateTime, soqlQuote, type SalesforceClient } from '../../salesforce';
import type { StateStore } from '../../store';
import { chunks } from '../shared/salesforce-writes';
import { LinkedPurchaseOrders, type Learned } from './linked-pos';
import { poNumbersOf, supplierIdOf, type InvoiceLike } from './logic';
import type { InvoiceStatusOptions } from './options';

/**
 * What an invoice whose PO is in no linked requisition waits on: only this resolver releases it, when it learns that
 * the PO belongs to a requisition an Opportunity names (Coupa ids are not the numbers invoices carry).
 */
export const PO_NUMBER_OBJECT = 'purchase_order_numbers';

export interface Links {
  accountId: string | null;
  opportunityId: string | null;
  /**
   * Links that do not exist yet (supplier without Account, requisition without Opportunity, PO in no linked
   * requisition): the invoice waits on them.
   */
  missing: LinkRef[];
}

const stampKey = (inv: InvoiceLike) => `${inv.id}@${inv['updated-at'] ?? ''}`;
const newestStamp = (invoices: InvoiceLike[]): string | null =>
  invoices.reduce<string | null>((a, i) => {
    const t = i['updated-at'];
    return t && (!a || Date.parse(t) > Date.parse(a)) ? t : a;
  }, null);

/**
 * Salesforce Account / Opportunity ids for a page of invoices. Only requisitions an Opportunity names can give an
 * Opportunity, so the resolver keeps their POs (`LinkedPurchaseOrders`) and reads, per page, the Opportunities whose
 * requisition id changed since the last page: a PO number it does not know costs no Coupa call.
 */
export class InvoiceLinkResolver {
  private accounts = new Map<string, string | null>();
  private opportunities = new Map<string, string | null>();
  private readonly pos: LinkedPurchaseOrders;
  /** Requisition → Opportunity as the change query last saw it (a new or moved link releases what waits on it). */
  private readonly linkedSeen = new Map<string, string>();
  /** SystemModstamp of the newest linked Opportunity read: later pages read those changed since (null: all). */
  private opportunitiesSince: string | null = null;
  /** The page checkLinks read the links after (the stream's last), until the next load. */
  private linksReadFor = new Set<string>();
  /** Invoices of this page already loaded for: the map was brought up to date for them, so resolving one reads nothing. */
  private readonly loaded = new Set<string>();

  constructor(
    coupa: CoupaClient,
    private readonly sf: SalesforceClient,
    private readonly opts: Pick<InvoiceStatusOptions, 'accountSupplierIdField' | 'opportunityRequisitionIdField'>,
    private readonly store: Pick<StateStore, 'releaseWaiting'>,
  ) {
    this.pos = new LinkedPurchaseOrders(coupa);
  }

  /** Looks up every link of a page with a few batched calls; fresh per page, so new Account links are seen. */
  async prefetch(invoices: InvoiceLike[]): Promise<void> {
    this.accounts.clear();
    this.opportunities.clear();
    this.loaded.clear();
    await this.load(invoices);
  }

  /**
   * Reads the links made since the last look and releases what waited on them (no page needed). `page`: invoices
   * read just before, whose load then need not read the links again.
   */
  async checkLinks(page: InvoiceLike[] = []): Promise<void> {
    await this.release(await this.readLinkChanges());
    this.linksReadFor = new Set(page.map(stampKey));
  }

  async resolve(inv: InvoiceLike): Promise<Links> {
    const supplier = supplierIdOf(inv);
    const pos = poNumbersOf(inv);
    const reqsOf = () => [...new Set(pos.map((p) => this.pos.requisitionOf(p)).filter((r): r is string => !!r))];
    const mayMissPo = !this.loaded.has(stampKey(inv)) && pos.some((p) => this.pos.isOpen(p)) && this.pos.mayBeNewer(inv['updated-at']);
    if ((supplier && !this.accounts.has(supplier)) || mayMissPo || reqsOf().some((r) => !this.opportunities.has(r))) await this.load([inv]);
    const reqs = reqsOf();
    const opportunityId = reqs.map((r) => this.opportunities.get(r)).find((o) => !!o) ?? null;
    const accountId = (supplier && this.accounts.get(supplier)) || null;
    const missing: LinkRef[] = [];
    if (supplier && !accountId) missing.push({ system: 'coupa', object: 'suppliers', id: supplier });
    if (!opportunityId) {
      for (const r of reqs) missing.push({ system: 'coupa', object: 'requisitions', id: r });
      for (const p of pos) if (this.pos.requisitionOf(p) === undefined) missing.push({ system: 'coupa', object: PO_NUMBER_OBJECT, id: p });
    }
    return { accountId, opportunityId, missing };
  }

  private async load(invoices: InvoiceLike[]): Promise<void> {
    const { accountSupplierIdField: af, opportunityRequisitionIdField: of } = this.opts;
    const suppliers = [...new Set(invoices.map(supplierIdOf).filter((s): s is string => !!s))].filter((s) => !this.accounts.has(s));
    for (const part of chunks(suppliers, 100)) {
      for (const s of part) this.accounts.set(s, null);
      const rows = await this.sf.queryAll<Record<string, unknown>>(`SELECT Id, ${af} FROM Account WHERE ${af} IN (${part.map(soqlQuote).join(',')})`);
      for (const r of rows) this.accounts.set(String(r[af]), String(r.Id));
    }

    // The stream's last page: its links were read after it was (checkLinks), no second query.
    const fresh = invoices.length > 0 && invoices.every((i) => this.linksReadFor.has(stampKey(i)));
    this.linksReadFor.clear();
    const learned = fresh ? { poNumbers: [], requisitions: [] } : await this.readLinkChanges();
    // A PO the map lacks on an invoice newer than the map may be a new PO of a linked requisition: read the PO stream.
    const open = invoices.filter((inv) => poNumbersOf(inv).some((p) => this.pos.isOpen(p)) && this.pos.mayBeNewer(inv['updated-at']));
    if (open.length) merge(learned, await this.pos.refresh(newestStamp(invoices)));
    // Every invoice of the load is now covered (read before the stream, or older than the map): its POs exist.
    this.pos.settle(invoices.flatMap(poNumbersOf));
    await this.release(learned);
    for (const inv of invoices) this.loaded.add(stampKey(inv));

    const reqs = [
      ...new Set(
        invoices
          .flatMap(poNumbersOf)
          .map((p) => this.pos.requisitionOf(p))
          .filter((r): r is string => !!r),
      ),
    ].filter((r) => !this.opportunities.has(r));
    for (const part of chunks(reqs, 100)) {
      for (const r of part) this.opportunities.set(r, null);
      const rows = await this.sf.queryAll<Record<string, unknown>>(`SELECT Id, ${of} FROM Opportunity WHERE ${of} IN (${part.map(soqlQuote).join(',')})`);
      for (const r of rows) this.opportunities.set(String(r[of]), String(r.Id));
    }
  }

  /**
   * Opportunities whose requisition id changed since the last page (all of them the first time), in one query: their
   * requisitions become linked (POs loaded) and what waited on them is released. People may set the field by hand.
   */
  private async readLinkChanges(): Promise<Learned> {
    const of = this.opts.opportunityRequisitionIdField;
    const since = this.opportunitiesSince ? ` AND SystemModstamp >= ${soqlDateTime(this.opportunitiesSince, 'floor')}` : '';
    const rows = await this.sf.queryAll<Record<string, unknown>>(`SELECT Id, ${of}, SystemModstamp FROM Opportunity WHERE ${of} != null${since}`);
    const moved: string[] = [];
    for (const r of rows) {
      const req = String(r[of]);
      const opp = String(r.Id);
      this.opportunities.set(req, opp);
      if (this.linkedSeen.get(req) !== opp) moved.push(req);
      this.linkedSeen.set(req, opp);
      const stamp = typeof r.SystemModstamp === 'string' ? r.SystemModstamp : null;
      if (stamp && (!this.opportunitiesSince || Date.parse(stamp) > Date.parse(this.opportunitiesSince))) this.opportunitiesSince = stamp;
    }
    const learned = await this.pos.link(moved);
    learned.requisitions = moved;
    return learned;
  }

  private async release(learned: Learned): Promise<void> {
    const keys = [
      ...learned.requisitions.map((id) => dependencyKey({ system: 'coupa', object: 'requisitions', id })),
      ...learned.poNumbers.map((id) => dependencyKey({ system: 'coupa', object: PO_NUMBER_OBJECT, id })),
    ];
    if (keys.length) await this.store.releaseWaiting(keys);
  }
}

function merge(into: Learned, more: Learned): void {
  into.poNumbers.push(...more.poNumbers);
  into.requisitions.push(...more.requisitions);
}
