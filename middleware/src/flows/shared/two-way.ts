/**
 * What the two directions of a two-way flow share, all derived from its one mapping: which fields are shared (mapped
 * by both owners) and who owns the rest, the lineage of each direction, what a write leaves in sync on its source, and
 * a target's current values for two-sided change detection. Both declarations (`define-flow.ts`,
 * `define-salesforce-to-coupa.ts`) take it as their `twoWay` part.
 */
import type { Direction } from '../../mapping';
import type { SystemName } from '../../engine';
import { getPath, lineageOf, mapRecord, sameValue, type CompiledMapping } from '../../mapping';
import type { StateStore } from '../../store';

const top = (path: string) => path.split('.')[0];

/** Field pairs mapped in both directions: no single owner. */
export function sharedPairs(mapping: CompiledMapping): Array<{ coupa: string; salesforce: string }> {
  const seen = new Map<string, Set<string>>();
  for (const f of mapping.fields) {
    if (!f.spec.coupa || !f.spec.salesforce) continue;
    const k = `${f.spec.coupa}\u0000${f.spec.salesforce}`;
    seen.set(k, (seen.get(k) ?? new Set()).add(f.owner));
  }
  return [...seen]
    .filter(([, owners]) => owners.size === 2)
    .map(([k]) => {
      const [coupa, salesforce] = k.split('\u0000');
      return { coupa, salesforce };
    });
}

/** Payload key → owner for the payload written to `target`; shared keys are left without an owner. */
export function ownersFor(mapping: CompiledMapping, target: SystemName): Record<string, SystemName> {
  const shared = new Set(sharedPairs(mapping).map((p) => top(p[target])));
  const owners: Record<string, SystemName> = {};
  for (const f of mapping.fields) {
    const path = f.spec[target];
    if (path && !shared.has(top(path))) owners[top(path)] = f.owner;
  }
  return owners;
}

/** Salesforce fields a two-way flow reads (its source fields one way, its target's current values the other). */
export function salesforceFields(mapping: CompiledMapping, extra: string[] = []): string[] {
  const externalId = mapping.spec.salesforce.externalId;
  return [
    ...new Set([
      'Id',
      ...(externalId ? [externalId] : []),
      ...extra,
      ...mapping.fields.map((f) => f.spec.salesforce).filter((p): p is string => !!p && p !== 'Id'),
      ...(mapping.spec.salesforce.reads ?? []),
    ]),
  ];
}

export type TargetValues = 'shared' | 'all' | 'none';

export interface TwoWaySync {
  mapping: CompiledMapping;
  /** Links, echo ledger and ping-pong counts of both directions. */
  linkGroup: string;
  lineage: Record<Direction, Record<string, string[]>>;
  /** The Salesforce fields both directions read (source records one way, current target values the other). */
  salesforceFields: string[];
  shared: Array<{ coupa: string; salesforce: string }>;
  /** What a system shows after a write of `payload` (Salesforce derives a Contract's EndDate, say). */
  shows(system: SystemName, payload: Record<string, unknown>): Record<string, unknown>;
  /**
   * What a write leaves in sync on its source, in the reverse direction's payload shape: the reverse mapping of the
   * values written, for the fields computed only from written values (so the reverse direction does not send them back).
   */
  inSyncAfter(reverse: Direction, written: Record<string, unknown>, before?: Record<string, unknown> | null): Promise<Record<string, unknown>>;
  /**
   * Which of a target's current values each direction reads before writing to records it is linked or matched to:
   * `shared` (the shared fields, for two-sided change detection), `all` (the whole record, so that the first write
   * after a match sends only what differs) or `none` (no read).
   */
  targetValues: Record<SystemName, TargetValues>;
  /**
   * Current target values in payload shape, by target record id: the record as read for `all`; for `shared`, the
   * shared fields, which the engine compares with what this direction last wrote (a value the other direction carried
   * over since, the target's own change already synced, is reported as unchanged, so alternating edits on the two
   * sides are not taken for conflicts).
   */
  currentValues(target: SystemName, raw: Map<string, Record<string, unknown>>): Promise<Map<string, Record<string, unknown>>>;
}

export function twoWaySync(opts: {
  mapping: CompiledMapping;
  linkGroup: string;
  store: StateStore;
  sides: Record<SystemName, { system: SystemName; object: string }>;
  shows?: Partial<Record<SystemName, (payload: Record<string, unknown>) => Record<string, unknown>>>;
  /** Salesforce fields read besides the mapping's. */
  salesforceReads?: string[];
  /** Per target system; default `shared` for both. */
  targetValues?: Partial<Record<SystemName, TargetValues>>;
}): TwoWaySync {
  const { mapping, linkGroup, store, sides } = opts;
  const pairs = sharedPairs(mapping);
  const lineage = { 'coupa-to-salesforce': lineageOf(mapping, 'coupa-to-salesforce'), 'salesforce-to-coupa': lineageOf(mapping, 'salesforce-to-coupa') };
  const map = async (direction: Direction, data: Record<string, unknown>) => (await mapRecord(mapping, direction, data)).payload;
  const shows = (system: SystemName, p: Record<string, unknown>) => opts.shows?.[system]?.(p) ?? p;

  return {
    mapping,
    linkGroup,
    lineage,
    salesforceFields: salesforceFields(mapping, opts.salesforceReads),
    shared: pairs,
    targetValues: { salesforce: opts.targetValues?.salesforce ?? 'shared', coupa: opts.targetValues?.coupa ?? 'shared' },
    shows,
    async inSyncAfter(reverse, written, before) {
      const mapped = await map(reverse, { ...(before ?? {}), ...written });
      const has = (path: string) => getPath(written, path) !== undefined;
      return Object.fromEntries(
        Object.entries(mapped).filter(([k, v]) => v !== null && v !== undefined && (lineage[reverse][k] ?? []).length > 0 && lineage[reverse][k].every(has)),
      );
    },
    async currentValues(target, raw) {
      if (opts.targetValues?.[target] === 'all') return raw;
      const toTarget: Direction = target === 'salesforce' ? 'coupa-to-salesforce' : 'salesforce-to-coupa';
      const fromTarget: Direction = target === 'salesforce' ? 'salesforce-to-coupa' : 'coupa-to-salesforce';
      const source: SystemName = target === 'salesforce' ? 'coupa' : 'salesforce';
      const side = sides[target];
      const out = new Map<string, Record<string, unknown>>();
      // The page's links and both directions' echo entries: two statements for the page, not three per record.
      const links = new Map(
        (await store.findLinks(linkGroup, side.system, side.object, [...raw.keys()])).map((l) => [target === 'salesforce' ? l.sfId : l.coupaId, l]),
      );
      const echoes = new Map<string, Record<string, unknown>>();
      if (links.size) {
        for (const e of await store.listEchoes(linkGroup, [...links.values()].map((l) => l.id))) {
          if (e.payload) echoes.set(`${e.linkId}|${e.direction}`, e.payload as Record<string, unknown>);
        }
      }
      for (const [id, rec] of raw) {
        const mid = await map(fromTarget, rec);
        const view = await map(toTarget, shows(source, mid));
        const current: Record<string, unknown> = {};
        for (const p of pairs) current[top(p[target])] = view[top(p[target])];
        const link = links.get(id);
        if (link) {
          const lastWritten = echoes.get(`${link.id}|to-${target}`);
          const carried = echoes.get(`${link.id}|to-${source}`);
          if (lastWritten && carried) {
            const carriedAsTarget = await map(toTarget, shows(source, carried));
            for (const p of pairs) {
              const k = top(p[target]);
              if (top(p[source]) in carried && k in lastWritten && sameValue(current[k], carriedAsTarget[k])) current[k] = lastWritten[k];
            }
          }
        }
        out.set(id, current);
      }
      return out;
    },
  };
}
