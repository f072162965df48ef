/** Per-token token bucket: `perMinute` calls a minute, bursting up to the same number. */
export class AgentRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one call from `key`'s bucket; when empty, how many seconds until the next call is allowed. */
  take(key: string, perMinute: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) / 60_000) * perMinute);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - b.tokens) * 60) / perMinute)) };
  }
}
