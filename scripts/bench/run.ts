/**
 * `npm run bench`: what each flow costs in API calls and state-store statements (backfill, idle, 1% incremental),
 * the naive iPaaS-style baseline side by side, a 100k-invoice backfill against Coupa's rate limit, Coupa write
 * throughput, Closed Won → requisition latency, and engine throughput on both stores. One table, figures only.
 * `npm run bench -- --quick`: the same families on small data (CI smoke, well under a minute); no live-schedule
 * polling latency and no 100k backfill. `--live-latency` adds the latency with connector.yaml's polls (streaming off).
 */
import os from 'node:os';
import { benchBackfill } from './backfill';
import { benchClients } from './clients';
import { CONFIG_FILE, SANDBOX_CONFIG_FILE } from './config';
import { benchEngine } from './engine';
import { benchFlows } from './flows';
import { benchLatency } from './latency';
import { mb } from './measure';
import { benchNaive } from './naive';
import { benchStreamingIdle, liveConfigWithoutStreaming } from './streaming';
import { reportFlows, reportWriteThroughput } from './report';
import { Table } from './table';

export interface BenchArgs {
  quick: boolean;
  liveLatency: boolean;
  backfillInvoices: number;
  /** Run only the families whose name starts with this (`--only=backfill`); the table then holds just those. */
  only: string | null;
}

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes('--quick');
  const n = argv.find((a) => a.startsWith('--backfill='));
  return {
    quick,
    liveLatency: argv.includes('--live-latency'),
    backfillInvoices: n ? Number(n.split('=')[1]) : quick ? 1_000 : 100_000,
    only: argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? null
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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
    if (args.only && !name.startsWith(args.only)) return;
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
    ? { coupaSeed: 200, opportunities: 5, onboardingRequests: 5 }
    : { coupaSeed: 4_000, opportunities: 200, onboardingRequests: 100 };

  await family(
    `flows and naive baseline (Coupa seed ${sizes.coupaSeed}, ${sizes.opportunities} deals, ${sizes.onboardingRequests} onboarding requests)`,
    async () => {
      const ours = await benchFlows(sizes, log);
      await ours.close();
      log('naive baseline');
      const naive = await benchNaive(sizes, log);
      reportFlows(table, ours.results, naive);
      reportWriteThroughput(table, ours.results);
    }
  );
  await family(`backfill of ${args.backfillInvoices} invoices`, async () => {
    await benchBackfill(table, args.backfillInvoices);
  });
  if (!args.quick) {
    // The same backfill in an org whose daily allowance does not run out, for the complete wall time and memory.
    await family(`backfill of ${args.backfillInvoices} invoices, large API allowance`, async () => {
      await benchBackfill(table, args.backfillInvoices, {
        apiLimit: 5_000_000,
        label: 'org with 5,000,000 API calls/24 h'
      });
    });
  }
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
  await family('idle streaming', () => benchStreamingIdle(table, args.quick ? 5_000 : 60_000));
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
  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  await family('engine', () => benchEngine(table, args.quick ? 600 : 10_000, pgUrl));
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
    `${args.quick ? '--quick' : 'full'}; peak RSS of the bench process ${mb(process.resourceUsage().maxRSS * 1024)} (emulators included); Node ${process.version}, ${os.cpus().length} CPUs`
  );
  process.stdout.write(`\n${table.render()}`);
  if (failures) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
