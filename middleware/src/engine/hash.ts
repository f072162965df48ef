import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values always serialise the same way. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
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
