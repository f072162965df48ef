import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so equal values always serialise the same way. Built by appending (no entry arrays
 * per object): it runs for every record written. The text is the one stored hashes were made from, so it must not
 * change: keys in code-unit order, undefined properties left out, undefined in arrays as null, a hole as nothing.
 */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (i in value) out += stableStringify(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${stableStringify(v)}`;
  }
  return `${out}}`;
}

export function hashPayload(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (stableStringify(a ?? null) === stableStringify(b ?? null)) return true;
  // Coupa answers decimals as strings ("120000.0") where the connector sent or Salesforce holds a number.
  if (typeof a === 'number' && typeof b === 'string') return numericString(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return numericString(a) === b;
  return false;
}

function numericString(s: string): number | null {
  if (!/^\s*-?\d+(\.\d+)?\s*$/.test(s)) return null;
  return Number(s);
}
