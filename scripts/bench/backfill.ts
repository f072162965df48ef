/**
 * Backfill of N Coupa invoices → Coupa_Invoice__c through the invoice-status flow, the connector in a child process
 * (its own peak RSS), both emulators in this one counting requests. Compared with what Coupa's rate limit allows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator } from '../../emulators/salesforce/src';
import { runBenchChild } from './child';
import { int, mb, secs } from './measure';
import type { Table } from './table';

const INVOICE_SHARE = 0.27; // emulators/coupa/src/seed.ts seedCounts: invoices are 27% of a seed
const SF_ID = 'bench-backfill';
const SF_SECRET = 'bench-backfill-secret';

export interface BackfillResult {
  invoices: number;
  ms: number;
  maxRssBytes: number;
  memory?: ChildMemory;
  coupaRequests: number;
  coupaInvoicePages: number;
  coupa429: number;
  salesforceCalls: number;
  bulkCalls: number;
  bulkJobs: number;
  collectionCalls: number;
  summary: { status: string; counts: Record<string, number>; error?: string };
}

/** The connector process's memory once built and the peak of each part during the run (process.memoryUsage()). */
interface ChildMemory {
  atStart: { rss: number; heapUsed: number; external: number };
  peak: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}

function runChild(env: NodeJS.ProcessEnv): Promise<{ ms: number; maxRssBytes: number; memory?: ChildMemory; summary: BackfillResult['summary'] }> {
  return runBenchChild('backfill-child.ts', [], env, { asConnector: true });
}

export async function benchBackfill(
  table: Table,
  invoices: number,
  org: { apiLimit?: number; label: string } = { label: 'emulator default org: 15,000 API calls/24 h' }
): Promise<BackfillResult> {
  const seedSize = Math.ceil(invoices / INVOICE_SHARE);
  const [sfEmu, coupaEmu] = await Promise.all([
    startSalesforceEmulator({
      clientId: SF_ID,
      clientSecret: SF_SECRET,
      ...(org.apiLimit ? { apiLimit: org.apiLimit } : {})
    }),
    startCoupaEmulator({ seed: { size: seedSize, seed: 1 } })
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-backfill-'));
  try {
    const total = coupaEmu.control.count('invoices');
    sfEmu.control.resetCounters();
    coupaEmu.control.resetCounters();
    const child = await runChild({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SALESFORCE_LOGIN_URL: sfEmu.url,
      SALESFORCE_CLIENT_ID: SF_ID,
      SALESFORCE_CLIENT_SECRET: SF_SECRET,
      COUPA_BASE_URL: coupaEmu.url,
      COUPA_CLIENT_ID: coupaEmu.clientId,
      COUPA_CLIENT_SECRET: coupaEmu.clientSecret,
      SQLITE_PATH: path.join(dir, 'state.db'),
      LOG_LEVEL: 'silent'
    });
    const sf = sfEmu.control.counters().byEndpoint;
    const cp = coupaEmu.control.counters();
    const sum = (by: Record<string, number>, keep: (k: string) => boolean) =>
      Object.entries(by)
        .filter(([k]) => keep(k))
        .reduce((n, [, v]) => n + v, 0);
    const r: BackfillResult = {
      invoices: total,
      ms: child.ms,
      maxRssBytes: child.maxRssBytes,
      ...(child.memory ? { memory: child.memory } : {}),
      coupaRequests: sum(cp.byEndpoint, (k) => !/oauth|token/i.test(k)),
      coupaInvoicePages: cp.byEndpoint['GET /api/invoices'] ?? 0,
      coupa429: cp.rateLimited,
      salesforceCalls: sum(sf, (k) => !/oauth|token/i.test(k)),
      bulkCalls: sum(sf, (k) => k.startsWith('bulk2')),
      bulkJobs: sf['bulk2.ingest.create'] ?? 0,
      collectionCalls: sum(sf, (k) => k.startsWith('composite')),
      summary: child.summary
    };
    // Coupa allows 25 requests/s (burst 20), 50 records per page: the floor for reading N invoices.
    const floorMs = (Math.max(0, Math.ceil(total / 50) - 20) / 25) * 1000;
    const label = `backfill ${int(total)} invoices → Coupa_Invoice__c (${org.label})`;
    const topSf = Object.entries(sf)
      .filter(([k]) => !/oauth|token/i.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ');
    table.add(
      'backfill',
      `${label}: wall time`,
      r.summary.status === 'succeeded'
        ? secs(r.ms)
        : `${r.summary.status} after ${secs(r.ms)} (${int(r.summary.counts.read ?? 0)} of ${int(total)} read)`,
      `${r.summary.status === 'succeeded' ? '' : 'not comparable with the floor: the run stopped early; '}${floorMs > 0 ? `${(r.ms / floorMs).toFixed(2)}× the rate-limit floor of ${secs(floorMs)}` : 'no rate-limit floor: all pages fit in the burst of 20'} (${int(Math.ceil(total / 50))} pages at 25 req/s); goal ≤ 1.2×; ${int((r.summary.counts.read ?? 0) / (r.ms / 1000))} records/s; ${r.summary.status}, ${int(r.summary.counts.created ?? 0)} of ${int(total)} created, ${int(r.summary.counts.deadLettered ?? 0)} dead-lettered`
    );
    table.add(
      'backfill',
      `${label}: peak RSS of the connector process`,
      mb(r.maxRssBytes),
      `goal < 300 MB; emulators run in another process${
        r.memory
          ? `; once built ${mb(r.memory.atStart.rss)} RSS (heap ${mb(r.memory.atStart.heapUsed)}); peak during the run: heap used ${mb(r.memory.peak.heapUsed)} of ${mb(r.memory.peak.heapTotal)}, external ${mb(r.memory.peak.external)}`
          : ''
      }`
    );
    table.add(
      'backfill',
      `${label}: API calls`,
      `${int(r.coupaRequests)} Coupa + ${int(r.salesforceCalls)} Salesforce`,
      `${int(r.coupaInvoicePages)} invoice pages; ${r.coupa429} answered 429; Salesforce: ${int(r.collectionCalls)} composite, ${int(r.bulkCalls)} Bulk 2.0; top Salesforce endpoints: ${topSf}${r.summary.error ? `; run ended: ${r.summary.error}` : ''}`
    );
    table.add(
      'backfill',
      `${label}: Bulk API 2.0 used above bulkThreshold (2,000)?`,
      r.bulkCalls > 0 ? 'yes' : 'no',
      r.bulkCalls > 0
        ? `${int(r.bulkCalls)} Bulk 2.0 calls (${int(r.bulkJobs)} jobs)`
        : 'no write reached the threshold'
    );
    return r;
  } finally {
    await Promise.all([sfEmu.close(), coupaEmu.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
