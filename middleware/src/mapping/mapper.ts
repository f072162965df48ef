import { sourceOf, targetOf, type CompiledField, type CompiledMapping, type Direction } from './compile';
import { MappingRecordError } from './errors';
import { getPath, setPath } from './paths';

export type SourceRecord = Record<string, unknown>;

export interface MappedValue {
  field: CompiledField;
  /** Target path, e.g. Status__c or custom-fields.salesforce-account-id */
  path: string;
  value: unknown;
}

export interface MapResult {
  /** False when the mapping's condition excluded the record. */
  included: boolean;
  /** Target values in field order (only fields owned by the source side and not excluded by `when`). */
  values: MappedValue[];
  /** Nested payload ready to send. */
  payload: Record<string, unknown>;
}

/** Fields whose values flow in `direction`. */
export function fieldsFor(mapping: CompiledMapping, direction: Direction): CompiledField[] {
  return mapping.fields.filter((f) => f.owner === sourceOf(direction));
}

/** Source paths to read for `direction` (for Coupa `fields` projection / SOQL select lists). */
export function sourcePaths(mapping: CompiledMapping, direction: Direction): string[] {
  const side = sourceOf(direction);
  const paths = fieldsFor(mapping, direction).flatMap((f) => (f.spec[side] ? [f.spec[side]!] : []));
  return [...new Set([...paths, ...(mapping.spec[side].reads ?? [])])];
}

/**
 * Payload field (first segment of the target path) → the source paths it is computed from, for the engine's
 * field-level echo. Constants and expressions without a source path have no lineage (never taken for an echo).
 */
export function lineageOf(mapping: CompiledMapping, direction: Direction): Record<string, string[]> {
  const side = sourceOf(direction);
  const out: Record<string, string[]> = {};
  for (const f of fieldsFor(mapping, direction)) {
    const source = f.spec[side];
    const target = f.spec[targetOf(direction)];
    if (!source || !target || f.spec.value !== undefined) continue;
    const key = target.split('.')[0];
    out[key] = [...new Set([...(out[key] ?? []), source])];
  }
  return out;
}

const truthy = (v: unknown) => v !== undefined && v !== null && v !== false && v !== '' && v !== 0;

async function evaluate(mapping: CompiledMapping, at: string, expr: { evaluate: (input: unknown, bindings?: Record<string, unknown>) => Promise<unknown> }, input: unknown, record: SourceRecord) {
  try {
    return await expr.evaluate(input, { record });
  } catch (err) {
    throw new MappingRecordError(mapping.name, at, `expression failed: ${(err as Error).message}`);
  }
}

async function mapField(mapping: CompiledMapping, field: CompiledField, direction: Direction, record: SourceRecord): Promise<unknown> {
  const at = `fields[${field.index}]`;
  const spec = field.spec;
  const sourcePath = spec[sourceOf(direction)];
  let value: unknown = spec.value !== undefined ? spec.value : sourcePath ? getPath(record, sourcePath) : undefined;
  if (field.expression) value = await evaluate(mapping, `${at}.expression`, field.expression, value, record);
  for (const t of field.transforms) {
    if (value === undefined || value === null) break;
    value = await evaluate(mapping, `${at}.transform ${t.name}`, t.expr, value, record);
  }
  if (spec.valueMap && value !== undefined && value !== null) {
    const key = String(value);
    if (Object.prototype.hasOwnProperty.call(spec.valueMap, key)) value = spec.valueMap[key];
    else if (spec.default !== undefined) value = spec.default;
    else throw new MappingRecordError(mapping.name, `${at}.valueMap`, `no mapping for value '${key}' of ${sourcePath ?? 'the expression'}`);
  }
  if ((value === undefined || value === null) && spec.default !== undefined) value = spec.default;
  return value === undefined ? null : value;
}

/**
 * Maps one source record to the target payload. Pure apart from JSONata evaluation (async).
 * Null values are kept (they clear the target field); a null lookup through a Salesforce
 * relationship (`Account__r.Coupa_Supplier_Id__c`) becomes a null lookup field (`Account__c`).
 */
export async function mapRecord(mapping: CompiledMapping, direction: Direction, record: SourceRecord): Promise<MapResult> {
  const condition = mapping.condition[sourceOf(direction)];
  if (condition && !truthy(await evaluate(mapping, 'condition', condition, record, record))) {
    return { included: false, values: [], payload: {} };
  }
  const values: MappedValue[] = [];
  for (const field of fieldsFor(mapping, direction)) {
    if (field.when && !truthy(await evaluate(mapping, `fields[${field.index}].when`, field.when, record, record))) continue;
    const value = await mapField(mapping, field, direction, record);
    let path = field.spec[targetOf(direction)]!;
    if (direction === 'coupa-to-salesforce' && value === null && path.includes('.')) path = lookupFieldOf(path.split('.')[0]);
    values.push({ field, path, value });
  }
  const payload: Record<string, unknown> = {};
  for (const v of values) setPath(payload, v.path, v.value);
  return { included: true, values, payload };
}

/** Relationship name → lookup field name: Account__r → Account__c, Account → AccountId. */
export function lookupFieldOf(relationship: string): string {
  return relationship.endsWith('__r') ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
}
