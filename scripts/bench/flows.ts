/**
 * Per-flow API and state-store cost, through the real flow code (FLOW_MODULES) with the live default configuration
 * (config/connector.yaml: batch sizes, overlap windows, flow options, engine retry, Coupa rate limit, bulk
 * threshold) against the emulators' request counters:
 *   backfill (first sync) → idle polling cycles (nothing changed) → incremental sync with 1% of records changed.
 * Figures only; a flow that misbehaves is reported as it is.
 */
import { loadConfig, type ConnectorConfig } from '../../middleware/src/config';
import { engineOptionsFromConfig, registerOptionsFromConfig } from '../../middleware/src/engine';
import { FLOW_MODULES } from '../../middleware/src/flows';
import type { RunSummary } from '../../middleware/src/engine/runner';
import { openCountingStore, type CountingStore } from './counting-store';
import { measure, type Cost } from './measure';
import { startRig, type Rig } from './rig';
import { CONFIG_FILE } from './config';
import { FLOW_ORDER, scenario } from './scenario';

export interface FlowBenchSizes {
  /** Coupa seed size: 10% suppliers, 27% invoices, 5% contracts, 25% requisitions, 25% POs, 4% budget lines. */
  coupaSeed: number;
  /** Opportunities won in Salesforce (each creates a requisition, one POST at a time). */
  opportunities: number;
  /** Supplier onboarding requests created in Salesforce. */
  onboardingRequests: number;
}

export interface FlowMeasurement {
  flow: string;
  /** Records the first sync read (the data set size the per-1,000 figures are normalised by). */
  records: number;
  backfill: Cost & { summary: RunSummary };
  idleFirst: Cost;
  idle: Cost;
  incremental: Cost & { summary: RunSummary; changed: number };
}

export interface FlowBench {
  rig: Rig;
  counting: CountingStore;
  config: ConnectorConfig;
  results: FlowMeasurement[];
  close(): Promise<void>;
}

/** connector.yaml as shipped, read the way the runtime reads it (no credentials: connections come from the rig). */
export function liveConfig(configFile = CONFIG_FILE): ConnectorConfig {
  return loadConfig({ env: {}, configFile });
}

/** A rig wired like the runtime (build.ts): config limits on the clients, engine options, every module registered. */
export async function startConfiguredRig(
  config: ConnectorConfig,
  coupaSeed: number
): Promise<{ rig: Rig; counting: CountingStore; flowNames: string[] }> {
  const counting = await openCountingStore({ sqlitePath: ':memory:' });
  const rig = await startRig({
    coupa: { seed: { size: coupaSeed, seed: 1 } },
    store: counting.store,
    engine: engineOptionsFromConfig(config.engine),
    engineOnEmulatorClock: true,
    backoff: null,
    coupaRate: {
      ratePerSecond: config.limits.coupa.rateLimit.requestsPerSecond,
      burst: config.limits.coupa.rateLimit.burst
    },
    bulkThreshold: config.limits.salesforce.bulkThreshold
  });
  const flowNames: string[] = [];
  for (const module of FLOW_MODULES) {
    const flowConfig = config.flows[module.name];
    for (const [i, definition] of module.build(rig.deps(flowConfig.options)).entries()) {
      const reg = registerOptionsFromConfig(flowConfig);
      if (i > 0) delete reg.schedule;
      rig.engine.register(definition, reg);
      flowNames.push(definition.name);
    }
  }
  return { rig, counting, flowNames };
}

/** Runs the whole per-flow measurement on one rig, flows in dependency order. */
export async function benchFlows(sizes: FlowBenchSizes, log: (line: string) => void): Promise<FlowBench> {
  const config = liveConfig();
  const { rig, counting, flowNames } = await startConfiguredRig(config, sizes.coupaSeed);
  const { engine } = rig;
  const { advance, changes, prepare } = await scenario(rig, sizes);

  const order = FLOW_ORDER.filter((n) => flowNames.includes(n));
  for (const n of flowNames) if (!order.includes(n)) order.push(n);

  const run = async (name: string) => {
    const summary = await engine.runNow(name);
    if (summary.status === 'failed') log(`  ${name}: run failed: ${summary.error ?? ''}`);
    return summary;
  };

  const backfill = new Map<string, Cost & { summary: RunSummary }>();
  for (const name of order) {
    await prepare[name]?.();
    advance(2_000);
    const { cost, value } = await measure(rig, counting, () => run(name));
    backfill.set(name, { ...cost, summary: value });
    log(
      `  backfill ${name}: ${value.counts.read} read, ${cost.salesforce} SF, ${cost.coupa} Coupa calls, ${(cost.ms / 1000).toFixed(1)} s`
    );
  }
  // Idle: one polling interval later (past every overlap window), nothing changed by anyone. Two cycles: the first
  // may still see the flows' own writes of the backfill; the second is the steady state.
  const idleRound = async () => {
    advance(5 * 60_000);
    const costs = new Map<string, Cost>();
    for (const name of order) costs.set(name, (await measure(rig, counting, () => run(name))).cost);
    return costs;
  };
  const idleFirst = await idleRound();
  const idle = await idleRound();
  log('  idle cycles measured');

  const results: FlowMeasurement[] = [];
  for (const name of order) {
    const b = backfill.get(name)!;
    const records = b.summary.counts.read;
    const changed = Math.max(1, Math.round(records / 100));
    advance(5 * 60_000);
    // Settle whatever earlier flows' incremental changes left for this one, then change 1% and measure.
    await run(name);
    advance(2_000);
    await changes[name]?.(changed);
    advance(2_000);
    const { cost, value } = await measure(rig, counting, () => run(name));
    results.push({
      flow: name,
      records,
      backfill: b,
      idleFirst: idleFirst.get(name)!,
      idle: idle.get(name)!,
      incremental: { ...cost, summary: value, changed: changes[name] ? changed : 0 }
    });
    log(`  incremental ${name}: ${value.counts.read} read, ${cost.salesforce} SF, ${cost.coupa} Coupa calls`);
  }
  return { rig, counting, config, results, close: () => rig.close() };
}
