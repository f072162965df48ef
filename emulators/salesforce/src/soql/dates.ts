/** SOQL date literals (`TODAY`, `LAST_N_DAYS:30`, …) as half-open UTC ranges [start, end) in epoch ms. */

const DAY = 86_400_000;

const startOfDay = (t: number): number => Math.floor(t / DAY) * DAY;
const addMonths = (t: number, n: number): number => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
};
const startOfMonth = (t: number): number => addMonths(t, 0);
const startOfWeek = (t: number): number => startOfDay(t) - new Date(t).getUTCDay() * DAY; // weeks start on Sunday
const startOfQuarter = (t: number): number => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
};
const startOfYear = (t: number): number => Date.UTC(new Date(t).getUTCFullYear(), 0, 1);
const addYears = (t: number, n: number): number => Date.UTC(new Date(t).getUTCFullYear() + n, 0, 1);

export function dateLiteralRange(literal: string, n: number | undefined, now: number): [number, number] | undefined {
  const today = startOfDay(now);
  const name = literal.toUpperCase().replace(/:.*$/, '').replace('_FISCAL_', '_');
  const k = n ?? 0;
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_WEEK':
      return [startOfWeek(now) - 7 * DAY, startOfWeek(now)];
    case 'THIS_WEEK':
      return [startOfWeek(now), startOfWeek(now) + 7 * DAY];
    case 'NEXT_WEEK':
      return [startOfWeek(now) + 7 * DAY, startOfWeek(now) + 14 * DAY];
    case 'LAST_MONTH':
      return [addMonths(now, -1), startOfMonth(now)];
    case 'THIS_MONTH':
      return [startOfMonth(now), addMonths(now, 1)];
    case 'NEXT_MONTH':
      return [addMonths(now, 1), addMonths(now, 2)];
    case 'LAST_90_DAYS':
      return [today - 90 * DAY, today + DAY];
    case 'NEXT_90_DAYS':
      return [today + DAY, today + 91 * DAY];
    case 'THIS_QUARTER':
      return [startOfQuarter(now), addMonths(startOfQuarter(now), 3)];
    case 'LAST_QUARTER':
      return [addMonths(startOfQuarter(now), -3), startOfQuarter(now)];
    case 'NEXT_QUARTER':
      return [addMonths(startOfQuarter(now), 3), addMonths(startOfQuarter(now), 6)];
    case 'THIS_YEAR':
      return [startOfYear(now), addYears(now, 1)];
    case 'LAST_YEAR':
      return [addYears(now, -1), startOfYear(now)];
    case 'NEXT_YEAR':
      return [addYears(now, 1), addYears(now, 2)];
    case 'LAST_N_DAYS':
      return [today - k * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (k + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - k * DAY, today - (k - 1) * DAY];
    case 'LAST_N_WEEKS':
      return [startOfWeek(now) - k * 7 * DAY, startOfWeek(now)];
    case 'NEXT_N_WEEKS':
      return [startOfWeek(now) + 7 * DAY, startOfWeek(now) + (k + 1) * 7 * DAY];
    case 'N_WEEKS_AGO':
      return [startOfWeek(now) - k * 7 * DAY, startOfWeek(now) - (k - 1) * 7 * DAY];
    case 'LAST_N_MONTHS':
      return [addMonths(now, -k), startOfMonth(now)];
    case 'NEXT_N_MONTHS':
      return [addMonths(now, 1), addMonths(now, k + 1)];
    case 'N_MONTHS_AGO':
      return [addMonths(now, -k), addMonths(now, -k + 1)];
    case 'LAST_N_QUARTERS':
      return [addMonths(startOfQuarter(now), -3 * k), startOfQuarter(now)];
    case 'NEXT_N_QUARTERS':
      return [addMonths(startOfQuarter(now), 3), addMonths(startOfQuarter(now), 3 * (k + 1))];
    case 'N_QUARTERS_AGO':
      return [addMonths(startOfQuarter(now), -3 * k), addMonths(startOfQuarter(now), -3 * (k - 1))];
    case 'LAST_N_YEARS':
      return [addYears(now, -k), startOfYear(now)];
    case 'NEXT_N_YEARS':
      return [addYears(now, 1), addYears(now, k + 1)];
    case 'N_YEARS_AGO':
      return [addYears(now, -k), addYears(now, -k + 1)];
    default:
      return undefined;
  }
}
