/** Salesforce Account and Opportunity ids of a page of invoices: supplier id → Account, PO → requisition → Opportunity. */
import { coupaResources, type CoupaClient } from '../../coupa';
import type { LinkRef } from '../../engine';
import { soqlQuote, type SalesforceClient } from '../../salesforce';
import { chunks } from '../shared/salesforce-writes';
import { poNumbersOf, supplierIdOf, type InvoiceLike } from './logic';
import type { InvoiceStatusOptions } from './options';

export interface Links {
  accountId: string | null;
  opportunityId: string | null;
  /** Links that do not exist yet (supplier without Account, requisition without Opportunity): the invoice waits on them. */
  missing: LinkRef[];
}

/** Salesforce Account / Opportunity ids for a page of invoices (supplier id → Account, PO → requisition → Opportunity). */
export class InvoiceLinkResolver {
  private accounts = new Map<string, string | null>();
  private poRequisitions = new Map<string, string | null>();
  private opportunities = new Map<string, string | null>();

  constructor(
    private readonly coupa: CoupaClient,
    private readonly sf: SalesforceClient,
    private readonly opts: Pick<InvoiceStatusOptions, 'accountSupplierIdField' | 'opportunityRequisitionIdField'>,
  ) {}

  /** Looks up every link of a page with a few batched calls; fresh per page, so new Account links are seen. */
  async prefetch(invoices: InvoiceLike[]): Promise<void> {
    this.accounts.clear();
    this.opportunities.clear();
    // PO → requisition never changes, so it is kept across pages; bounded for long-running processes.
    if (this.poRequisitions.size > 50_000) this.poRequisitions.clear();
    await this.load(invoices);
  }

  async resolve(inv: InvoiceLike): Promise<Links> {
    const supplier = supplierIdOf(inv);
    const pos = poNumbersOf(inv);
    if ((supplier && !this.accounts.has(supplier)) || pos.some((p) => !this.poRequisitions.has(p))) await this.load([inv]);
    const reqs = pos.map((p) => this.poRequisitions.get(p)).filter((r): r is string => !!r);
    if (reqs.some((r) => !this.opportunities.has(r))) await this.load([inv]);
    const opportunityId = reqs.map((r) => this.opportunities.get(r)).find((o) => !!o) ?? null;
    const accountId = (supplier && this.accounts.get(supplier)) || null;
    const missing: LinkRef[] = [];
    if (supplier && !accountId) missing.push({ system: 'coupa', object: 'suppliers', id: supplier });
    if (!opportunityId) for (const r of reqs) missing.push({ system: 'coupa', object: 'requisitions', id: r });
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
    const poNumbers = [...new Set(invoices.flatMap(poNumbersOf))].filter((p) => !this.poRequisitions.has(p));
    const purchaseOrders = coupaResources(this.coupa).purchase_orders;
    for (const part of chunks(poNumbers, 50)) {
      for (const p of part) this.poRequisitions.set(p, null);
      for await (const po of purchaseOrders.list({ filters: { 'po-number[in]': part }, fields: ['id', 'po-number', { 'requisition-header': ['id'] }] })) {
        const req = (po as { 'requisition-header'?: { id?: number } | null })['requisition-header']?.id;
        this.poRequisitions.set(String(po['po-number']), req === undefined || req === null ? null : String(req));
      }
    }
    // Only the requisitions of these invoices: the PO cache spans pages, and looking up every requisition it holds
    // would make each page's Salesforce queries grow with the pages read before it.
    const reqs = [
      ...new Set(
        invoices
          .flatMap(poNumbersOf)
          .map((p) => this.poRequisitions.get(p))
          .filter((r): r is string => !!r),
      ),
    ].filter((r) => !this.opportunities.has(r));
    for (const part of chunks(reqs, 100)) {
      for (const r of part) this.opportunities.set(r, null);
      const rows = await this.sf.queryAll<Record<string, unknown>>(`SELECT Id, ${of} FROM Opportunity WHERE ${of} IN (${part.map(soqlQuote).join(',')})`);
      for (const r of rows) this.opportunities.set(String(r[of]), String(r.Id));
    }
  }
}
