/**
 * The engine on the fake flow in a process of its own (no emulators, no heap left by other families): `runs` timed
 * runs of N new records, each on a fresh store, then one run on a counting store for the statements per page. Prints
 * one JSON line. Usage: engine-child.ts <sqlite|postgres> <records> <runs> [postgres url]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyncEngine } from '../../middleware/src/engine';
import { FakeSource, FakeTarget, fakeFlow } from '../../middleware/src/engine/fakes';
import { openStateStore, uniqueSchemaName, type SqlStateStore } from '../../middleware/src/store';
import { openCountingStore, type CountingStore } from './counting-store';
import { PAGE } from './engine';

export interface EngineChildResult {
  recordsPerSecond: number[];
  ms: number[];
  /** CPU time of this process (all its threads) per run: steadier than throughput on a machine others load. */
  cpuMs: number[];
  status: string;
  created: number;
  statementsPerPage: number;
  transactionsPerPage: number;
}

async function runOnce(store: SqlStateStore, n: number): Promise<{ ms: number; cpuMs: number; status: string; created: number }> {
  const source = new FakeSource();
  const target = new FakeTarget();
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) source.put(String(i + 1), new Date(base + i * 1000).toISOString(), { Name: `Invoice ${i}`, Amount: i });
  const engine = new SyncEngine({ store });
  engine.register(fakeFlow(source, target, { batchSize: PAGE }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await engine.runNow('fake-flow');
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await engine.stop();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, status: summary.status, created: summary.counts.created };
}

async function main(): Promise<void> {
  const [kind, records, runs, pgUrl] = process.argv.slice(2);
  const n = Number(records);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-engine-'));
  let k = 0;
  const where = () =>
    kind === 'postgres' ? { databaseUrl: pgUrl, pgSchema: uniqueSchemaName('bench'), dropSchemaOnClose: true } : { sqlitePath: path.join(dir, `state-${k++}.db`) };
  try {
    const timed: Array<{ ms: number; cpuMs: number; status: string; created: number }> = [];
    for (let i = 0; i < Number(runs); i++) {
      const store = await openStateStore(where());
      try {
        timed.push(await runOnce(store, n));
      } finally {
        await store.close();
      }
    }
    const w = where();
    const counting: CountingStore = await openCountingStore('databaseUrl' in w ? { databaseUrl: w.databaseUrl!, pgSchema: w.pgSchema! } : { sqlitePath: w.sqlitePath });
    try {
      counting.reset();
      await runOnce(counting.store, n);
      const { statements, transactions } = counting.snapshot();
      const pages = Math.ceil(n / PAGE);
      const result: EngineChildResult = {
        recordsPerSecond: timed.map((t) => n / (t.ms / 1000)),
        ms: timed.map((t) => t.ms),
        cpuMs: timed.map((t) => t.cpuMs),
        status: timed.every((t) => t.status === 'succeeded') ? 'succeeded' : timed.map((t) => t.status).join(', '),
        created: Math.min(...timed.map((t) => t.created)),
        statementsPerPage: statements / pages,
        transactionsPerPage: transactions / pages,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await counting.store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
