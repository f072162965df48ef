import fs from 'fs';
import path from 'path';
import {
  EXCLUDED_INVOICE_STATUSES,
  invoiceFigures,
  isCounted,
  localToday,
  totalsByCurrency
} from 'c/coupaInvoiceRules';

const TODAY = '2026-11-27';
const row = (invoice) => ({ currency: invoice.currency || 'USD', ...invoiceFigures(invoice, TODAY) });

describe('c/coupaInvoiceRules', () => {
  it('excludes the same invoice statuses as the spend-summary flow', () => {
    // The middleware's default (middleware/src/flows/spend-summary/options.ts) is the contract.
    const options = path.resolve(__dirname, '../../../../../../middleware/src/flows/spend-summary/options.ts');
    const source = fs.readFileSync(options, 'utf8');
    const match = source.match(/excludedInvoiceStatuses:[^\n]*default\((\[[^\]]*\])\)/);
    expect(match).not.toBeNull();
    expect(JSON.parse(match[1].replace(/'/g, '"'))).toEqual(EXCLUDED_INVOICE_STATUSES);
  });

  it.each(EXCLUDED_INVOICE_STATUSES)('does not count a %s invoice', (status) => {
    expect(isCounted(status)).toBe(false);
  });

  it.each(['approved', 'pending_approval', 'disputed', 'on_hold', 'ap_hold', 'pending_receipt'])(
    'counts a %s invoice',
    (status) => {
      expect(isCounted(status)).toBe(true);
    }
  );

  it('leaves voided invoices out of invoiced, paid and outstanding', () => {
    // The case from issue 14: a voided duplicate doubled the invoiced total.
    const totals = totalsByCurrency([
      row({ status: 'approved', total: 6581.03, amountPaid: 0 }),
      row({ status: 'voided', total: 6581.03, amountPaid: 0 })
    ]);
    expect(totals).toEqual([
      { currency: 'USD', count: 1, invoiced: 6581.03, paid: 0, outstanding: 6581.03, overdue: 0 }
    ]);
  });

  it('defines outstanding as invoiced minus paid, per currency, in cents', () => {
    const totals = totalsByCurrency([
      row({ status: 'approved', total: 0.1, amountPaid: 0 }),
      row({ status: 'approved', total: 0.2, amountPaid: 0.05 }),
      row({ status: 'approved', total: 400, paid: true }),
      row({ status: 'approved', total: 50, amountPaid: 10, currency: 'EUR' })
    ]);
    expect(totals).toEqual([
      { currency: 'EUR', count: 1, invoiced: 50, paid: 10, outstanding: 40, overdue: 0 },
      { currency: 'USD', count: 3, invoiced: 400.3, paid: 400.05, outstanding: 0.25, overdue: 0 }
    ]);
  });

  it('flags an invoice overdue when it is due before today, not paid and counted', () => {
    const figures = (fields) => invoiceFigures({ status: 'approved', total: 100, amountPaid: 0, ...fields }, TODAY);
    expect(figures({ dueDate: '2026-11-26' }).overdue).toBe(true);
    expect(figures({ dueDate: '2026-11-27' }).overdue).toBe(false);
    expect(figures({ dueDate: null }).overdue).toBe(false);
    expect(figures({ dueDate: '2026-11-01', paid: true }).overdue).toBe(false);
    expect(figures({ dueDate: '2026-11-01', amountPaid: 100 }).overdue).toBe(false);
    expect(figures({ dueDate: '2026-11-01', status: 'voided' }).overdue).toBe(false);
    expect(figures({ dueDate: '2026-11-01', status: 'disputed' }).overdue).toBe(true);
  });

  it('sums the outstanding amount of overdue invoices', () => {
    const totals = totalsByCurrency([
      row({ status: 'approved', total: 300, amountPaid: 100, dueDate: '2026-11-01' }),
      row({ status: 'approved', total: 500, dueDate: '2026-12-30' })
    ]);
    expect(totals[0]).toEqual(expect.objectContaining({ overdue: 200, outstanding: 700 }));
  });

  it("formats today's date in the local time zone", () => {
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe('2026-01-05');
  });
});
