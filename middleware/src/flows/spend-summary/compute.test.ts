import { budgetMonths, computeSummaries, fiscalYearOf, monthOf, periodsFor, utilization, windowStart, type ComputeInput } from './compute';
import { parseSpendSummaryOptions } from './options';

const opts = parseSpendSummaryOptions({});
const acct = { accountId: '001A', name: 'Acme', supplierId: '7' };
const supplier = { id: 7 };
const usd = { code: 'USD' };
const line = (total: number, seg = ['300', '6200']) => ({ total: String(total), account: { 'segment-1': seg[0], 'segment-2': seg[1] } });
const q4 = { name: 'FY2026-Q4', 'start-date': '2026-09-30T16:00:00-08:00', 'end-date': '2026-12-31T15:59:59-08:00' };

function input(over: Partial<ComputeInput> = {}): ComputeInput {
  return {
    accounts: [acct],
    purchaseOrders: [],
    invoices: [],
    budgetLines: [],
    periods: periodsFor('2026-11-16', { months: 3, fiscalYears: 1, fiscalYearStartMonth: 1 }),
    asOf: '2026-11-16T12:00:00.000Z',
    ...over,
  };
}

describe('spend-summary periods', () => {
  it('covers trailing months and fiscal years, oldest first', () => {
    const p = periodsFor('2026-02-03', { months: 3, fiscalYears: 2, fiscalYearStartMonth: 1 });
    expect(p.map((x) => x.name)).toEqual(['2025-12', '2026-01', '2026-02', 'FY2025', 'FY2026']);
    expect(p[3]).toMatchObject({ type: 'Fiscal Year', start: '2025-01-01' });
    expect(windowStart(p)).toBe('2025-01-01');
    expect(periodsFor('2026-02-03', { months: 0, fiscalYears: 0, fiscalYearStartMonth: 1 })).toEqual([]);
  });

  it('names a fiscal year after the calendar year it ends in', () => {
    expect(fiscalYearOf('2026-03', 4)).toBe(2026);
    expect(fiscalYearOf('2026-04', 4)).toBe(2027);
    expect(fiscalYearOf('2026-12', 1)).toBe(2026);
    const [fy] = periodsFor('2026-05-01', { months: 0, fiscalYears: 1, fiscalYearStartMonth: 4 });
    expect(fy).toMatchObject({ name: 'FY2027', start: '2026-04-01' });
    expect(fy.months[0]).toBe('2026-04');
    expect(fy.months[11]).toBe('2027-03');
  });

  it('buckets by the calendar date Coupa shows and maps budget periods to months', () => {
    expect(monthOf('2026-10-31T20:00:00-08:00')).toBe('2026-10');
    expect(monthOf(null)).toBeNull();
    expect(budgetMonths(q4)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(budgetMonths(null)).toEqual([]);
  });

  it('computes utilisation in percent, capped for Percent(5,2)', () => {
    expect(utilization(1000, 575)).toBe(42.5);
    expect(utilization(10, -100000)).toBe(999.99);
    expect(utilization(0, 0)).toBeNull();
    expect(utilization(null, null)).toBeNull();
  });
});

describe('computeSummaries', () => {
  const purchaseOrders = [
    { id: 1, status: 'issued', 'created-at': '2026-11-15T10:00:00-08:00', supplier, currency: usd, 'order-lines': [line(200), line(50)] },
    { id: 2, status: 'closed', 'created-at': '2026-11-15T10:00:00-08:00', supplier, currency: usd, 'order-lines': [line(100)] },
    { id: 3, status: 'issued', 'created-at': '2026-11-02T10:00:00-08:00', supplier: { id: 8 }, currency: usd, 'order-lines': [line(999)] },
  ];
  const invoices = [
    { id: 1, status: 'approved', 'invoice-date': '2026-11-10', 'gross-total': '200.0', supplier, currency: usd, payments: [{ 'amount-paid': '120', 'payment-date': '2026-11-14' }] },
    { id: 2, status: 'voided', 'invoice-date': '2026-11-11', 'gross-total': '500.0', supplier, currency: usd, payments: [] },
    { id: 3, status: 'approved', 'invoice-date': '2026-08-30', 'gross-total': '80.0', supplier, currency: usd, payments: [{ 'amount-paid': '80', 'payment-date': '2026-10-02' }] },
  ];
  const budgetLines = [
    { id: 1, amount: '1000.0', remaining: '575.0', period: q4, currency: usd, 'segment-1': '300', 'segment-2': '6200' },
    { id: 2, amount: '5000.0', remaining: '5000.0', period: q4, currency: usd, 'segment-1': '100' },
  ];

  it('sums open POs, invoices, payments and matching budget lines per period', () => {
    const out = computeSummaries(input({ purchaseOrders, invoices, budgetLines }), opts);
    expect(out.map((s) => s.key)).toEqual(['001A-2026-10', '001A-2026-11', '001A-FY2026']);
    const [oct, nov, fy] = out;
    expect(nov).toMatchObject({ committed: 250, openPoCount: 1, invoiced: 200, paid: 120, budgetAmount: 1000, budgetRemaining: 575, budgetUtilization: 42.5, currency: 'USD', periodType: 'Month', periodStart: '2026-11-01' });
    expect(oct).toMatchObject({ committed: 0, openPoCount: 0, invoiced: 0, paid: 80, budgetAmount: 1000 });
    expect(fy).toMatchObject({ committed: 250, invoiced: 280, paid: 200, budgetAmount: 1000, period: 'FY2026', periodStart: '2026-01-01' });
  });

  it('leaves out periods without activity unless summarised before, and accounts without documents', () => {
    const none = computeSummaries(input({ accounts: [acct, { accountId: '001B', name: 'B', supplierId: '99' }] }), opts);
    expect(none).toEqual([]);
    const kept = computeSummaries(input({ known: (k) => k === '001A-2026-09' }), opts);
    expect(kept).toEqual([expect.objectContaining({ key: '001A-2026-09', committed: 0, invoiced: 0, paid: 0, budgetAmount: null, budgetUtilization: null })]);
  });

  it("keeps to the account's main currency", () => {
    const eur = { id: 9, status: 'approved', 'invoice-date': '2026-11-12', 'gross-total': '1000.0', supplier, currency: { code: 'EUR' }, payments: [] };
    const [, nov] = computeSummaries(input({ purchaseOrders, invoices: [...invoices, eur] }), opts);
    expect(nov).toMatchObject({ currency: 'USD', invoiced: 200 });
  });

  it('honours the open-PO statuses option', () => {
    const [nov] = computeSummaries(input({ purchaseOrders, periods: periodsFor('2026-11-16', { months: 1, fiscalYears: 0, fiscalYearStartMonth: 1 }) }), {
      ...opts,
      openPoStatuses: ['issued', 'closed'],
    });
    expect(nov).toMatchObject({ committed: 350, openPoCount: 2 });
  });

  it('rejects unknown options with the path', () => {
    expect(() => parseSpendSummaryOptions({ fiscalYearStartMonth: 13 })).toThrow(/flows\.spend-summary\.options\.fiscalYearStartMonth/);
    expect(() => parseSpendSummaryOptions({ month: 3 })).toThrow(/spend-summary/);
  });
});
