import { backoffDelay as jitteredBackoff, sleep } from '../retry/backoff';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before attempt `attempt + 1` of a record (attempts count from 1). The connector's one backoff function
 * (retry/backoff.ts: exponential, full jitter, capped at maxDelayMs), the same the API clients use for their
 * transport retries. `retryAfterMs` (a server's Retry-After, carried by the failure's classification) wins when
 * longer.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  return jitteredBackoff(Math.max(0, attempt - 1), { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, random, retryAfterMs);
}

export const realSleep = sleep;
