import { badRequest } from '../errors';
import { dashKey } from '../keys';

/** `fields=["id","invoice_number",{"invoice_lines":["id","line_num"]},{"custom_fields":{}}]` */
export type FieldSpec = (string | Record<string, unknown>)[];

export function parseFields(raw: string | null, errorKey: string): FieldSpec | undefined {
  if (raw === null) return undefined;
  let spec: unknown;
  try {
    spec = JSON.parse(raw);
  } catch {
    throw badRequest(errorKey, `Invalid fields parameter: ${raw}`);
  }
  if (!Array.isArray(spec) || !spec.every((e) => typeof e === 'string' || (e && typeof e === 'object' && !Array.isArray(e)))) {
    throw badRequest(errorKey, 'The fields parameter must be a JSON array of names and {association: [...]} objects');
  }
  return spec as FieldSpec;
}

export function project(value: unknown, spec: FieldSpec): unknown {
  if (Array.isArray(value)) return value.map((v) => project(v, spec));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const entry of spec) {
    if (typeof entry === 'string') {
      const k = dashKey(entry);
      if (k in obj) out[k] = obj[k];
      continue;
    }
    for (const [rawKey, sub] of Object.entries(entry)) {
      const k = dashKey(rawKey);
      if (!(k in obj)) continue;
      if (Array.isArray(sub) && sub.length) {
        if (k === 'custom-fields') out[k] = project(obj[k], sub.map((s) => (typeof s === 'string' ? s.replace(/^_+/, '') : s)) as FieldSpec);
        else out[k] = project(obj[k], sub as FieldSpec);
      } else out[k] = obj[k];
    }
  }
  return out;
}
