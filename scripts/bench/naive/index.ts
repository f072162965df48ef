/**
 * The naive baseline: the same flows written the way most iPaaS recipes are. A polling trigger lists what changed,
 * then every record costs its own REST calls: a "get record by id", a "search" lookup in the other system, and one
 * create/update/upsert call. No sObject Collections, no batching, no IN-list lookups, no state store, and no echo
 * ledger (what we wrote comes back as a change and is written again). Same emulators, same seed, same changes,
 * same Coupa rate limit (the recipe waits and retries on 429 like any polite client, via the same CoupaClient).
 * The steps are in kit.ts, the recipes one file per business object.
 */
import type { Connection } from 'jsforce';
import type { CoupaClient } from '../../../middleware/src/coupa';
import { measure, type Cost } from '../measure';
import { startRig } from '../rig';
import { FLOW_ORDER, scenario, type ScenarioSizes } from '../scenario';
import { contractRecipes } from './contracts';
import { invoiceRecipes } from './invoices';
import { naiveKit, type NaiveFlow } from './kit';
import { onboardingRecipes } from './onboarding';
import { requisitionRecipes } from './requisitions';
import { supplierRecipes } from './suppliers';

export type { NaiveFlow } from './kit';

export function naiveFlows(coupa: CoupaClient, person: Connection): NaiveFlow[] {
  const kit = naiveKit(coupa, person);
  const recipes = [
    ...supplierRecipes(kit),
    ...invoiceRecipes(kit),
    ...contractRecipes(kit),
    ...requisitionRecipes(kit),
    ...onboardingRecipes(kit)
  ];
  return FLOW_ORDER.map((flow) => {
    const recipe = recipes.find((r) => r.flow === flow);
    if (!recipe) throw new Error(`no naive recipe for ${flow}`);
    return recipe;
  });
}

export interface NaiveMeasurement {
  flow: string;
  records: number;
  backfill: Cost;
  idle: Cost;
  incremental: Cost & { changed: number };
}

/**
 * The baseline on a fresh pair of emulators with the same seed, prepared and changed exactly like the connector's.
 * `changedCounts` (records changed per flow in the connector's incremental run) makes the 1% the same number of
 * records; without it each recipe changes 1% of what it handled in its own backfill.
 */
export async function benchNaive(
  sizes: { coupaSeed: number } & ScenarioSizes,
  log: (line: string) => void,
  changedCounts: Record<string, number> = {}
): Promise<NaiveMeasurement[]> {
  // An allowance that cannot run out: the recipes spend Salesforce calls freely, and one stopped by the daily limit
  // would make its figures look cheaper than they are.
  const rig = await startRig({
    coupa: { seed: { size: sizes.coupaSeed, seed: 1 } },
    salesforce: { apiLimit: 5_000_000 },
    backoff: null
  });
  try {
    const { person, advance, changes, prepare } = await scenario(rig, sizes);
    const flows = naiveFlows(rig.coupa, person);
    const backfill = new Map<string, { cost: Cost; records: number }>();
    for (const f of flows) {
      await prepare[f.flow]?.();
      advance(2_000);
      const { cost, value } = await measure(rig, undefined, () => f.run());
      backfill.set(f.flow, { cost, records: value });
      log(
        `  naive backfill ${f.flow}: ${value} records, ${cost.salesforce} SF, ${cost.coupa} Coupa calls, ${(cost.ms / 1000).toFixed(1)} s`
      );
    }
    // One idle cycle: without an echo ledger the recipes never settle (each direction re-sends what the other just
    // wrote), so there is no steady state to wait for, and no settling run before the incremental change either.
    const idle = new Map<string, Cost>();
    advance(5 * 60_000);
    for (const f of flows) idle.set(f.flow, (await measure(rig, undefined, () => f.run())).cost);
    const out: NaiveMeasurement[] = [];
    for (const f of flows) {
      const b = backfill.get(f.flow)!;
      const changed = changedCounts[f.flow] || Math.max(1, Math.round(b.records / 100));
      advance(5 * 60_000);
      await changes[f.flow]?.(changed);
      advance(2_000);
      const { cost } = await measure(rig, undefined, () => f.run());
      out.push({
        flow: f.flow,
        records: b.records,
        backfill: b.cost,
        idle: idle.get(f.flow)!,
        incremental: { ...cost, changed }
      });
    }
    const total = (pick: (c: Cost) => number) =>
      out.reduce((n, m) => n + pick(m.backfill) + pick(m.idle) + pick(m.incremental), 0);
    log(
      `  naive total: ${total((c) => c.salesforce)} SF calls (emulator org allowance: 15,000 a day by default), ${total((c) => c.coupa)} Coupa calls`
    );
    return out;
  } finally {
    await rig.close();
  }
}
