/**
 * Coupa answers with dash-case keys and accepts dash- or underscore-case on input (Rails normalisation).
 * Keys that start with an underscore (`_delete`) keep their leading underscore.
 */
export function dashKey(key: string): string {
  if (key.startsWith('_')) return '_' + key.slice(1).replace(/_/g, '-');
  return key.replace(/_/g, '-');
}

export function dashKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dashKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[dashKey(k)] = dashKeys(v);
    return out;
  }
  return value;
}
