/** Shared measuring helpers: API calls counted by the emulators, SQL statements counted by the store's driver. */
import type { Rig } from './rig';
import type { CountingStore } from './counting-store';

export interface Cost {
  /** Salesforce API calls (REST, composite, Bulk 2.0), OAuth logins excluded. */
  salesforce: number;
  /** Coupa API requests (including any answered 429), OAuth token requests excluded. */
  coupa: number;
  /** Coupa write requests (POST/PUT/PATCH/DELETE under /api). */
  coupaWrites: number;
  /** Coupa requests answered 429. */
  coupa429: number;
  /** Salesforce calls that used Bulk API 2.0. */
  bulk: number;
  statements: number;
  transactions: number;
  ms: number;
  bySalesforceEndpoint: Record<string, number>;
  byCoupaEndpoint: Record<string, number>;
}

export function resetCounters(rig: Rig, counting?: CountingStore): void {
  rig.sfEmu.control.resetCounters();
  rig.coupaEmu.control.resetCounters();
  counting?.reset();
}

const isAuth = (endpoint: string) => /oauth|token/i.test(endpoint);

/** API calls and statements since the last `resetCounters`, with the elapsed time given. */
export function costSince(rig: Rig, counting: CountingStore | undefined, ms: number): Cost {
  const sf = rig.sfEmu.control.counters().byEndpoint;
  const cp = rig.coupaEmu.control.counters();
  const sum = (by: Record<string, number>, keep: (k: string) => boolean) =>
    Object.entries(by)
      .filter(([k]) => keep(k))
      .reduce((n, [, v]) => n + v, 0);
  return {
    salesforce: sum(sf, (k) => !isAuth(k)),
    coupa: sum(cp.byEndpoint, (k) => !isAuth(k)),
    coupaWrites: sum(cp.byEndpoint, (k) => /^(POST|PUT|PATCH|DELETE) \/api\//.test(k)),
    coupa429: cp.rateLimited,
    bulk: sum(sf, (k) => k.startsWith('bulk2')),
    statements: counting?.counts.statements ?? 0,
    transactions: counting?.counts.transactions ?? 0,
    ms,
    bySalesforceEndpoint: sf,
    byCoupaEndpoint: cp.byEndpoint
  };
}

/** Runs `fn` between a counter reset and a cost reading. */
export async function measure<T>(
  rig: Rig,
  counting: CountingStore | undefined,
  fn: () => Promise<T>
): Promise<{ cost: Cost; value: T }> {
  resetCounters(rig, counting);
  const t0 = performance.now();
  const value = await fn();
  return { cost: costSince(rig, counting, performance.now() - t0), value };
}

export const per1000 = (n: number, records: number): string =>
  records > 0 ? (Math.round((n * 1000 * 10) / records) / 10).toLocaleString('en') : 'n/a';
export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const int = (n: number): string => Math.round(n).toLocaleString('en');
