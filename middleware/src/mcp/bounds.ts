/** Tool results stay small and secret-free: lists capped, long text cut, secrets masked (as in the log). */
import { scrub } from '../log';

export interface Bounds {
  maxListItems: number;
  maxTextLength: number;
}

/** How many items a list tool answers with: what the agent asked for, never more than the bound. */
export function listLimit(asked: number | undefined, b: Bounds): number {
  return Math.min(asked ?? b.maxListItems, b.maxListItems);
}

/** A capped list with its full size, so an agent knows there is more (and can narrow its question). */
export function capList<T>(items: T[], max: number): { items: T[]; total: number; truncated: boolean } {
  return { items: items.slice(0, max), total: items.length, truncated: items.length > max };
}

function cut(value: unknown, b: Bounds, depth: number): unknown {
  if (typeof value === 'string') return value.length > b.maxTextLength ? `${value.slice(0, b.maxTextLength - 1)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[nested too deep]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, b.maxListItems).map((v) => cut(v, b, depth + 1));
    return value.length > b.maxListItems ? [...kept, `… ${value.length - b.maxListItems} more`] : kept;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v, b, depth + 1)]));
}

/** Scrubbed (secret-named keys censored, registered secrets masked) and bounded copy of a tool result. */
export function bounded(value: unknown, b: Bounds): unknown {
  return cut(scrub(value), b, 0);
}
