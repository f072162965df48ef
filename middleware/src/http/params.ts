import { HttpError } from './errors';

/** A non-negative integer query or path parameter, defaulted and capped. */
export function intParam(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new HttpError(400, 'invalid_request', `"${String(value)}" is not a non-negative integer`);
  return Math.min(n, max);
}
