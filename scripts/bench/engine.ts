/**
 * Engine throughput on the fake flow (no network: the engine's own cost), on SQLite and PostgreSQL, and the state
 * store's round trips per 200-record page, counted at the SQL driver. Measured in a child process so the figure is the
 * engine's, not the leftovers of the families measured before it in this process.
 */
import { Client } from 'pg';
import { runBenchChild } from './child';
import type { EngineChildResult } from './engine-child';
import { int, secs } from './measure';
import type { Table } from './table';

export const PAGE = 200;

export async function postgresReachable(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Throughput and statements per page, measured in a fresh process (scripts/bench/engine-child.ts). */
async function throughput(table: Table, label: string, args: string[], n: number, runs: number): Promise<void> {
  const r = await runBenchChild<EngineChildResult>('engine-child.ts', [args[0], String(n), String(runs), ...args.slice(1)]);
  const rates = r.recordsPerSecond;
  table.add(
    'engine',
    `fake flow, ${int(n)} new records, ${label}`,
    `${int(median(rates))} records/s`,
    `median of ${runs} runs in a fresh process (${rates.map((x) => int(x)).join(', ')}); ${secs(median(r.ms))} each; Node CPU ${r.cpuMs.map((x) => int(x)).join(' / ')} ms per run; ${r.status}; ${int(r.created)} created`
  );
  table.add(
    'engine',
    `state-store round trips per ${PAGE}-record page, ${label}`,
    `${int(r.statementsPerPage)} statements`,
    `+ ${r.transactionsPerPage.toFixed(1)} transactions/page; ${int((r.statementsPerPage * 1000) / PAGE)} statements per 1,000 records (counted at the SQL driver, separate run)`
  );
}

export async function benchEngine(table: Table, n: number, pgUrl: string, runs = 3): Promise<void> {
  await throughput(table, 'SQLite (file, WAL)', ['sqlite'], n, runs);
  if (!(await postgresReachable(pgUrl))) {
    table.add('engine', 'fake flow, PostgreSQL', 'skipped', `${pgUrl} not reachable (set TEST_DATABASE_URL)`);
    return;
  }
  await throughput(table, 'PostgreSQL', ['postgres', pgUrl], n, runs);
}
