import type { Emulator } from './emulator';
import type { AssociationDef, EmbedDef, ResourceDef, Shape } from './resources/types';
import type { Rec } from './store';
import { definition, isDatetime, isDecimal, property, refName } from './swagger';

export type ReturnObject = 'full' | 'shallow' | 'limited' | 'none';

/** Coupa serialises decimals the way Ruby's BigDecimal does in JSON: as strings, at least one decimal place. */
export function decimalString(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = String(Math.round(v * 1e6) / 1e6);
  return /[.e]/.test(s) ? s : s + '.0';
}

export function renderScalar(emu: Emulator, defName: string, key: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const p = property(defName, key);
  if (isDatetime(p) && typeof value === 'number') return emu.clock.format(value);
  if (isDecimal(p) && typeof value === 'number') return decimalString(value);
  return value;
}

function slotProps(slotDef: string | undefined): Set<string> | undefined {
  if (!slotDef) return undefined;
  return new Set(Object.keys(definition(slotDef).properties ?? {}));
}

function pick(obj: Record<string, unknown>, allowed: Set<string> | undefined): Record<string, unknown> {
  if (!allowed) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (allowed.has(k)) out[k] = v;
  return out;
}

export function renderAssociation(emu: Emulator, owner: Shape, field: string, a: AssociationDef, id: unknown, depth: number): unknown {
  if (id === null || id === undefined) return null;
  const target = emu.collection(a.resource).get(Number(id));
  if (!target) return null;
  const tdef = emu.resource(a.resource);
  const slot = refName(property(owner.def, field)) ?? a.slot;
  if (depth >= 1) {
    const out: Record<string, unknown> = { id: target.id };
    for (const k of tdef.naturalKeys) out[k] = renderScalar(emu, tdef.def, k, target[k]);
    return pick(out, slotProps(slot));
  }
  return pick(renderShape(emu, tdef, target, depth + 1, false), slotProps(slot));
}

/** Renders a stored row. depth 0 = full nested associations; depth ≥ 1 = associations reduced to id + natural keys. */
export function renderShape(emu: Emulator, shape: Shape, rec: Rec, depth: number, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const res = top ? (shape as ResourceDef) : undefined;
  for (const [key, value] of Object.entries(rec)) {
    if (key.startsWith('$')) continue;
    const assoc = shape.associations?.[key];
    const embed = shape.embeds?.[key];
    if (assoc) out[key] = renderAssociation(emu, shape, key, assoc, value, depth);
    else if (embed) {
      if (embed.many) {
        if (depth >= 1 && !top) continue;
        out[key] = ((value as Rec[]) ?? []).map((item) => renderShape(emu, embed, item, depth, false));
      } else out[key] = value ? renderShape(emu, embed, value as Rec, depth, false) : null;
    } else if (key === 'custom-fields') {
      out[key] = { ...(value as Record<string, unknown>) };
    } else out[key] = renderScalar(emu, shape.def, key, value);
  }
  if (res?.computed && depth === 0) {
    // Only attributes the Swagger definition has (contracts have current-approval but no approvals; invoices the reverse).
    const props = definition(res.def).properties ?? {};
    for (const [k, v] of Object.entries(res.computed(emu, rec))) if (k in props) out[k] = v;
  }
  if (res?.customFields) {
    const cf: Record<string, unknown> = {};
    for (const name of emu.customFieldNames(res.name)) cf[name] = (rec['custom-fields'] ?? {})[name] ?? null;
    out['custom-fields'] = cf;
  }
  return out;
}

export function renderRecord(emu: Emulator, res: ResourceDef, rec: Rec, mode: ReturnObject): Record<string, unknown> | undefined {
  if (mode === 'none') return undefined;
  if (mode === 'limited') return { id: rec.id };
  return renderShape(emu, res, rec, mode === 'shallow' ? 1 : 0, true);
}

export type { EmbedDef };
