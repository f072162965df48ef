import { parseCoupaDate } from '../clock';
import type { Emulator } from '../emulator';
import { badRequest } from '../errors';
import { dashKey } from '../keys';
import type { ResourceDef, Shape } from '../resources/types';
import type { Rec } from '../store';
import { isDatetime, property } from '../swagger';

/** Query parameters that are not attribute filters. */
export const RESERVED = new Set(['limit', 'offset', 'order_by', 'dir', 'return_object', 'fields', 'filter', 'show_deleted_lines']);

export const OPERATORS = ['contains', 'starts_with', 'ends_with', 'gt', 'lt', 'gt_or_eq', 'lt_or_eq', 'not_eq', 'in', 'not_in', 'blank'] as const;
type Operator = (typeof OPERATORS)[number] | 'eq';
type LeafType = 'datetime' | 'number' | 'boolean' | 'string';

export interface Condition {
  key: string;
  path: string[];
  op: Operator;
  value: string;
  leaf: LeafType;
}

/** "supplier[primary-contact][email][contains]" → ["supplier", "primary-contact", "email", "contains"]. */
export function splitKey(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return [key];
  const rest = [...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]);
  return [m[1], ...rest];
}

export function parseConditions(emu: Emulator, def: ResourceDef, params: URLSearchParams): Condition[] {
  const out: Condition[] = [];
  for (const [rawKey, rawValue] of params) {
    if (RESERVED.has(rawKey)) continue;
    let key = rawKey;
    let value = rawValue;
    const alias = def.queryAlias?.(dashKey(key), value);
    if (alias) [key, value] = alias;
    const segs = splitKey(key);
    let op: Operator = 'eq';
    const last = segs[segs.length - 1];
    if (segs.length > 1 && (OPERATORS as readonly string[]).includes(last.replace(/-/g, '_'))) {
      op = last.replace(/-/g, '_') as Operator;
      segs.pop();
    }
    const path = segs.map((s, i) => (i > 0 && segs[i - 1] === 'custom-fields' ? s : dashKey(s)));
    if (emu.options.undocumentedFilters === 'ignore') {
      // An instance that does not apply undocumented filters: custom-field and unknown-attribute filters are dropped.
      if (path[0] === 'custom-fields') continue;
      try {
        resolveLeaf(emu, def, path, rawKey, def.errorKey);
      } catch {
        continue;
      }
    }
    const leaf = resolveLeaf(emu, def, path, rawKey, def.errorKey);
    if (leaf === 'datetime' && ['contains', 'starts_with', 'ends_with', 'blank'].includes(op)) {
      throw badRequest(def.errorKey, `Operator '${op}' is not supported for date/time attribute '${path.join('.')}'`);
    }
    if (leaf === 'datetime' && !['in', 'not_in'].includes(op) && parseCoupaDate(value) === undefined) {
      throw badRequest(def.errorKey, `Invalid date '${value}' for '${rawKey}'`);
    }
    out.push({ key: rawKey, path, op, value, leaf });
  }
  return out;
}

function resolveLeaf(emu: Emulator, shape: Shape, path: string[], rawKey: string, errorKey: string): LeafType {
  const [seg, ...rest] = path;
  const unknown = () => badRequest(errorKey, `Unknown attribute '${rawKey}' in query`);
  if (seg === 'id') {
    if (rest.length) throw unknown();
    return 'number';
  }
  if (seg === 'custom-fields') {
    const res = shape as ResourceDef;
    if (!res.customFields || rest.length !== 1 || !emu.customFieldNames(res.name).includes(rest[0])) throw unknown();
    return 'string';
  }
  const assoc = shape.associations?.[seg];
  if (assoc) {
    if (!rest.length) return 'number';
    return resolveLeaf(emu, emu.resource(assoc.resource), rest, rawKey, errorKey);
  }
  const embed = shape.embeds?.[seg];
  if (embed) {
    if (!rest.length) throw unknown();
    return resolveLeaf(emu, embed, rest, rawKey, errorKey);
  }
  const prop = property(shape.def, seg);
  if (!prop || rest.length || prop.$ref || prop.type === 'array') throw unknown();
  if (isDatetime(prop)) return 'datetime';
  if (prop.type === 'integer' || prop.type === 'number') return 'number';
  if (prop.type === 'boolean') return 'boolean';
  return 'string';
}

function valuesAt(emu: Emulator, shape: Shape, rec: Rec | undefined, path: string[]): unknown[] {
  if (!rec) return [undefined];
  const [seg, ...rest] = path;
  if (seg === 'custom-fields') return [(rec['custom-fields'] ?? {})[rest[0]]];
  if (!rest.length) return [rec[seg]];
  const assoc = shape.associations?.[seg];
  if (assoc) {
    const id = rec[seg];
    const target = id === null || id === undefined ? undefined : emu.collection(assoc.resource).get(Number(id));
    return valuesAt(emu, emu.resource(assoc.resource), target, rest);
  }
  const embed = shape.embeds?.[seg];
  if (embed) {
    const v = rec[seg];
    if (embed.many) {
      const items = (v as Rec[]) ?? [];
      return items.length ? items.flatMap((i) => valuesAt(emu, embed, i, rest)) : [undefined];
    }
    return valuesAt(emu, embed, v as Rec | undefined, rest);
  }
  return [undefined];
}

function normalise(leaf: LeafType, v: string): unknown {
  switch (leaf) {
    case 'datetime':
      return parseCoupaDate(v);
    case 'number':
      return v.trim() === '' ? NaN : Number(v);
    case 'boolean':
      return v === 'true' || v === '1';
    default:
      return v.toLowerCase();
  }
}

/** Parsed `in` / `not_in` lists, once per condition rather than once per row tested. */
const inLists = new WeakMap<Condition, unknown[]>();

function test(c: Condition, actual: unknown): boolean {
  const blank = actual === null || actual === undefined || actual === '';
  if (c.op === 'blank') return (c.value === 'true' || c.value === '1') === blank;
  if (blank) return false;
  if (c.op === 'in' || c.op === 'not_in') {
    let list = inLists.get(c);
    if (!list) inLists.set(c, (list = c.value.split(',').map((x) => normalise(c.leaf, x.trim()))));
    const have = c.leaf === 'string' ? String(actual).toLowerCase() : actual;
    const hit = list.some((x) => x === have);
    return c.op === 'in' ? hit : !hit;
  }
  if (c.leaf === 'string' && (c.op === 'contains' || c.op === 'starts_with' || c.op === 'ends_with')) {
    // Case-insensitive, as a real instance's (MySQL, case-insensitive collation) string comparisons are.
    const s = String(actual).toLowerCase();
    const want = c.value.toLowerCase();
    if (c.op === 'contains') return s.includes(want);
    if (c.op === 'starts_with') return s.startsWith(want);
    return s.endsWith(want);
  }
  const want = normalise(c.leaf, c.value) as any;
  const have = (c.leaf === 'string' ? String(actual).toLowerCase() : actual) as any;
  switch (c.op) {
    case 'eq':
      return have === want;
    case 'not_eq':
      return have !== want;
    case 'gt':
      return have > want;
    case 'lt':
      return have < want;
    case 'gt_or_eq':
      return have >= want;
    case 'lt_or_eq':
      return have <= want;
    default:
      return false;
  }
}

export function matches(emu: Emulator, def: ResourceDef, rec: Rec, conditions: Condition[]): boolean {
  return conditions.every((c) => valuesAt(emu, def, rec, c.path).some((v) => test(c, v)));
}
