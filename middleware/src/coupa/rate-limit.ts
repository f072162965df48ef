import { sleep } from '../retry/backoff';

export interface TokenBucketOptions {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests that may be sent back to back from a full bucket. */
  burst: number;
  /**
   * Longest a request is assumed to take to reach Coupa's limiter once sent, ms. A request still unanswered this
   * long after its send is counted at send + this, not later. Default: the time half the burst takes to refill
   * (400 ms at 25/s, burst 20), so at least half the burst and the full sustained rate stay usable however slow
   * the answers are.
   */
  inFlightHoldMs?: number;
}

export const COUPA_DEFAULT_RATE: TokenBucketOptions = { ratePerSecond: 25, burst: 20 };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Call once the request is answered (or failed): its token is then counted at that moment, see TokenBucket. */
export type Release = () => void;

interface Sent {
  at: number;
  answeredAt?: number;
  counted?: boolean;
}

// Monotonic: a wall-clock step back would otherwise stall the bucket for as long.
const realClock: Clock = { now: () => performance.now(), sleep };

/**
 * Token bucket shared by every caller of one Coupa instance. Waiters are served in FIFO order so a
 * busy flow cannot starve another one.
 *
 * Coupa's own bucket (same rate and burst) takes a token when a request *arrives*, which is some time after we
 * send it. A bucket that counted requests at their send would let through a request whose predecessors reached
 * Coupa later than they left here (the first requests of a burst delayed on the way, while Coupa's bucket was
 * full and its refill wasted) and earn a 429. So each request is counted at the latest moment it may have
 * arrived: its answer when answered, "now" while in flight (at most `inFlightHoldMs` after its send). Counted
 * that way, every window of arrivals at Coupa holds no more requests than its bucket allows.
 */
export class TokenBucket {
  /** Level of the bucket from the requests whose arrival bound is known (may go below zero). */
  private tokens: number;
  private last: number;
  private readonly holdMs: number;
  private open: Sent[] = [];
  private queue: Array<(release: Release) => void> = [];
  private draining = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly options: TokenBucketOptions = COUPA_DEFAULT_RATE,
    private readonly clock: Clock = realClock,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new Error('token bucket needs ratePerSecond > 0 and burst >= 1');
    }
    this.holdMs = options.inFlightHoldMs ?? (options.burst / 2 / options.ratePerSecond) * 1000;
    if (!(this.holdMs >= 0)) throw new Error('token bucket needs inFlightHoldMs >= 0');
    this.tokens = options.burst;
    this.last = clock.now();
  }

  /** Tokens available right now (fractional): requests in flight count as taken. */
  available(): number {
    this.refill();
    return this.tokens - this.open.length;
  }

  /** Requests granted, not yet answered and sent less than `inFlightHoldMs` ago. */
  get inFlight(): number {
    this.refill();
    return this.open.length;
  }

  /**
   * Resolves when the caller may send one request, with the function to call once it is answered. A caller that
   * never calls it is counted `inFlightHoldMs` after its send.
   */
  acquire(): Promise<Release> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.drain();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    const bound = (s: Sent) => Math.min(s.answeredAt ?? Infinity, s.at + this.holdMs);
    const known = this.open.filter((s) => bound(s) <= now).sort((a, b) => bound(a) - bound(b));
    if (known.length) this.open = this.open.filter((s) => bound(s) > now);
    for (const s of known) {
      s.counted = true;
      this.advance(Math.max(this.last, bound(s)));
      this.tokens -= 1;
    }
    this.advance(now);
  }

  private advance(to: number): void {
    const elapsed = Math.max(0, to - this.last);
    this.last = Math.max(this.last, to);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.ratePerSecond) / 1000);
  }

  private grant(): Release {
    const sent: Sent = { at: this.clock.now() };
    this.open.push(sent);
    return () => {
      if (sent.counted || sent.answeredAt !== undefined) return;
      sent.answeredAt = this.clock.now();
      this.wake?.();
    };
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        const missing = this.open.length + 1 - this.tokens;
        if (missing <= 0) {
          this.queue.shift()!(this.grant());
          continue;
        }
        // Beyond the burst, only an answer (or the hold running out) frees a token; below it, the refill does.
        const waitMs =
          this.open.length + 1 > this.options.burst
            ? Math.max(1, Math.ceil(this.open[0].at + this.holdMs - this.clock.now()))
            : Math.ceil((missing * 1000) / this.options.ratePerSecond);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.clock.sleep(waitMs).then(resolve);
        });
        this.wake = undefined;
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
