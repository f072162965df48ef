import Ajv, { type ValidateFunction } from 'ajv';
import { definitions, isDatetime, operation, type SwaggerProperty } from './swagger';

/**
 * Validates emulator responses against the Swagger definition of the operation. Swagger 2.0 cannot say what Coupa's
 * JSON actually does, so the schemas are adapted in four documented ways (README "Swagger validation"):
 *  1. every property may be null (Coupa serialises nil attributes as null; Swagger 2.0 has no `nullable`);
 *  2. `number` properties also accept decimal strings ("567.07": Coupa's JSON writes decimals as strings);
 *  3. `required` lists are not enforced (they over-state: compliance fields, shallow/limited/fields responses);
 *  4. objects are closed (additionalProperties: false) except for the documented `custom-fields` namespace,
 *     so an attribute Coupa does not define is caught — stricter than the Swagger itself.
 *  5. a few property types the Swagger gets plainly wrong are corrected (CORRECTIONS below).
 * `datetime` strings must be ISO-8601 with an offset.
 */
const DATETIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(Z|[+-]\\d{2}:\\d{2})$';
const DECIMAL = '^-?\\d+(\\.\\d+)?$';

const ID = 'https://coupa.emulator/definitions/';
const refTo = (ref: string) => ID + ref.split('/').pop();

function adaptProperty(p: SwaggerProperty): Record<string, unknown> {
  if (p.$ref) return { anyOf: [{ $ref: refTo(p.$ref) }, { type: 'null' }] };
  if (p.type === 'array') return { anyOf: [{ type: 'array', items: p.items ? adaptProperty(p.items) : {} }, { type: 'null' }] };
  if (p.type === 'number') return { anyOf: [{ type: 'number' }, { type: 'string', pattern: DECIMAL }, { type: 'null' }] };
  if (isDatetime(p)) {
    return { anyOf: [{ type: 'string', pattern: DATETIME }, { type: 'null' }] };
  }
  const out: Record<string, unknown> = {};
  if (p.type) out.type = [p.type, 'null'];
  if (p.enum && p.enum.every((v) => typeof v === (p.type === 'integer' ? 'number' : p.type))) out.enum = [...p.enum, null];
  return out;
}

/**
 * Property types the R39 Swagger gets wrong, corrected for validation: `InvoiceHeader.dispute-reasons` is typed as an
 * array of `InvoiceHeader`; its items are dispute reasons (`ReasonInsight`: id, code, description, reason-type).
 */
const CORRECTIONS: Record<string, SwaggerProperty> = {
  'InvoiceHeader.dispute-reasons': { type: 'array', items: { $ref: '#/definitions/ReasonInsight' } },
};

let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  // One schema per definition, referenced by id, so each is compiled once and shared (inlining would recompile
  // the whole reachable graph for every operation).
  ajv = new Ajv({ strict: false, allErrors: true, inlineRefs: false });
  for (const [name, def] of Object.entries(definitions())) {
    const properties: Record<string, unknown> = { 'custom-fields': { type: ['object', 'null'] } };
    for (const [k, p] of Object.entries(def.properties ?? {})) properties[k] = adaptProperty(CORRECTIONS[`${name}.${k}`] ?? p);
    ajv.addSchema({ $id: ID + name, type: 'object', properties, additionalProperties: false });
  }
  return ajv;
}

function compile(schema: SwaggerProperty): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    const rewrite = (s: SwaggerProperty): Record<string, unknown> =>
      s.$ref ? { $ref: refTo(s.$ref) } : s.type === 'array' ? { type: 'array', items: s.items ? rewrite(s.items) : {} } : { type: s.type };
    fn = instance().compile(rewrite(schema));
    cache.set(key, fn);
  }
  return fn;
}

export interface ValidationResult {
  ok: boolean;
  errors: string[];
  /** The Swagger schema used (after the PUT-returns-array adaptation). */
  schema?: string;
}

/**
 * Validates `body` as the response of `method swaggerPath` with HTTP `status`. Swagger types PUT/PATCH/action
 * responses as arrays of the resource; Coupa (and the emulator) return the single record — validated against
 * the item schema. Operations Coupa documents but Swagger omits (POST /invoices) use `fallback`.
 */
export function validateResponse(method: string, swaggerPath: string, status: number, body: unknown, fallback?: { method: string; path: string }): ValidationResult {
  const op = operation(method, swaggerPath) ?? (fallback ? operation(fallback.method, fallback.path) : undefined);
  if (!op) return { ok: false, errors: [`no Swagger operation ${method} ${swaggerPath}`] };
  const response = op.responses[String(status)] ?? op.responses['200'] ?? op.responses['201'];
  let schema = response?.schema;
  if (!response) return { ok: false, errors: [`Swagger has no ${status} response for ${method} ${swaggerPath}`] };
  if (!schema) {
    // Swagger declares the status without a body (DELETE): the emulator must answer an empty body.
    const empty = body === undefined || body === null || body === '';
    return { ok: empty, errors: empty ? [] : ['Swagger defines no response body for this operation'], schema: 'none' };
  }
  if (schema.type === 'array' && !Array.isArray(body) && schema.items) schema = schema.items;
  const fn = compile(schema);
  const ok = fn(body) as boolean;
  return {
    ok,
    errors: ok ? [] : (fn.errors ?? []).slice(0, 20).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`),
    schema: schema.$ref ?? (schema.items?.$ref ? `array of ${schema.items.$ref}` : schema.type),
  };
}
