import { backoffDelay as sharedBackoff } from '../retry/backoff';
import { backoffDelay } from './retry';

describe('engine backoff', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 };

  it('is the shared backoff: exponential per attempt, full jitter, capped, honouring Retry-After', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 1)).toBe(500);
    expect(backoffDelay(1, policy, () => 0, 2000)).toBe(2000);
  });

  it('delegates to retry/backoff (attempt n waits like retry n-1)', () => {
    for (const attempt of [1, 2, 3, 4, 8]) {
      for (const r of [0, 0.3, 0.77, 0.999]) {
        expect(backoffDelay(attempt, policy, () => r)).toBe(sharedBackoff(attempt - 1, { baseMs: 100, maxMs: 500 }, () => r));
      }
    }
  });
});
