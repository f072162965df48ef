/**
 * Closed Won → Coupa requisition id back on the Opportunity, through the sandbox (startSandbox: both emulators and
 * the real connector with its scheduler). Deals are won by a person over REST, spread evenly across one polling
 * interval of the creation flow, all in one window; each is timed until Coupa_Requisition_Id__c is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../sandbox/sandbox';
import { secs } from './measure';
import type { Table } from './table';

export interface LatencyRun {
  label: string;
  /** connector.yaml to run with (CONNECTOR_CONFIG). */
  configFile: string;
  deals: number;
  /** The creation flow's polling interval: deals are spread across it. */
  intervalMs: number;
  /** Give up waiting for a deal after this long. */
  timeoutMs: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function benchLatency(table: Table, run: LatencyRun): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-latency-'));
  const before = process.env.CONNECTOR_CONFIG;
  process.env.CONNECTOR_CONFIG = run.configFile;
  const sandbox = await startSandbox({
    connectorPort: 0,
    salesforcePort: 0,
    coupaPort: 0,
    preview: false,
    sqlitePath: path.join(dir, 'state.db'),
    logLevel: 'silent'
  }).finally(() => {
    if (before === undefined) delete process.env.CONNECTOR_CONFIG;
    else process.env.CONNECTOR_CONFIG = before;
  });
  try {
    const sfEmu = sandbox.salesforce;
    const vendor = sfEmu.control.records('Account').find((a) => a.Coupa_Supplier_Id__c && !a.IsDeleted);
    const seed: Record<string, Record<string, unknown>[]> = {
      Product2: [{ '@ref': 'p', Name: 'Latency bench item', ProductCode: 'LAT-1', IsActive: true }],
      Opportunity: [],
      OpportunityLineItem: []
    };
    for (let i = 0; i < run.deals; i++) {
      seed.Opportunity.push({
        '@ref': `o${i}`,
        Name: `Latency deal ${i}`,
        StageName: 'Negotiation/Review',
        CloseDate: '2026-12-15',
        AccountId: vendor?.Id,
        Amount: 1000
      });
      seed.OpportunityLineItem.push({ OpportunityId: `@o${i}`, Product2Id: '@p', Quantity: 1, UnitPrice: 1000 });
    }
    const refs = sfEmu.control.seed(seed);
    const ids = Array.from({ length: run.deals }, (_, i) => refs[`o${i}`]);
    const api = `${sfEmu.url}/services/data/v62.0/sobjects/Opportunity`;
    const wonAt = new Map<string, number>();
    const latencies = new Map<string, number>();
    const spacing = run.intervalMs / run.deals;
    const t0 = performance.now();
    const wins = (async () => {
      for (const [i, id] of ids.entries()) {
        const wait = t0 + i * spacing - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        wonAt.set(id, performance.now());
        const res = await fetch(`${api}/${id}`, {
          method: 'PATCH',
          headers: { Authorization: `Bearer ${sandbox.personTokens.salesforce}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ StageName: 'Closed Won' })
        });
        if (!res.ok) throw new Error(`winning ${id}: ${res.status} ${await res.text()}`);
      }
    })();
    const deadline = t0 + run.intervalMs + run.timeoutMs;
    while (latencies.size < ids.length && performance.now() < deadline) {
      for (const o of sfEmu.control.records('Opportunity')) {
        const id = String(o.Id);
        if (o.Coupa_Requisition_Id__c && wonAt.has(id) && !latencies.has(id))
          latencies.set(id, performance.now() - wonAt.get(id)!);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await wins;
    const sorted = [...latencies.values()].sort((a, b) => a - b);
    const missing = ids.length - sorted.length;
    table.add(
      'latency',
      `Closed Won → requisition id on the Opportunity, ${run.label}`,
      sorted.length ? `p50 ${secs(pct(sorted, 50))}, p95 ${secs(pct(sorted, 95))}` : 'none arrived',
      `${sorted.length} of ${ids.length} deals won evenly over ${secs(run.intervalMs)}; max ${sorted.length ? secs(sorted[sorted.length - 1]) : '-'}${missing ? `; ${missing} not back within ${secs(run.timeoutMs)}` : ''}`
    );
    return sorted;
  } finally {
    await sandbox.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
