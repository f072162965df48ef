import { sleep } from '../retry/backoff';

export interface TokenBucketOptions {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests that may be sent back to back from a full bucket. */
  burst: number;
}

export const COUPA_DEFAULT_RATE: TokenBucketOptions = { ratePerSecond: 25, burst: 20 };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = { now: () => Date.now(), sleep };

/**
 * Token bucket shared by every caller of one Coupa instance. Waiters are served in FIFO order so a
 * busy flow cannot starve another one.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Array<() => void> = [];
  private draining = false;

  constructor(
    readonly options: TokenBucketOptions = COUPA_DEFAULT_RATE,
    private readonly clock: Clock = realClock,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new Error('token bucket needs ratePerSecond > 0 and burst >= 1');
    }
    this.tokens = options.burst;
    this.last = clock.now();
  }

  /** Tokens available right now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Resolves when the caller may send one request. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.drain();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.ratePerSecond) / 1000);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          this.queue.shift()!();
          continue;
        }
        const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.options.ratePerSecond);
        await this.clock.sleep(waitMs);
      }
    } finally {
      this.draining = false;
    }
  }
}

const shared = new Map<string, TokenBucket>();

/**
 * The process-wide bucket for one Coupa instance (keyed by origin), so that every client and flow
 * talking to the same instance shares the instance's limit. The first caller's options win.
 */
export function sharedBucketFor(baseUrl: string, options: TokenBucketOptions = COUPA_DEFAULT_RATE): TokenBucket {
  const key = new URL(baseUrl).origin;
  let bucket = shared.get(key);
  if (!bucket) {
    bucket = new TokenBucket(options);
    shared.set(key, bucket);
  }
  return bucket;
}
