/** Pure parts of the invoice-status flow: link keys, status transitions and the Task a transition logs. */
import type { InvoiceStatusOptions } from './options';

/** The Coupa invoice fields this flow reads besides those its mapping names. */
export const INVOICE_READS = [
  'id',
  'invoice-number',
  'status',
  'paid',
  'payment-date',
  'gross-total',
  'currency.code',
  'comments',
  'updated-at',
  'supplier.id',
  'supplier.name',
  'invoice-lines.po-number',
  'payments.amount-paid',
] as const;

export interface InvoiceLike {
  id: number;
  'invoice-number'?: string | null;
  status?: string | null;
  paid?: boolean | null;
  'payment-date'?: string | null;
  'gross-total'?: string | number | null;
  currency?: { code?: string | null } | null;
  comments?: string | null;
  'updated-at'?: string | null;
  supplier?: { id?: number | null; name?: string | null } | null;
  'invoice-lines'?: Array<{ 'po-number'?: string | null }> | null;
  payments?: Array<{ 'amount-paid'?: string | number | null }> | null;
}

/** Σ of the invoice's payments. */
export function amountPaid(inv: InvoiceLike): number {
  return Math.round((inv.payments ?? []).reduce((s, p) => s + (Number(p['amount-paid']) || 0), 0) * 100) / 100;
}

/** Distinct PO numbers the invoice's lines bill against, in line order. */
export function poNumbersOf(inv: InvoiceLike): string[] {
  const out: string[] = [];
  for (const l of inv['invoice-lines'] ?? []) {
    const n = l['po-number'];
    if (n !== null && n !== undefined && n !== '' && !out.includes(String(n))) out.push(String(n));
  }
  return out;
}

export function supplierIdOf(inv: InvoiceLike): string | null {
  const id = inv.supplier?.id;
  return id === null || id === undefined ? null : String(id);
}

/** What Salesforce last held for an invoice (mapped values), or null when it was never written. */
export interface InvoiceState {
  status: unknown;
  paid: unknown;
}

export type TaskEvent = 'disputed' | 'paid';

/**
 * Transitions that log a Task: into the disputed status, or into paid. A re-sync of the same state logs
 * nothing. An invoice never written before counts only if it changed recently (see newInvoiceMaxAgeHours).
 */
export function taskEvents(prev: InvoiceState | null, next: InvoiceState, changedAt: string | null | undefined, opts: InvoiceStatusOptions['tasks'], now: Date): TaskEvent[] {
  if (!prev) {
    const at = changedAt ? Date.parse(changedAt) : NaN;
    if (!Number.isFinite(at) || now.getTime() - at > opts.newInvoiceMaxAgeHours * 3_600_000) return [];
  }
  const events: TaskEvent[] = [];
  if (opts.onDisputed && next.status === opts.disputedStatus && prev?.status !== opts.disputedStatus) events.push('disputed');
  if (opts.onPaid && next.paid === true && prev?.paid !== true) events.push('paid');
  return events;
}

const money = (v: unknown, currency: string | null | undefined) => {
  const n = Number(v);
  return Number.isFinite(n) ? `${n.toFixed(2)}${currency ? ` ${currency}` : ''}` : 'n/a';
};

/** Subject of the Task; with the Account it identifies the Task when a lost answer must be re-checked. */
export function taskSubject(event: TaskEvent, inv: InvoiceLike): string {
  const number = inv['invoice-number'] ?? `#${inv.id}`;
  return `Coupa invoice ${number} ${event === 'disputed' ? 'disputed' : 'paid'}`.slice(0, 255);
}

/** The Task logged on the supplier's Account for a transition. */
export function buildTask(
  event: TaskEvent,
  inv: InvoiceLike,
  ctx: { accountId: string; url: string; today: string; status: string },
): Record<string, unknown> {
  const currency = inv.currency?.code ?? null;
  const lines = [
    `Supplier: ${inv.supplier?.name ?? inv.supplier?.id ?? 'unknown'}`,
    `Invoice total: ${money(inv['gross-total'], currency)}`,
  ];
  if (event === 'disputed') lines.push(`Dispute reason: ${inv.comments?.trim() || 'not given'}`);
  else {
    if (inv.payments?.length) lines.push(`Amount paid: ${money(amountPaid(inv), currency)}`);
    if (inv['payment-date']) lines.push(`Payment date: ${String(inv['payment-date']).slice(0, 10)}`);
  }
  const po = poNumbersOf(inv);
  if (po.length) lines.push(`PO: ${po.join(', ')}`);
  lines.push(`Open in Coupa: ${ctx.url}`);
  return {
    WhatId: ctx.accountId,
    Subject: taskSubject(event, inv),
    Status: ctx.status,
    Priority: event === 'disputed' ? 'High' : 'Normal',
    ActivityDate: ctx.today,
    Description: lines.join('\n'),
  };
}

/** Ledger key that makes one transition log one Task, across retries and restarts. */
export function taskLedgerKey(event: TaskEvent, inv: InvoiceLike): string {
  return `invoice-status:task:${inv.id}:${event}:${inv['updated-at'] ?? ''}`;
}
