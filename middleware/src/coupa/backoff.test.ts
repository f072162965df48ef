import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const opts = { baseMs: 100, maxMs: 5000, maxRetries: 5 };
  it('grows exponentially with full jitter and is capped', () => {
    expect(backoffDelay(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.999)).toBe(799);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(4995);
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
  });
});
