/**
 * Engine throughput on the fake flow (no network: the engine's own cost), on SQLite and PostgreSQL, and the state
 * store's round trips per 200-record page, counted at the SQL driver.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { SyncEngine } from '../../middleware/src/engine';
import { FakeSource, FakeTarget, fakeFlow } from '../../middleware/src/engine/fakes';
import { uniqueSchemaName } from '../../middleware/src/store';
import { openCountingStore, type CountingStore } from './counting-store';
import { int, secs } from './measure';
import type { Table } from './table';

const PAGE = 200;

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

async function throughput(table: Table, kind: string, counting: CountingStore, n: number): Promise<void> {
  const source = new FakeSource();
  const target = new FakeTarget();
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++)
    source.put(String(i + 1), new Date(base + i * 1000).toISOString(), { Name: `Invoice ${i}`, Amount: i });
  const engine = new SyncEngine({ store: counting.store });
  engine.register(fakeFlow(source, target, { batchSize: PAGE }));
  counting.reset();
  const t0 = performance.now();
  const summary = await engine.runNow('fake-flow');
  const ms = performance.now() - t0;
  const { statements, transactions } = counting.snapshot();
  const pages = Math.ceil(n / PAGE);
  table.add(
    'engine',
    `fake flow, ${int(n)} new records, ${kind}`,
    `${int(n / (ms / 1000))} records/s`,
    `${secs(ms)}; ${summary.status}; ${int(summary.counts.created)} created`
  );
  table.add(
    'engine',
    `state-store round trips per ${PAGE}-record page, ${kind}`,
    `${int(statements / pages)} statements`,
    `+ ${(transactions / pages).toFixed(1)} transactions/page; ${int((statements * 1000) / n)} statements per 1,000 records`
  );
  await engine.stop();
}

export async function benchEngine(table: Table, n: number, pgUrl: string): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'state.db');
  const sqlite = await openCountingStore({ sqlitePath: file });
  try {
    await throughput(table, 'SQLite (file, WAL)', sqlite, n);
  } finally {
    await sqlite.store.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  if (!(await postgresReachable(pgUrl))) {
    table.add('engine', 'fake flow, PostgreSQL', 'skipped', `${pgUrl} not reachable (set TEST_DATABASE_URL)`);
    return;
  }
  const pg = await openCountingStore({ databaseUrl: pgUrl, pgSchema: uniqueSchemaName('bench') });
  try {
    await throughput(table, 'PostgreSQL', pg, n);
  } finally {
    await pg.store.close();
  }
}
