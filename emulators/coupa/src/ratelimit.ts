import type { Clock } from './clock';

/**
 * Coupa: "25 requests per second and a burst query limit of 20 calls". A token bucket of capacity `burst`
 * refilled at `ratePerSecond` on the instance clock (so a frozen clock refills nothing: deterministic tests).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  private refillNow(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
  }

  take(): boolean {
    this.refillNow();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * Queueing instead of refusing: takes a token even when none is left (the bucket goes into debt) and returns how
   * long the caller must wait, in ms, for its token to be refilled — the burst is served late rather than refused.
   */
  reserve(): number {
    this.refillNow();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  refill(): void {
    this.tokens = this.burst;
    this.last = this.clock.now();
  }
}
