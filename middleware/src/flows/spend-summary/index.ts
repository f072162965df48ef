/**
 * spend-summary: on a schedule, per linked Account and period (months, fiscal years), committed spend, invoiced, paid,
 * budget and open PO count computed from Coupa POs, invoices and budget lines → Coupa_Spend_Summary__c by Key__c.
 * A declared flow with a snapshot source: each run computes every summary as it is now; the engine's no-op check
 * against what was last written makes an unchanged summary cost no Salesforce write.
 */
import { coupaResources, type FieldProjection } from '../../coupa';
import { hashPayload, type FlowDefinition } from '../../engine';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow } from '../shared/define-flow';
import { chunks } from '../shared/salesforce-writes';
import { computeSummaries, periodsFor, SEGMENTS, windowStart, type BudgetLineLike, type InvoiceLike, type LinkedAccount, type PurchaseOrderLike, type SpendSummary } from './compute';
import { parseSpendSummaryOptions } from './options';

export const SPEND_SUMMARY_FLOW = 'spend-summary';
/** Link/record-key namespace of the computed summaries (no such Coupa resource exists). */
const SOURCE = 'spend_summaries';

const PO_FIELDS: FieldProjection = [
  'id',
  'status',
  'created-at',
  { supplier: ['id'] },
  { currency: ['code'] },
  { 'order-lines': ['total', { account: SEGMENTS }] },
];
const INVOICE_FIELDS: FieldProjection = [
  'id',
  'status',
  'invoice-date',
  'gross-total',
  { supplier: ['id'] },
  { currency: ['code'] },
  { payments: ['amount-paid', 'payment-date'] },
];
const BUDGET_FIELDS: FieldProjection = ['id', 'amount', 'remaining', { period: ['name', 'start-date', 'end-date'] }, { currency: ['code'] }, ...SEGMENTS];

export function createSpendSummaryFlow(deps: FlowDeps): FlowDefinition<SpendSummary & Record<string, unknown>> {
  const options = parseSpendSummaryOptions(deps.options);
  const mapping = requireMapping(deps, options.mapping);
  const now = deps.now ?? (() => new Date());
  const coupa = coupaResources(deps.coupa);
  const log = deps.logger.child({ flow: SPEND_SUMMARY_FLOW });

  async function linkedAccounts(): Promise<LinkedAccount[]> {
    const f = options.accountSupplierIdField;
    const rows = await deps.salesforce.queryAll<Record<string, unknown>>(`SELECT Id, Name, ${f} FROM Account WHERE ${f} != null`);
    return rows.map((r) => ({ accountId: String(r.Id), name: String(r.Name ?? ''), supplierId: String(r[f]) }));
  }

  async function knownKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    for (let offset = 0; ; offset += 1000) {
      const page = await deps.store.listLinks(SPEND_SUMMARY_FLOW, { limit: 1000, offset });
      for (const l of page) keys.add(l.coupaId);
      if (page.length < 1000) return keys;
    }
  }

  /**
   * The latest `updated-at` of any PO, invoice or budget line in Coupa (one row of each, newest first), by Coupa's
   * clock. Compared with the one the last computation saw, it says whether anything may have changed since.
   */
  async function newestChange(): Promise<string | null> {
    let newest: string | null = null;
    for (const resource of [coupa.purchase_orders, coupa.invoices, coupa.budget_lines]) {
      const [row] = await resource.find({ orderBy: 'updated-at', dir: 'desc', fields: ['id', 'updated-at'], limit: 1 });
      const t = (row as { 'updated-at'?: unknown } | undefined)?.['updated-at'];
      if (typeof t === 'string' && (!newest || Date.parse(t) > Date.parse(newest))) newest = t;
    }
    return newest;
  }

  async function summarise(asOf: Date, accounts: LinkedAccount[], periods: ReturnType<typeof periodsFor>): Promise<SpendSummary[]> {
    const start = windowStart(periods);
    if (!start || !accounts.length) return [];
    // A day of slack: Coupa filters read a bare date as midnight UTC, documents carry the instance's offset.
    const since = new Date(Date.parse(`${start}T00:00:00Z`) - 86_400_000).toISOString();
    const supplierIds = [...new Set(accounts.map((a) => a.supplierId))].filter((s) => /^\d+$/.test(s));
    const purchaseOrders: PurchaseOrderLike[] = [];
    const invoices: InvoiceLike[] = [];
    for (const part of chunks(supplierIds, 50)) {
      const filters = { 'supplier[id][in]': part, 'updated-at[gt_or_eq]': since };
      for await (const po of coupa.purchase_orders.list({ filters, fields: PO_FIELDS })) purchaseOrders.push(po as unknown as PurchaseOrderLike);
      for await (const inv of coupa.invoices.list({ filters, fields: INVOICE_FIELDS })) invoices.push(inv as unknown as InvoiceLike);
    }
    const budgetLines: BudgetLineLike[] = [];
    for await (const b of coupa.budget_lines.list({ filters: { 'period[end-date][gt_or_eq]': since }, fields: BUDGET_FIELDS })) budgetLines.push(b as BudgetLineLike);
    const known = await knownKeys();
    const summaries = computeSummaries(
      { accounts, purchaseOrders, invoices, budgetLines, periods, asOf: asOf.toISOString(), known: (k) => known.has(k) },
      options,
    );
    log.debug({ accounts: accounts.length, purchaseOrders: purchaseOrders.length, invoices: invoices.length, budgetLines: budgetLines.length, summaries: summaries.length }, 'spend computed');
    return summaries;
  }

  const omitAsOf = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== options.asOfField));

  return defineCoupaToSalesforceFlow<SpendSummary & Record<string, unknown>>(deps, {
    name: SPEND_SUMMARY_FLOW,
    mapping,
    schedule: '0 * * * *',
    source: {
      kind: 'snapshot',
      object: SOURCE,
      // A run computes the summaries as they are now, unless nothing they depend on changed since the last one: the
      // same linked Accounts and periods (the fingerprint), no Coupa PO, invoice or budget line saved after the newest
      // the last computation saw (three one-row requests), and that computation younger than fullRecomputeHours. The
      // engine writes only the summaries that changed.
      async snapshot(prev) {
        const at = now();
        const accounts = await linkedAccounts();
        const periods = periodsFor(at.toISOString().slice(0, 10), options);
        const fingerprint = hashPayload({
          accounts: accounts.map((a) => [a.accountId, a.supplierId, a.name]).sort(),
          periods,
        });
        const newest = await newestChange();
        const fresh = prev && at.getTime() - Date.parse(prev.takenAt) < options.fullRecomputeHours * 3_600_000;
        // (A document saved later within the same second as the newest one is picked up by the full recompute.)
        if (prev && fresh && prev.fingerprint === fingerprint && (!newest || Date.parse(newest) <= Date.parse(prev.at))) {
          log.debug({ newest }, 'nothing changed since the last spend computation');
          return { unchanged: true };
        }
        const records = (await summarise(at, accounts, periods)).map((s) => ({ id: s.key, ts: at.toISOString(), data: s as SpendSummary & Record<string, unknown>, origin: null }));
        return { records, fingerprint, watermark: newest, takenAt: at.toISOString() };
      },
    },
    hooks: {
      // Figures unchanged: keep the as-of time we last wrote, so the engine sees nothing to write.
      afterMap(payload, _summary, ctx) {
        const last = ctx.lastWritten ?? null;
        if (options.asOfField in payload && last && hashPayload(omitAsOf(payload)) === hashPayload(omitAsOf(last))) {
          return { ...payload, [options.asOfField]: last[options.asOfField] };
        }
        return payload;
      },
      label: (item) => `spend summary ${item.sourceId}`,
    },
  });
}

export { parseSpendSummaryOptions, type SpendSummaryOptions } from './options';
export type { SpendSummary } from './compute';
