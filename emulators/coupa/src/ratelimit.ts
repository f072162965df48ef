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

  take(): boolean {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  refill(): void {
    this.tokens = this.burst;
    this.last = this.clock.now();
  }
}
