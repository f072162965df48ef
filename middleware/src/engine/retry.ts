import { backoffDelay as jitteredBackoff, sleep } from '../retry/backoff';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Least wait after a rate-limited answer that names no Retry-After (Coupa never sends one): long enough for the
   * instance's bucket to refill, so a shared limit drained by someone else does not use up a record's attempts.
   */
  rateLimitedDelayMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, rateLimitedDelayMs: 1_000 };

/** The wait a failure asks for before its retry: its Retry-After, or the policy's floor for an unqualified rate limit. */
export function requestedWait(cls: { kind: string; retryAfterMs?: number }, policy: RetryPolicy): number {
  if (cls.retryAfterMs !== undefined) return cls.retryAfterMs;
  return cls.kind === 'rate-limited' ? (policy.rateLimitedDelayMs ?? 0) : 0;
}

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
