import type { Emulator } from '../emulator';
import { badRequest } from '../errors';
import { dashKey } from '../keys';
import type { ResourceDef } from '../resources/types';
import type { Rec } from '../store';
import { property } from '../swagger';
import { matches, parseConditions, type Condition } from './filters';

export const MAX_LIMIT = 50;

export interface Page {
  limit: number;
  offset: number;
  orderBy: string;
  dir: 'asc' | 'desc';
}

function nonNegativeInt(raw: string | null, name: string, errorKey: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(errorKey, `${name} must be a non-negative integer`);
  return Number(raw);
}

export function parsePage(emu: Emulator, def: ResourceDef, params: URLSearchParams): Page {
  let limit = nonNegativeInt(params.get('limit'), 'limit', def.errorKey) ?? MAX_LIMIT;
  if (limit > MAX_LIMIT) {
    if (emu.options.limitAbove50 === 'reject') throw badRequest(def.errorKey, `limit must be less than or equal to ${MAX_LIMIT}`);
    limit = MAX_LIMIT;
  }
  if (limit === 0) limit = MAX_LIMIT;
  const offset = nonNegativeInt(params.get('offset'), 'offset', def.errorKey) ?? 0;
  const orderBy = dashKey(params.get('order_by') ?? 'id');
  const dirRaw = (params.get('dir') ?? 'asc').toLowerCase();
  if (dirRaw !== 'asc' && dirRaw !== 'desc') throw badRequest(def.errorKey, "dir must be 'asc' or 'desc'");
  if (orderBy !== 'id' && !def.associations?.[orderBy]) {
    const p = property(def.def, orderBy);
    if (!p || p.$ref || p.type === 'array') throw badRequest(def.errorKey, `Cannot order by '${params.get('order_by')}'`);
  }
  return { limit, offset, orderBy, dir: dirRaw };
}

function compare(a: unknown, b: unknown): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * For `id[in]=…` or `<top-level text attribute>[in]=…`, the only rows that can match, in id order (looked up by id or
 * through the collection's value index) instead of a scan of the whole collection. Every row is still tested against
 * all conditions, so the result is the scan's.
 */
function candidates(coll: ReturnType<Emulator['collection']>, conditions: Condition[]): Rec[] | undefined {
  const c = conditions.find((x) => x.op === 'in' && x.path.length === 1 && (x.path[0] === 'id' || x.leaf === 'string'));
  if (!c) return undefined;
  const values = c.value.split(',').map((v) => v.trim());
  const ids = new Set<number>();
  if (c.path[0] === 'id') {
    for (const v of values) if (/^\d+$/.test(v)) ids.add(Number(v));
  } else {
    for (const v of values) for (const r of coll.lookup(c.path[0], v, true)) ids.add(r.id);
  }
  const out: Rec[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const rec = coll.get(id);
    if (rec) out.push(rec);
  }
  return out;
}

/** Filters, orders (default id ASC) and pages a collection; streams when ordered by id. */
export function runQuery(emu: Emulator, def: ResourceDef, params: URLSearchParams, shift = 0): Rec[] {
  const conditions = parseConditions(emu, def, params);
  const page = parsePage(emu, def, params);
  const offset = Math.max(0, page.offset + shift);
  const coll = emu.collection(def.name);
  if (page.orderBy === 'id' && page.dir === 'asc') {
    const out: Rec[] = [];
    let skipped = 0;
    for (const rec of candidates(coll, conditions) ?? coll.scan()) {
      if (!matches(emu, def, rec, conditions)) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      out.push(rec);
      if (out.length >= page.limit) break;
    }
    return out;
  }
  const ordering = page.dir === 'asc' ? coll.ordered(page.orderBy, compare) : undefined;
  if (ordering) {
    // Same rows as filtering and sorting everything: walk the cached (value, id) order and stop once the page is full.
    let start = 0;
    const range = conditions.filter((c) => c.path.length === 1 && c.path[0] === page.orderBy && (c.op === 'gt' || c.op === 'gt_or_eq'));
    if (range.length && ordering.numeric) {
      // A lower bound on the ordering field holds for a suffix of the order: find where it starts.
      let lo = 0;
      let hi = ordering.ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const rec = coll.get(ordering.ids[mid]);
        if (rec && matches(emu, def, rec, range)) hi = mid;
        else lo = mid + 1;
      }
      start = lo;
    }
    const out: Rec[] = [];
    let skipped = 0;
    for (let i = start; i < ordering.ids.length && out.length < page.limit; i++) {
      const rec = coll.get(ordering.ids[i]);
      if (!rec || !matches(emu, def, rec, conditions)) continue;
      if (skipped < offset) {
        skipped++;
        continue;
      }
      out.push(rec);
    }
    return out;
  }
  const all: Rec[] = [];
  for (const rec of coll.scan()) if (matches(emu, def, rec, conditions)) all.push(rec);
  const sign = page.dir === 'desc' ? -1 : 1;
  all.sort((a, b) => sign * compare(a[page.orderBy], b[page.orderBy]) || a.id - b.id);
  return all.slice(offset, offset + page.limit);
}
