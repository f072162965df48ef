/**
 * `npm run bench`: what each flow costs in API calls and state-store statements (backfill, idle, 1% incremental),
 * the naive iPaaS-style baseline side by side, a 100k-invoice backfill against Coupa's rate limit, Coupa write
 * throughput, Closed Won → requisition latency, and engine throughput on both stores. One table, figures only.
 * `npm run bench -- --quick`: the same families on small data (CI smoke, well under a minute); no live-schedule
 * polling latency and no 100k backfill. `--live-latency` adds the latency with connector.yaml's polls (streaming off).
 * `--only=naive,flows` runs only the sections named (args.ts lists them).
 */
import os from 'node:os';
import { parseArgs, SECTIONS, type Section } from './args';
import { benchBackfill } from './backfill';
import { benchClients } from './clients';
import { CONFIG_FILE, SANDBOX_CONFIG_FILE } from './config';
import { benchEngine } from './engine';
import { benchFlows, type FlowMeasurement } from './flows';
import { benchLatency } from './latency';
import { mb } from './measure';
import { benchNaive, type NaiveMeasurement } from './naive';
import { benchStreamingIdle, liveConfigWithoutStreaming } from './streaming';
import { reportFlows, reportWriteThroughput } from './report';
import { Table } from './table';

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const t00 = performance.now();
  const log = (line: string) => process.stderr.write(`[${((performance.now() - t00) / 1000).toFixed(1)} s] ${line}\n`);
  const table = new Table();
  const started = performance.now();
  // Interrupted (Ctrl-C, a CI timeout): print what was measured so far rather than nothing.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\n${table.render()}\n(interrupted by ${signal}: partial table)\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  let failures = 0;
  /** One measurement family; a crash is reported in the table (and fails the run) without losing the others. */
  const family = async (name: string, fn: () => Promise<void>) => {
    log(name);
    try {
      await fn();
    } catch (err) {
      failures++;
      table.add('error', name, 'crashed', err instanceof Error ? err.message : String(err));
      log(`${name} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };
  const sizes = args.quick
    ? { coupaSeed: 100, opportunities: 5, onboardingRequests: 5 } // every flow and recipe still has records
    : { coupaSeed: 4_000, opportunities: 200, onboardingRequests: 100 };

  const on = (section: Section) => args.only.has(section);

  if (on('flows') || on('naive'))
    await family(
      `${[on('flows') ? 'flows' : '', on('naive') ? 'naive baseline' : ''].filter(Boolean).join(' and ')} (Coupa seed ${sizes.coupaSeed}, ${sizes.opportunities} deals, ${sizes.onboardingRequests} onboarding requests)`,
      async () => {
        let ours: FlowMeasurement[] = [];
        if (on('flows')) {
          const bench = await benchFlows(sizes, log);
          await bench.close();
          ours = bench.results;
        }
        let naive: NaiveMeasurement[] = [];
        if (on('naive')) {
          log('naive baseline');
          naive = await benchNaive(sizes, log, Object.fromEntries(ours.map((r) => [r.flow, r.incremental.changed])));
        }
        reportFlows(table, ours, naive);
        reportWriteThroughput(table, ours);
      }
    );
  if (on('backfill'))
    await family(`backfill of ${args.backfillInvoices} invoices`, async () => {
      await benchBackfill(table, args.backfillInvoices);
    });
  if (on('backfill') && !args.quick) {
    // The same backfill in an org whose daily allowance does not run out, for the complete wall time and memory.
    await family(`backfill of ${args.backfillInvoices} invoices, large API allowance`, async () => {
      await benchBackfill(table, args.backfillInvoices, {
        apiLimit: 5_000_000,
        label: 'org with 5,000,000 API calls/24 h'
      });
    });
  }
  if (on('latency')) {
    await family('latency, sandbox config', async () => {
      await benchLatency(table, {
        label: 'sandbox config (streamed; safety-net poll each minute)',
        configFile: SANDBOX_CONFIG_FILE,
        deals: args.quick ? 3 : 20,
        intervalMs: 5_000,
        timeoutMs: 30_000
      });
    });
    await family('latency, live default config', async () => {
      await benchLatency(table, {
        label: 'live default config (streamed over Pub/Sub)',
        configFile: CONFIG_FILE,
        deals: args.quick ? 5 : 40,
        intervalMs: args.quick ? 2_000 : 10_000,
        timeoutMs: 30_000
      });
    });
    if (args.liveLatency) {
      // connector.yaml with streaming off: creation every 2 minutes; the status write-back at second :15 of each minute.
      await family('latency, live default config, polling', async () => {
        const polling = liveConfigWithoutStreaming();
        try {
          await benchLatency(table, {
            label: 'live default config with streaming off (creation poll */2 min, status poll each minute at :15)',
            configFile: polling.file,
            deals: 20,
            intervalMs: 120_000,
            timeoutMs: 150_000
          });
        } finally {
          polling.remove();
        }
      });
    } else {
      table.add(
        'latency',
        'Closed Won → requisition id on the Opportunity, live default config with streaming off (computed, not measured)',
        'p50 ≈ 75 s, p95 ≈ 129 s',
        'computed from connector.yaml: wait for the */2-minute creation poll (uniform 0–120 s: p50 60 s, p95 114 s) + 15 s until the status poll at second :15 + processing (< 1 s, measured above); run with --live-latency to measure it (adds ~4 minutes)'
      );
    }
  }
  if (on('streaming')) await family('idle streaming', () => benchStreamingIdle(table, args.quick ? 5_000 : 60_000));
  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (on('engine')) await family('engine', () => benchEngine(table, args.quick ? 600 : 10_000, pgUrl));
  if (on('clients'))
    await family('clients', () =>
      benchClients(
        table,
        args.quick ? { salesforceRecords: 1_000, coupaSeed: 200 } : { salesforceRecords: 10_000, coupaSeed: 4_000 }
      )
    );

  table.add(
    'run',
    'this benchmark',
    `${((performance.now() - started) / 1000).toFixed(0)} s`,
    `${args.quick ? '--quick' : 'full'}${args.only.size < SECTIONS.length ? ` (only ${[...args.only].join(', ')})` : ''}; peak RSS of the bench process ${mb(process.resourceUsage().maxRSS * 1024)} (emulators included); Node ${process.version}, ${os.cpus().length} CPUs`
  );
  process.stdout.write(`\n${table.render()}`);
  if (failures) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
