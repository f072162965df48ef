/**
 * invoice-status: Coupa invoice changes (updated-at cursor) → Coupa_Invoice__c upserted by Coupa invoice id, linked to
 * the supplier's Account and (PO → requisition) the Opportunity; a transition into disputed or paid logs one Task.
 */
import { coupaResources, projectionFromPaths, type CoupaClient } from '../../coupa';
import type { EffectOutcome, FlowDefinition, LinkRef, PlannedEffect, SourceRecord } from '../../engine';
import { mapRecord, sourcePaths, type CompiledMapping } from '../../mapping';
import { soqlQuote, type SalesforceClient } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { buildTask, poNumbersOf, supplierIdOf, taskEvents, taskLedgerKey, taskSubject, INVOICE_READS, type InvoiceLike } from './logic';
import { parseInvoiceStatusOptions, type InvoiceStatusOptions } from './options';
import { RecordWriteError, classifyFor, describeResult } from '../shared/errors';
import { fetchCoupa } from '../shared/io';
import { chunks, upsertItems } from '../shared/salesforce-writes';

export const INVOICE_STATUS_FLOW = 'invoice-status';
const RESOURCE = 'invoices';

export type CoupaInvoice = InvoiceLike & Record<string, unknown>;

interface Links {
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

/** The Salesforce field a Coupa attribute is mapped to (e.g. status → Status__c). */
function targetField(mapping: CompiledMapping, coupaPath: string, fallback: string): string {
  return mapping.fields.find((f) => f.owner === 'coupa' && f.spec.coupa === coupaPath)?.spec.salesforce ?? fallback;
}

export function createInvoiceStatusFlow(deps: FlowDeps): FlowDefinition<CoupaInvoice> {
  const options = parseInvoiceStatusOptions(deps.options);
  const mapping = requireMapping(deps, options.mapping);
  const sobject = mapping.spec.salesforce.object;
  const externalId = mapping.spec.salesforce.externalId;
  if (!externalId) throw new Error(`mapping ${mapping.name}: salesforce.externalId is required (the invoice upsert key)`);
  const statusField = targetField(mapping, 'status', 'Status__c');
  const paidField = targetField(mapping, 'paid', 'Paid__c');
  const base = deps.coupaBaseUrl.replace(/\/+$/, '');
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ flow: INVOICE_STATUS_FLOW });
  const invoices = coupaResources(deps.coupa).invoices;
  const fields = projectionFromPaths([...sourcePaths(mapping, 'coupa-to-salesforce'), ...INVOICE_READS]);
  const links = new InvoiceLinkResolver(deps.coupa, deps.salesforce, options);
  const urlOf = (id: string | number) => `${base}/invoices/${id}`;
  /** Invoices mapped in the current page, for the Tasks their writes may log. */
  const mapped = new Map<string, { inv: CoupaInvoice; links: Links }>();
  const keyPrefix = `${INVOICE_STATUS_FLOW}:invoice:`;

  return {
    name: INVOICE_STATUS_FLOW,
    source: { system: 'coupa', object: RESOURCE },
    target: { system: 'salesforce', object: sobject },
    trigger: { kind: 'poll', schedule: '*/5 * * * *' },
    batchSize: 200,
    overlapMs: 60_000,
    classify: classifyFor('salesforce'),

    async read({ after, limit }) {
      const since = after ? { updatedAt: after.ts, id: Number(after.id) || 0 } : undefined;
      const page: SourceRecord<CoupaInvoice>[] = [];
      for await (const { record } of invoices.changes({ since, fields, pageSize: Math.min(limit, 50) })) {
        const inv = record as unknown as CoupaInvoice;
        page.push({ id: String(inv.id), ts: String(inv['updated-at']), data: inv, origin: null });
        if (page.length >= limit) break;
      }
      return page;
    },

    // The page's supplier Accounts and requisition Opportunities, for the invoices the engine will plan (not the
    // duplicates an idle re-read of the overlap window returns).
    async enrich(records) {
      mapped.clear();
      await links.prefetch(records.map((r) => r.data));
    },

    fetch: (ids) => fetchCoupa(deps.coupa, RESOURCE, ids, fields) as Promise<SourceRecord<CoupaInvoice>[]>,

    async map(record, ctx) {
      const inv = record.data;
      const resolved = await links.resolve(inv);
      for (const ref of resolved.missing) ctx.waitFor?.(ref);
      const source = { ...inv, connector: { accountId: resolved.accountId, opportunityId: resolved.opportunityId, url: urlOf(inv.id) } };
      const result = await mapRecord(mapping, 'coupa-to-salesforce', source);
      if (!result.included) return null;
      mapped.set(record.id, { inv, links: resolved });
      return result.payload;
    },

    // A transition into disputed or paid, seen against what was last written (never against Salesforce's current
    // state, which may already hold the new values after a crash), logs one Task on the Account.
    effects(record, payload, ctx): PlannedEffect[] {
      const m = mapped.get(record.id);
      if (!m?.links.accountId) return [];
      const prev = ctx.lastWritten ? { status: ctx.lastWritten[statusField], paid: ctx.lastWritten[paidField] } : null;
      const next = { status: payload[statusField], paid: payload[paidField] };
      const today = now().toISOString().slice(0, 10);
      return taskEvents(prev, next, m.inv['updated-at'], options.tasks, now()).map((event) => ({
        key: taskLedgerKey(event, m.inv),
        kind: 'task',
        description: taskSubject(event, m.inv),
        payload: buildTask(event, m.inv, { accountId: m.links.accountId!, url: urlOf(m.inv.id), today, status: options.tasks.status }),
      }));
    },

    async applyEffects(effects): Promise<EffectOutcome[]> {
      const results = await deps.salesforce.create('Task', effects.map((e) => e.payload));
      return effects.map((e, k) => {
        const r = results[k];
        if (r?.success && r.id) {
          log.info({ invoice: e.sourceId, task: r.id, subject: e.description }, 'logged Task on the Account');
          return { ok: true, remoteId: r.id };
        }
        const reason = r ? describeResult(r) : 'no result for record';
        return {
          ok: false,
          error: new RecordWriteError(`the Task on Account ${String(e.payload.WhatId)} could not be logged: ${reason}`, r?.failure ?? { kind: 'ambiguous', retryable: false }),
          response: r?.errors,
        };
      });
    },

    async findEffect(effect) {
      const found = await deps.salesforce.queryAll<{ Id: string }>(
        `SELECT Id FROM Task WHERE WhatId = ${soqlQuote(String(effect.payload.WhatId))} AND Subject = ${soqlQuote(String(effect.payload.Subject))} LIMIT 1`,
      );
      return found[0]?.Id ?? null;
    },

    async write(items) {
      return upsertItems(deps.salesforce, sobject, externalId, items, (item) => {
        const inv = mapped.get(item.sourceId)?.inv;
        return `invoice ${inv?.['invoice-number'] ?? '?'} (Coupa id ${item.sourceId})`;
      });
    },

    idempotencyKey: (record) => `${keyPrefix}${record.id}`,

    async findByIdempotencyKey(key) {
      if (!key.startsWith(keyPrefix)) return null;
      const mappedId = key.slice(keyPrefix.length);
      const rows = await deps.salesforce.queryAll<{ Id: string }>(`SELECT Id FROM ${sobject} WHERE ${externalId} = ${soqlQuote(mappedId)} LIMIT 1`);
      return rows[0]?.Id ?? null;
    },
  };
}

export { parseInvoiceStatusOptions, type InvoiceStatusOptions } from './options';
