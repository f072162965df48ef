/**
 * Functions mapping expressions may call besides JSONata's own: Salesforce's Contract month arithmetic, which a
 * JSONata one-liner gets wrong at month ends. Dates are `YYYY-MM-DD` (a longer ISO string is cut to its date).
 */
import type { Expression } from 'jsonata';

const ymd = (d: string): [number, number, number] | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(d));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
};
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** `date` plus `months` calendar months, clamped to the month's last day (Jan 31 + 1 month = Feb 28), as Salesforce does. */
export function addMonths(date: string, months: number): string | null {
  const d = ymd(date);
  if (!d || !Number.isInteger(months)) return null;
  const total = d[0] * 12 + (d[1] - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return iso(Date.UTC(y, m - 1, Math.min(d[2], daysIn(y, m))));
}

/**
 * Salesforce `ContractTerm` (whole months) for a contract running from `start` to `end` inclusive: Salesforce shows
 * EndDate = StartDate + term months − 1 day, so the term is the number of whole months up to the day after `end`,
 * counting a month-end that the calendar clamps (Jan 31 → Feb 28) as a whole month. Null for a missing or inverted range.
 */
export function contractTerm(start: string, end: string): number | null {
  const s = ymd(start);
  const e0 = ymd(end);
  if (!s || !e0) return null;
  const next = Date.UTC(e0[0], e0[1] - 1, e0[2]) + 86_400_000;
  const [ey, em, ed] = ymd(iso(next))!;
  let months = (ey - s[0]) * 12 + (em - s[1]);
  // The day after the end falls short of the start day: one month less, unless that day is a clamped month end.
  if (ed < s[2] && !(ed === daysIn(ey, em) && s[2] > ed)) months -= 1;
  // Jan 31 → Feb 28: the day after is Mar 1; Feb 28 + 1 day is the clamped "Jan 31 + 1 month".
  const clampedEnd = addMonths(start, months + 1);
  if (clampedEnd && iso(next) === clampedEnd) months += 1;
  return months >= 1 ? months : null;
}

/** Registers the functions on a compiled expression. */
export function registerMappingFunctions(expr: Expression): Expression {
  expr.registerFunction('addMonths', (date: string, months: number) => (date === undefined ? undefined : addMonths(date, months)), '<sn:s>');
  expr.registerFunction('contractTerm', (start: string, end: string) => (start === undefined || end === undefined ? undefined : contractTerm(start, end)), '<ss:n>');
  return expr;
}
