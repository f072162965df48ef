/**
 * invoice-status: Coupa invoice changes (updated-at cursor) → Coupa_Invoice__c upserted by Coupa invoice id, linked to
 * the supplier's Account and (PO → requisition) the Opportunity; a transition into disputed or paid logs one Task.
 */
import { coupaResources, projectionFromPaths, type CoupaClient } from '../../coupa';
import type { FlowDefinition, SourceRecord, WriteItem, WriteOutcome } from '../../engine';
import { mapRecord, sourcePaths, type CompiledMapping } from '../../mapping';
import { soqlQuote, type SalesforceClient } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { buildTask, poNumbersOf, supplierIdOf, taskEvents, taskLedgerKey, taskSubject, INVOICE_READS, type InvoiceLike, type InvoiceState, type TaskEvent } from './logic';
import { parseInvoiceStatusOptions, type InvoiceStatusOptions } from './options';
import { chunks, classifyFlowError, describeResult, RecordWriteError, upsertItems } from './write';

export const INVOICE_STATUS_FLOW = 'invoice-status';
const RESOURCE = 'invoices';

export type CoupaInvoice = InvoiceLike & Record<string, unknown>;

interface Links {
  accountId: string | null;
  opportunityId: string | null;
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
    return { accountId: (supplier && this.accounts.get(supplier)) || null, opportunityId };
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
    const reqs = [...new Set([...this.poRequisitions.values()].filter((r): r is string => !!r))].filter((r) => !this.opportunities.has(r));
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

  async function findByExternalId(values: string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const part of chunks(values, 100)) {
      const rows = await deps.salesforce.queryAll<Record<string, unknown>>(
        `SELECT Id, ${externalId}, ${statusField}, ${paidField} FROM ${sobject} WHERE ${externalId} IN (${part.map(soqlQuote).join(',')})`,
      );
      for (const r of rows) out.set(String(r[externalId!]), r);
    }
    return out;
  }

  /** What Salesforce held before this write: our last write (echo ledger) or, if never linked, the record itself. */
  async function previousStates(items: WriteItem[]): Promise<Map<string, InvoiceState | null>> {
    const out = new Map<string, InvoiceState | null>();
    const unknown: WriteItem[] = [];
    for (const item of items) {
      const link = await deps.store.findLink(INVOICE_STATUS_FLOW, 'coupa', RESOURCE, item.sourceId);
      const echo = link ? await deps.store.getEcho(INVOICE_STATUS_FLOW, link.id, 'to-salesforce') : null;
      const last = echo?.payload as Record<string, unknown> | null | undefined;
      if (last) out.set(item.sourceId, { status: last[statusField], paid: last[paidField] });
      else unknown.push(item);
    }
    if (unknown.length) {
      const existing = await findByExternalId(unknown.map((i) => String(i.payload[externalId!])));
      for (const item of unknown) {
        const r = existing.get(String(item.payload[externalId!]));
        out.set(item.sourceId, r ? { status: r[statusField], paid: r[paidField] } : null);
      }
    }
    return out;
  }

  interface PendingTask {
    index: number;
    key: string;
    event: TaskEvent;
    record: Record<string, unknown>;
  }

  /** Logs the Tasks of a batch's transitions; returns per item index the error that stopped one, if any. */
  async function logTasks(items: WriteItem[], outcomes: WriteOutcome[], prev: Map<string, InvoiceState | null>): Promise<Map<number, unknown>> {
    const failed = new Map<number, unknown>();
    const pending: PendingTask[] = [];
    const today = now().toISOString().slice(0, 10);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const m = mapped.get(item.sourceId);
      if (!outcomes[i].ok || !m?.links.accountId) continue;
      const next = { status: item.payload[statusField], paid: item.payload[paidField] };
      for (const event of taskEvents(prev.get(item.sourceId) ?? null, next, m.inv['updated-at'], options.tasks, now())) {
        const key = taskLedgerKey(event, m.inv);
        const { created, entry } = await deps.store.beginIdempotent(key, INVOICE_STATUS_FLOW);
        if (!created && entry.state === 'done') continue;
        const record = buildTask(event, m.inv, { accountId: m.links.accountId, url: urlOf(m.inv.id), today, status: options.tasks.status });
        if (!created) {
          // An earlier attempt may have created the Task and lost the answer: look before creating again.
          const found = await deps.salesforce.queryAll<{ Id: string }>(
            `SELECT Id FROM Task WHERE WhatId = ${soqlQuote(m.links.accountId)} AND Subject = ${soqlQuote(taskSubject(event, m.inv))} LIMIT 1`,
          );
          if (found.length) {
            await deps.store.completeIdempotent(key, found[0].Id);
            continue;
          }
        }
        pending.push({ index: i, key, event, record });
      }
    }
    if (!pending.length) return failed;
    const results = await deps.salesforce.create('Task', pending.map((p) => p.record));
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k];
      const r = results[k];
      if (r?.success && r.id) {
        await deps.store.completeIdempotent(p.key, r.id);
        log.info({ invoice: items[p.index].sourceId, event: p.event, task: r.id }, 'logged Task on the Account');
      } else {
        const reason = r ? describeResult(r) : 'no result for record';
        failed.set(
          p.index,
          new RecordWriteError(`invoice saved, but the "${p.event}" Task on Account ${String(p.record.WhatId)} could not be logged: ${reason}`, r?.failure ?? { kind: 'ambiguous', retryable: false }),
        );
      }
    }
    return failed;
  }

  return {
    name: INVOICE_STATUS_FLOW,
    source: { system: 'coupa', object: RESOURCE },
    target: { system: 'salesforce', object: sobject },
    trigger: { kind: 'poll', schedule: '*/5 * * * *' },
    batchSize: 200,
    overlapMs: 60_000,
    classify: classifyFlowError,

    async read({ after, limit }) {
      const since = after ? { updatedAt: after.ts, id: Number(after.id) || 0 } : undefined;
      const page: SourceRecord<CoupaInvoice>[] = [];
      for await (const { record } of invoices.changes({ since, fields, pageSize: Math.min(limit, 50) })) {
        const inv = record as unknown as CoupaInvoice;
        page.push({ id: String(inv.id), ts: String(inv['updated-at']), data: inv, origin: null });
        if (page.length >= limit) break;
      }
      mapped.clear();
      await links.prefetch(page.map((r) => r.data));
      return page;
    },

    async map(record) {
      const inv = record.data;
      const resolved = await links.resolve(inv);
      const source = { ...inv, connector: { ...resolved, url: urlOf(inv.id) } };
      const result = await mapRecord(mapping, 'coupa-to-salesforce', source);
      if (!result.included) return null;
      mapped.set(record.id, { inv, links: resolved });
      return result.payload;
    },

    async write(items) {
      const prev = await previousStates(items);
      const outcomes = await upsertItems(deps.salesforce, sobject, externalId, items, (item) => {
        const inv = mapped.get(item.sourceId)?.inv;
        return `invoice ${inv?.['invoice-number'] ?? '?'} (Coupa id ${item.sourceId})`;
      });
      const taskFailures = await logTasks(items, outcomes, prev);
      return outcomes.map((o, i) => (taskFailures.has(i) ? { ok: false, error: taskFailures.get(i), request: { op: 'create', sobject: 'Task' } } : o));
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
