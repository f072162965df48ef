/**
 * invoice-status: Coupa invoice changes (updated-at cursor) → Coupa_Invoice__c upserted by Coupa invoice id, linked to
 * the supplier's Account and (PO → requisition) the Opportunity; a transition into disputed or paid logs one Task.
 * A declared flow: the links are the `connector` hook, the Tasks the `afterWrite` hook.
 */
import type { EffectOutcome, FlowDefinition } from '../../engine';
import type { CompiledMapping } from '../../mapping';
import { soqlQuote } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { defineCoupaToSalesforceFlow } from '../shared/define-flow';
import { RecordWriteError, describeResult } from '../shared/errors';
import { InvoiceLinkResolver } from './links';
import { buildTask, taskEvents, taskLedgerKey, taskSubject, INVOICE_READS, type InvoiceLike } from './logic';
import { parseInvoiceStatusOptions } from './options';

export const INVOICE_STATUS_FLOW = 'invoice-status';

export type CoupaInvoice = InvoiceLike & Record<string, unknown>;

/** The Salesforce field a Coupa attribute is mapped to (e.g. status → Status__c). */
function targetField(mapping: CompiledMapping, coupaPath: string, fallback: string): string {
  return mapping.fields.find((f) => f.owner === 'coupa' && f.spec.coupa === coupaPath)?.spec.salesforce ?? fallback;
}

export function createInvoiceStatusFlow(deps: FlowDeps): FlowDefinition<CoupaInvoice> {
  const options = parseInvoiceStatusOptions(deps.options);
  const mapping = requireMapping(deps, options.mapping);
  const statusField = targetField(mapping, 'status', 'Status__c');
  const paidField = targetField(mapping, 'paid', 'Paid__c');
  const base = deps.coupaBaseUrl.replace(/\/+$/, '');
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ flow: INVOICE_STATUS_FLOW });
  const links = new InvoiceLinkResolver(deps.coupa, deps.salesforce, options, deps.store);
  const urlOf = (id: string | number) => `${base}/invoices/${id}`;

  const flow = defineCoupaToSalesforceFlow<CoupaInvoice>(deps, {
    name: INVOICE_STATUS_FLOW,
    mapping,
    schedule: '*/5 * * * *',
    bulkWrite: true,
    source: { kind: 'changes', reads: INVOICE_READS },
    hooks: {
      // The page's supplier Accounts and requisition Opportunities in a few batched look-ups.
      enrich: (invoices) => links.prefetch(invoices),

      async connector(inv, ctx) {
        const resolved = await links.resolve(inv);
        for (const ref of resolved.missing) ctx.waitFor?.(ref);
        return { accountId: resolved.accountId, opportunityId: resolved.opportunityId, url: urlOf(inv.id) };
      },

      afterWrite: {
        // A transition into disputed or paid, seen against what was last written (never against Salesforce's current
        // state, which may already hold the new values after a crash), logs one Task on the Account.
        plan(inv, payload, ctx) {
          const accountId = ctx.connector.accountId as string | null | undefined;
          if (!accountId) return [];
          const prev = ctx.lastWritten ? { status: ctx.lastWritten[statusField], paid: ctx.lastWritten[paidField] } : null;
          const next = { status: payload[statusField], paid: payload[paidField] };
          const today = now().toISOString().slice(0, 10);
          return taskEvents(prev, next, inv['updated-at'], options.tasks, now()).map((event) => ({
            key: taskLedgerKey(event, inv),
            kind: 'task',
            description: taskSubject(event, inv),
            payload: buildTask(event, inv, { accountId, url: urlOf(inv.id), today, status: options.tasks.status }),
          }));
        },

        async apply(effects): Promise<EffectOutcome[]> {
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

        async find(effect) {
          const found = await deps.salesforce.queryAll<{ Id: string }>(
            `SELECT Id FROM Task WHERE WhatId = ${soqlQuote(String(effect.payload.WhatId))} AND Subject = ${soqlQuote(String(effect.payload.Subject))} LIMIT 1`,
          );
          return found[0]?.Id ?? null;
        },
      },

      // A bulk batch spans pages, and the rows kept for labels are the last page's: the payload's Name is the number.
      label: (item, inv) => `invoice ${inv?.['invoice-number'] ?? item.payload.Name ?? '?'} (Coupa id ${item.sourceId})`,
    },
  });
  // At the end of the stream (every poll, an idle one too) the links made since are read, so invoices waiting on them
  // are planned again by the next run even when no invoice changes.
  const readInvoices = flow.read;
  flow.read = async (req) => {
    const page = await readInvoices(req);
    if (page.length < req.limit) await links.checkLinks(page.map((r) => r.data));
    return page;
  };
  return flow;
}

export { parseInvoiceStatusOptions, type InvoiceStatusOptions } from './options';
export { InvoiceLinkResolver } from './links';
