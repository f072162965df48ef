/**
 * One definition of invoiced, paid, outstanding and overdue for every Coupa panel, the same as the middleware's
 * spend-summary flow (middleware/src/flows/spend-summary/options.ts, excludedInvoiceStatuses), so the invoice panel,
 * the Opportunity chain and the spend summaries agree.
 */

/** Coupa invoice statuses that are not (or no longer) invoiced spend: never in totals, never overdue. */
export const EXCLUDED_INVOICE_STATUSES = [
  'new',
  'draft',
  'save_as_draft',
  'voided',
  'abandoned',
  'rejected',
  'invalid'
];

/** Rounds to cents, so sums of many amounts do not show binary fractions. */
export const round2 = (n) => Math.round(n * 100) / 100;

/** Today as YYYY-MM-DD in the user's time zone, to compare with Date fields (which have no time zone). */
export function localToday(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** True when the invoice counts as invoiced spend (its status is not excluded). */
export function isCounted(status) {
  return !EXCLUDED_INVOICE_STATUSES.includes(status);
}

/**
 * The figures of one invoice.
 * @param {Object} invoice { status, total, amountPaid, paid (the Paid__c flag), dueDate (YYYY-MM-DD), currency }
 * @param {String} today YYYY-MM-DD
 * @return {Object} { counted, total, paidAmount, outstanding, paid, overdue }
 *   paidAmount: Amount_Paid__c, or the whole total when the invoice is flagged paid without an amount.
 *   paid: flagged paid, or paid in full. overdue: counted, not paid, and due before today.
 */
export function invoiceFigures(invoice, today) {
  const total = typeof invoice.total === 'number' ? invoice.total : 0;
  const flagged = invoice.paid === true;
  const paidAmount = typeof invoice.amountPaid === 'number' ? invoice.amountPaid : flagged ? total : 0;
  const counted = isCounted(invoice.status);
  const paid = flagged || (total > 0 && paidAmount >= total);
  const overdue = counted && !paid && !!invoice.dueDate && invoice.dueDate < today;
  return { counted, total, paidAmount, outstanding: round2(total - paidAmount), paid, overdue };
}

/**
 * Totals per currency over invoices that count (see EXCLUDED_INVOICE_STATUSES):
 * invoiced (gross totals), paid (amounts paid), outstanding = invoiced − paid, overdue (outstanding of overdue invoices).
 * @param {Object[]} rows each with currency and the fields of invoiceFigures
 * @return {Object[]} { currency, count, invoiced, paid, outstanding, overdue }, by currency code
 */
export function totalsByCurrency(rows) {
  const byCurrency = new Map();
  for (const row of rows) {
    if (!row.counted) {
      continue;
    }
    const currency = row.currency || 'USD';
    const t = byCurrency.get(currency) || { currency, count: 0, invoiced: 0, paid: 0, outstanding: 0, overdue: 0 };
    t.count += 1;
    t.invoiced += row.total || 0;
    t.paid += row.paidAmount || 0;
    if (row.overdue) {
      t.overdue += row.outstanding || 0;
    }
    byCurrency.set(currency, t);
  }
  return [...byCurrency.values()]
    .map((t) => ({
      ...t,
      invoiced: round2(t.invoiced),
      paid: round2(t.paid),
      outstanding: round2(t.invoiced - t.paid),
      overdue: round2(t.overdue)
    }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}
