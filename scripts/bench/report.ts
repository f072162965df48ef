/** Turns the per-flow and naive measurements into table rows (per 1,000 records, ratios ours/naive). */
import type { FlowMeasurement } from './flows';
import { int, per1000, secs, type Cost } from './measure';
import type { NaiveMeasurement } from './naive';
import type { Table } from './table';

const calls = (c: Cost, records: number) => `${per1000(c.salesforce, records)} SF + ${per1000(c.coupa, records)} Coupa`;
const outcome = (s: { status: string; counts: object }) => {
  const k = s.counts as Record<string, number>;
  const parts = [`${int(k.read)} read`];
  for (const key of ['created', 'updated', 'echoes', 'skipped', 'duplicates', 'conflicts', 'deadLettered'])
    if (k[key]) parts.push(`${int(k[key])} ${key === 'deadLettered' ? 'dead-lettered' : key}`);
  return `${parts.join(', ')}${s.status === 'succeeded' ? '' : ` (${s.status})`}`;
};
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}` : a > 0 ? '∞' : '–');

export function reportFlows(table: Table, results: FlowMeasurement[], naive: NaiveMeasurement[]): void {
  for (const r of results) {
    const n = r.records;
    const b = r.backfill;
    table.add(
      'flows',
      `${r.flow}: backfill, per 1,000 records`,
      `${calls(b, n)} calls`,
      `${int(n)} records; ${per1000(b.statements, n)} store statements + ${per1000(b.transactions, n)} transactions per 1,000; ${int(b.coupaWrites)} Coupa writes; ${secs(b.ms)}; ${outcome(b.summary)}`
    );
    const i = r.incremental;
    table.add(
      'flows',
      `${r.flow}: incremental, 1% changed, per 1,000 records`,
      `${calls(i, n)} calls`,
      `${i.changed ? `${int(i.changed)} of ${int(n)} changed` : 'source recomputed (no change of its own)'}; ${per1000(i.statements, n)} store statements per 1,000; ${int(i.coupaWrites)} Coupa writes; ${outcome(i.summary)}`
    );
    table.add(
      'flows',
      `${r.flow}: idle polling cycle`,
      `${int(r.idle.salesforce)} SF + ${int(r.idle.coupa)} Coupa calls`,
      `steady state (2nd idle cycle); 1st idle cycle after the backfill: ${int(r.idleFirst.salesforce)} SF + ${int(r.idleFirst.coupa)} Coupa (${int(r.idleFirst.coupaWrites)} Coupa writes); ${int(r.idle.statements)} store statements; goal ≤ 1 cheap call per source`
    );
  }
  for (const nv of naive) {
    const r = results.find((x) => x.flow === nv.flow);
    const ourB = r ? r.backfill.salesforce + r.backfill.coupa : 0;
    const naiveB = nv.backfill.salesforce + nv.backfill.coupa;
    const ourI = r ? r.incremental.salesforce + r.incremental.coupa : 0;
    const naiveI = nv.incremental.salesforce + nv.incremental.coupa;
    table.add(
      'naive',
      `${nv.flow}: naive backfill, per 1,000 records`,
      `${calls(nv.backfill, nv.records)} calls`,
      `${int(nv.records)} records, ${secs(nv.backfill.ms)}; ours/naive: calls ${r ? ratio(ourB, naiveB) : '–'}, time ${r ? ratio(r.backfill.ms, nv.backfill.ms) : '–'}`
    );
    table.add(
      'naive',
      `${nv.flow}: naive incremental (1%) and idle`,
      `${calls(nv.incremental, nv.records)} calls per 1,000`,
      `ours/naive incremental: calls ${r ? ratio(ourI, naiveI) : '–'}, time ${r ? ratio(r.incremental.ms, nv.incremental.ms) : '–'}; naive idle cycle: ${int(nv.idle.salesforce)} SF + ${int(nv.idle.coupa)} Coupa (${int(nv.idle.coupaWrites)} writes) vs ours ${r ? int(r.idle.salesforce + r.idle.coupa) : '–'}`
    );
  }
}

/** Coupa writes through real flows: requests/s against the 25/s limit, and 429s. */
export function reportWriteThroughput(table: Table, results: FlowMeasurement[]): void {
  for (const name of ['supplier-account-sync.to-coupa', 'opportunity-to-requisition']) {
    const r = results.find((x) => x.flow === name);
    if (!r || r.backfill.coupaWrites === 0) continue;
    const b = r.backfill;
    const rate = b.coupa / (b.ms / 1000);
    table.add(
      'coupa writes',
      `${name} backfill: Coupa requests/s`,
      `${rate.toFixed(1)} req/s (${(rate / 25).toFixed(2)}× the 25/s limit)`,
      `${int(b.coupaWrites)} writes + ${int(b.coupa - b.coupaWrites)} reads in ${secs(b.ms)} (${(b.coupaWrites / (b.ms / 1000)).toFixed(1)} writes/s); ${b.coupa429} answered 429; goal ≥ 22.5 req/s, zero 429s${b.coupa < 200 ? '; short run: the burst of 20 inflates the rate' : ''}`
    );
  }
}
