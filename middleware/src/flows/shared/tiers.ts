/** Tiered matching: the first tier that finds anything decides (one hit matches, several are ambiguous). */

export type TierDecision = { targetId: string | null } | { ambiguous: string[] };

/**
 * Matching tiers in order of trust (link, supplier id, number, tax id, DUNS, name + country): the first tier
 * that finds anything decides — one record is a match, several are ambiguous (never guess, never create).
 */
export async function decide(tiers: Array<() => Promise<string[]>>): Promise<TierDecision> {
  for (const tier of tiers) {
    const ids = [...new Set(await tier())];
    if (ids.length === 1) return { targetId: ids[0] };
    if (ids.length > 1) return { ambiguous: ids };
  }
  return { targetId: null };
}

/** `decide` over tiers already answered (batched lookups). */
export function decideSync(tiers: Array<() => string[]>): TierDecision {
  for (const tier of tiers) {
    const ids = [...new Set(tier())];
    if (ids.length === 1) return { targetId: ids[0] };
    if (ids.length > 1) return { ambiguous: ids };
  }
  return { targetId: null };
}
