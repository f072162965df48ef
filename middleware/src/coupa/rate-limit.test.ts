import { TokenBucket, sharedBucketFor, type Clock } from './rate-limit';

function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      // Let already-granted callers run before simulated time moves on.
      await new Promise((resolve) => setImmediate(resolve));
      clock.t += ms;
    },
  };
  return clock;
}

describe('TokenBucket', () => {
  it('lets a full burst through without waiting, then paces at the sustained rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, clock);
    const grantedAt: number[] = [];
    await Promise.all(Array.from({ length: 45 }, () => bucket.acquire().then(() => grantedAt.push(clock.t))));
    expect(grantedAt.slice(0, 20).every((t) => t === 0)).toBe(true);
    // 25 more tokens at 25/s need one second of simulated time.
    expect(grantedAt[44]).toBeGreaterThanOrEqual(1000);
    expect(grantedAt[44]).toBeLessThan(1100);
    // Never more than burst + rate·t grants by time t.
    for (let i = 0; i < grantedAt.length; i++) expect(i + 1).toBeLessThanOrEqual(20 + Math.floor((grantedAt[i] * 25) / 1000) + 1);
  });

  it('serves waiters in arrival order', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1 }, clock);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => bucket.acquire().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4]);
    expect(clock.t).toBeGreaterThanOrEqual(300);
  });

  it('refills over time up to the burst size only', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, clock);
    await bucket.acquire();
    clock.t += 10_000;
    expect(bucket.available()).toBe(20);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 5 })).toThrow(/ratePerSecond/);
  });

  it('shares one bucket per Coupa instance origin', () => {
    const a = sharedBucketFor('https://acme.coupahost.com/api');
    const b = sharedBucketFor('https://acme.coupahost.com');
    const c = sharedBucketFor('https://other.coupahost.com');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
