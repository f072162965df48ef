/**
 * `npm run bench`: speed, API-call and memory figures for the parts that matter, printed as a table.
 * Figures only, never assertions; runs against the in-process emulators and both state stores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { allScopes, startCoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator } from '../../emulators/salesforce/src';
import { CoupaClient, TokenBucket, coupaResources } from '../../middleware/src/coupa';
import { SyncEngine } from '../../middleware/src/engine';
import { FakeSource, FakeTarget, fakeFlow } from '../../middleware/src/engine/fakes';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { startSandbox } from '../sandbox/sandbox';
import { openStateStore, uniqueSchemaName, type StateStore } from '../../middleware/src/store';

interface Row {
  what: string;
  figure: string;
  detail: string;
}
const rows: Row[] = [];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function engineThroughput(kind: string, store: StateStore, n: number): Promise<void> {
  const source = new FakeSource();
  const target = new FakeTarget();
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++)
    source.put(String(i + 1), new Date(base + i * 1000).toISOString(), { Name: `Invoice ${i}`, Amount: i });
  const engine = new SyncEngine({ store });
  engine.register(fakeFlow(source, target, { batchSize: 200 }));
  const { ms, value } = await timed(() => engine.runNow('fake-flow'));
  const created = [...target.createsPerSource().values()].filter((c) => c === 1).length;
  rows.push({
    what: `engine, ${n.toLocaleString('en')} records, ${kind} state store`,
    figure: `${Math.round(n / (ms / 1000)).toLocaleString('en')} records/s`,
    detail: `${secs(ms)}; ${value.status}; ${created.toLocaleString('en')} created once each`
  });
  await engine.stop();
}

async function postgresReachable(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function salesforceFigures(): Promise<void> {
  const emu = await startSalesforceEmulator({ clientId: 'bench', clientSecret: 'bench-secret' });
  try {
    const sf = new SalesforceClient({
      auth: { flow: 'client-credentials', loginUrl: emu.url, clientId: 'bench', clientSecret: 'bench-secret' },
      bulkThreshold: 1_000_000
    });
    await sf.connect();
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      Coupa_Supplier_Id__c: `B-${i}`,
      Name: `Bench supplier ${i}`
    }));
    emu.control.resetCounters();
    const up = await timed(() => sf.upsert('Account', 'Coupa_Supplier_Id__c', records));
    const upCalls = emu.control.counters().byEndpoint['composite.sobjects.upsert'];
    rows.push({
      what: 'Salesforce upsert, 10,000 Accounts (sObject Collections)',
      figure: `${Math.round(10_000 / (up.ms / 1000)).toLocaleString('en')} records/s`,
      detail: `${secs(up.ms)}; ${upCalls} API calls`
    });
    emu.control.resetCounters();
    const q = await timed(() => sf.queryAll<{ Id: string }>("SELECT Id, Name FROM Account WHERE Name LIKE 'Bench%'"));
    const qc = emu.control.counters();
    rows.push({
      what: 'Salesforce query, 10,000 rows, full pagination',
      figure: `${Math.round(q.value.length / (q.ms / 1000)).toLocaleString('en')} rows/s`,
      detail: `${secs(q.ms)}; ${qc.used} API calls; ${q.value.length.toLocaleString('en')} rows`
    });
  } finally {
    await emu.close();
  }
}

async function coupaFigures(): Promise<void> {
  const emu = await startCoupaEmulator({ seed: { size: 1000, seed: 1 } });
  try {
    const coupa = new CoupaClient({
      baseUrl: emu.url,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      scopes: allScopes(),
      bucket: new TokenBucket({ ratePerSecond: 25, burst: 20 })
    });
    emu.control.resetCounters();
    const { ms, value } = await timed(async () => {
      let n = 0;
      for await (const _ of coupaResources(coupa).invoices.list({ fields: ['id', 'status', 'updated-at'] })) n++;
      return n;
    });
    const c = emu.control.counters();
    rows.push({
      what: `Coupa read, ${value.toLocaleString('en')} invoices (limit 50 + offset, 25 req/s budget)`,
      figure: `${Math.round(value / (ms / 1000)).toLocaleString('en')} records/s`,
      detail: `${secs(ms)}; ${c.total} requests; ${c.rateLimited} answered 429`
    });
  } finally {
    await emu.close();
  }
}

/** Closed Won in Salesforce → requisition in Coupa, through the sandbox with the creation flow polling every second. */
async function requisitionLatency(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-latency-'));
  const configFile = path.join(dir, 'connector.yaml');
  fs.writeFileSync(
    configFile,
    'flows:\n  opportunity-to-requisition:\n    enabled: true\n    schedule: "* * * * * *"\n    options:\n      submitForApproval: true\n'
  );
  const before = process.env.CONNECTOR_CONFIG;
  process.env.CONNECTOR_CONFIG = configFile;
  const sandbox = await startSandbox({
    connectorPort: 0,
    salesforcePort: 0,
    coupaPort: 0,
    preview: false,
    sqlitePath: path.join(dir, 'state.db'),
    logLevel: 'silent'
  });
  try {
    const token = sandbox.personTokens.salesforce;
    const sf = `${sandbox.salesforce.url}/services/data/v62.0`;
    const latencies: number[] = [];
    for (const ref of ['FabrikamRollout', 'TailspinRenewal', 'NorthwindResale']) {
      const id = sandbox.accounts[ref];
      const t0 = performance.now();
      await fetch(`${sf}/sobjects/Opportunity/${id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ StageName: 'Closed Won' })
      });
      while (
        !sandbox.coupa.control
          .list('requisitions')
          .some(
            (r) => (r['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-opportunity-id'] === id
          )
      ) {
        if (performance.now() - t0 > 30_000) throw new Error(`no requisition for ${ref} after 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      what: 'Closed Won → Coupa requisition (SOQL poll every 1 s)',
      figure: `${secs(latencies[1])} median`,
      detail: `max ${secs(latencies[2])} over ${latencies.length} deals; polling bound: one interval plus processing`
    });
  } finally {
    await sandbox.stop();
    if (before === undefined) delete process.env.CONNECTOR_CONFIG;
    else process.env.CONNECTOR_CONFIG = before;
  }
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_RECORDS ?? 10_000);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'state.db');
  const sqlite = await openStateStore({ sqlitePath: file });
  await engineThroughput('SQLite (file, WAL)', sqlite, n);
  await sqlite.close();

  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (await postgresReachable(pgUrl)) {
    const pg = await openStateStore({
      databaseUrl: pgUrl,
      pgSchema: uniqueSchemaName('bench'),
      dropSchemaOnClose: true
    });
    await engineThroughput('PostgreSQL', pg, n);
    await pg.close();
  } else {
    rows.push({ what: 'engine, PostgreSQL state store', figure: 'skipped', detail: `${pgUrl} not reachable` });
  }

  await salesforceFigures();
  await coupaFigures();
  await requisitionLatency();
  rows.push({
    what: 'peak resident memory of this process',
    figure: mb(process.resourceUsage().maxRSS * 1024),
    detail: `Node ${process.version}, ${os.cpus().length} CPUs`
  });

  const width = Math.max(...rows.map((r) => r.what.length));
  const fwidth = Math.max(...rows.map((r) => r.figure.length));
  process.stdout.write(
    `\n| ${'measure'.padEnd(width)} | ${'figure'.padEnd(fwidth)} | detail |\n|${'-'.repeat(width + 2)}|${'-'.repeat(fwidth + 2)}|---|\n`
  );
  for (const r of rows)
    process.stdout.write(`| ${r.what.padEnd(width)} | ${r.figure.padEnd(fwidth)} | ${r.detail} |\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
