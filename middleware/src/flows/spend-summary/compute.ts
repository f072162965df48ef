/**
 * Pure spend-summary arithmetic: which periods a run covers and the figures per linked Account and period, from
 * purchase orders, invoices (with payments) and budget lines. Dates are bucketed by the calendar date Coupa shows
 * (the date part of its offset timestamps).
 */
import type { SpendSummaryOptions } from './options';

export const SEGMENTS = Array.from({ length: 20 }, (_, i) => `segment-${i + 1}`);

type Segments = Partial<Record<string, string | null>>;

export interface PurchaseOrderLike {
  id: number;
  status?: string | null;
  'created-at'?: string | null;
  supplier?: { id?: number | null } | null;
  currency?: { code?: string | null } | null;
  'order-lines'?: Array<{ total?: string | number | null; account?: Segments | null }> | null;
}

export interface InvoiceLike {
  id: number;
  status?: string | null;
  'invoice-date'?: string | null;
  'gross-total'?: string | number | null;
  supplier?: { id?: number | null } | null;
  currency?: { code?: string | null } | null;
  payments?: Array<{ 'amount-paid'?: string | number | null; 'payment-date'?: string | null }> | null;
}

/** A Coupa budget line: amount, remaining, period (start-date, end-date), currency and segment-1…20. */
export type BudgetLineLike = Record<string, any>;

export interface LinkedAccount {
  accountId: string;
  name: string;
  supplierId: string;
}

export type PeriodType = 'Month' | 'Fiscal Year';

export interface Period {
  /** 'YYYY-MM' or 'FYYYYY'. */
  name: string;
  type: PeriodType;
  /** First day, 'YYYY-MM-DD'. */
  start: string;
  /** Months it spans, 'YYYY-MM'. */
  months: string[];
}

export interface SpendSummary {
  key: string;
  accountId: string;
  accountName: string;
  supplierId: string;
  period: string;
  periodType: PeriodType;
  periodStart: string;
  currency: string | null;
  committed: number;
  openPoCount: number;
  invoiced: number;
  paid: number;
  budgetAmount: number | null;
  budgetRemaining: number | null;
  budgetUtilization: number | null;
  asOf: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthName = (y: number, m: number) => `${y}-${pad(m)}`;
const round2 = (n: number) => Math.round(n * 100) / 100;
const num = (v: unknown) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** 'YYYY-MM' of a Coupa date or timestamp, as written (the instance's calendar). */
export function monthOf(ts: string | null | undefined): string | null {
  return ts && /^\d{4}-\d{2}/.test(ts) ? ts.slice(0, 7) : null;
}

function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const i = y * 12 + (m - 1) + delta;
  return monthName(Math.floor(i / 12), (i % 12) + 1);
}

/** Fiscal year a month belongs to, named after the calendar year in which the fiscal year ends. */
export function fiscalYearOf(month: string, startMonth: number): number {
  const [y, m] = month.split('-').map(Number);
  return startMonth === 1 || m < startMonth ? y : y + 1;
}

export function fiscalYearPeriod(fy: number, startMonth: number): Period {
  const first = startMonth === 1 ? monthName(fy, 1) : monthName(fy - 1, startMonth);
  return { name: `FY${fy}`, type: 'Fiscal Year', start: `${first}-01`, months: Array.from({ length: 12 }, (_, i) => addMonths(first, i)) };
}

/** The months and fiscal years a run summarises, oldest first. `today` is 'YYYY-MM-DD' (or longer). */
export function periodsFor(today: string, opts: Pick<SpendSummaryOptions, 'months' | 'fiscalYears' | 'fiscalYearStartMonth'>): Period[] {
  const current = today.slice(0, 7);
  const out: Period[] = [];
  for (let i = opts.months - 1; i >= 0; i--) {
    const m = addMonths(current, -i);
    out.push({ name: m, type: 'Month', start: `${m}-01`, months: [m] });
  }
  const fy = fiscalYearOf(current, opts.fiscalYearStartMonth);
  for (let i = opts.fiscalYears - 1; i >= 0; i--) out.push(fiscalYearPeriod(fy - i, opts.fiscalYearStartMonth));
  return out;
}

/** First day of the oldest period: Coupa documents changed before it cannot affect any summary. */
export function windowStart(periods: Period[]): string | null {
  return periods.map((p) => p.start).sort()[0] ?? null;
}

/**
 * Months a budget period covers. Coupa periods are instants (start-date … end-date) that may render in another
 * offset than the one they were defined in; 12 hours inside each end keeps a boundary from spilling into a neighbour.
 */
export function budgetMonths(period: { 'start-date'?: string | null; 'end-date'?: string | null } | null | undefined): string[] {
  const s = Date.parse(period?.['start-date'] ?? '');
  const e = Date.parse(period?.['end-date'] ?? '');
  if (!Number.isFinite(s) || !Number.isFinite(e) || e < s) return [];
  const from = new Date(Math.min(s + 43_200_000, e)).toISOString().slice(0, 7);
  const to = new Date(Math.max(e - 43_200_000, s)).toISOString().slice(0, 7);
  const out: string[] = [];
  for (let m = from; m <= to && out.length < 120; m = addMonths(m, 1)) out.push(m);
  return out;
}

const segmentKey = (acct: Segments | null | undefined) => JSON.stringify(SEGMENTS.map((s) => acct?.[s] ?? null));

/** A budget line applies to an Account when it matches, on every segment it sets, an account the supplier's PO lines charge. */
function budgetMatches(line: BudgetLineLike, charged: Segments[]): boolean {
  const set = SEGMENTS.filter((s) => line[s] !== null && line[s] !== undefined && line[s] !== '');
  if (!set.length) return false;
  return charged.some((a) => set.every((s) => a[s] === line[s]));
}

function mostCommon(values: Array<string | null | undefined>): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && v < best)) best = v;
  return best;
}

export interface ComputeInput {
  accounts: LinkedAccount[];
  purchaseOrders: PurchaseOrderLike[];
  invoices: InvoiceLike[];
  budgetLines: BudgetLineLike[];
  periods: Period[];
  asOf: string;
  /** Keys summarised before: they are kept (possibly at zero) even when their period has no activity left. */
  known?: (key: string) => boolean;
}

export function summaryKey(accountId: string, period: string): string {
  return `${accountId}-${period}`;
}

/**
 * Summaries per linked Account and period that has activity (or was summarised before). Amounts in the Account's
 * main currency (the most common one among its documents); documents in other currencies are left out.
 */
export function computeSummaries(input: ComputeInput, opts: Pick<SpendSummaryOptions, 'openPoStatuses' | 'excludedInvoiceStatuses'>): SpendSummary[] {
  const open = new Set(opts.openPoStatuses);
  const excluded = new Set(opts.excludedInvoiceStatuses);
  const bySupplier = <T extends { supplier?: { id?: number | null } | null }>(docs: T[]) => {
    const m = new Map<string, T[]>();
    for (const d of docs) {
      const id = d.supplier?.id;
      if (id === null || id === undefined) continue;
      const list = m.get(String(id)) ?? [];
      list.push(d);
      m.set(String(id), list);
    }
    return m;
  };
  const posBy = bySupplier(input.purchaseOrders);
  const invBy = bySupplier(input.invoices.filter((i) => !excluded.has(String(i.status))));
  const budget = input.budgetLines.map((b) => ({ line: b, months: new Set(budgetMonths(b.period)) }));
  const out: SpendSummary[] = [];

  for (const acct of input.accounts) {
    const pos = posBy.get(acct.supplierId) ?? [];
    const invs = invBy.get(acct.supplierId) ?? [];
    const currency = mostCommon([...pos.map((p) => p.currency?.code), ...invs.map((i) => i.currency?.code)]);
    const inCurrency = (c: { currency?: { code?: string | null } | null }) => !currency || !c.currency?.code || c.currency.code === currency;
    const charged = new Map<string, Segments>();
    for (const po of pos) for (const l of po['order-lines'] ?? []) if (l.account) charged.set(segmentKey(l.account), l.account);
    const lines = budget.filter((b) => inCurrency(b.line) && budgetMatches(b.line, [...charged.values()]));

    for (const period of input.periods) {
      const inPeriod = (ts: string | null | undefined) => {
        const m = monthOf(ts);
        return m !== null && period.months.includes(m);
      };
      let committed = 0;
      let openPoCount = 0;
      let activity = 0;
      for (const po of pos) {
        if (!inCurrency(po) || !inPeriod(po['created-at'])) continue;
        activity++;
        if (!open.has(String(po.status))) continue;
        openPoCount++;
        committed += (po['order-lines'] ?? []).reduce((s, l) => s + num(l.total), 0);
      }
      let invoiced = 0;
      let paid = 0;
      for (const inv of invs) {
        if (!inCurrency(inv)) continue;
        if (inPeriod(inv['invoice-date'])) {
          activity++;
          invoiced += num(inv['gross-total']);
        }
        for (const p of inv.payments ?? []) {
          if (!inPeriod(p['payment-date'])) continue;
          activity++;
          paid += num(p['amount-paid']);
        }
      }
      // A month takes the budget in force (the budget period covering it); a fiscal year the budgets whose period falls in it.
      const applicable = lines.filter((b) =>
        period.type === 'Month' ? b.months.has(period.months[0]) : b.months.size > 0 && period.months.includes([...b.months][Math.floor((b.months.size - 1) / 2)]),
      );
      const budgetAmount = applicable.length ? round2(applicable.reduce((s, b) => s + num(b.line.amount), 0)) : null;
      const budgetRemaining = applicable.length ? round2(applicable.reduce((s, b) => s + num(b.line.remaining ?? b.line.amount), 0)) : null;
      const key = summaryKey(acct.accountId, period.name);
      if (!activity && !applicable.length && !input.known?.(key)) continue;
      out.push({
        key,
        accountId: acct.accountId,
        accountName: acct.name,
        supplierId: acct.supplierId,
        period: period.name,
        periodType: period.type,
        periodStart: period.start,
        currency,
        committed: round2(committed),
        openPoCount,
        invoiced: round2(invoiced),
        paid: round2(paid),
        budgetAmount,
        budgetRemaining,
        budgetUtilization: utilization(budgetAmount, budgetRemaining),
        asOf: input.asOf,
      });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Share of the budget consumed, in percent (Percent(5,2) in Salesforce: capped at ±999.99). */
export function utilization(amount: number | null, remaining: number | null): number | null {
  if (amount === null || remaining === null || amount <= 0) return null;
  return Math.max(-999.99, Math.min(999.99, round2(((amount - remaining) / amount) * 100)));
}
