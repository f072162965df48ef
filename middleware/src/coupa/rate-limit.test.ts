import { TokenBucket, sharedBucketFor, type Clock } from './rate-limit';

/** Virtual time: `run` moves the clock to the next pending sleep whenever nothing else can happen. */
function virtualClock() {
  let t = 0;
  const timers: Array<{ at: number; fire: () => void }> = [];
  const clock: Clock = {
    now: () => t,
    sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: t + Math.max(0, ms), fire: resolve })),
  };
  async function run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const out = work.finally(() => {
      done = true;
    });
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) return out;
      if (timers.length === 0) throw new Error('stuck: nothing pending');
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift()!;
      t = Math.max(t, next.at);
      next.fire();
    }
  }
  return { clock, run, now: () => t };
}

/** Coupa's side (emulators/coupa/src/ratelimit.ts): a token taken when a request arrives, or a refusal. */
function refusalsAtCoupa(arrivals: number[], ratePerSecond: number, burst: number): number {
  let tokens = burst;
  let last = -Infinity;
  let refused = 0;
  for (const at of [...arrivals].sort((a, b) => a - b)) {
    tokens = Math.min(burst, tokens + ((at - last) * ratePerSecond) / 1000);
    last = at;
    if (tokens >= 1) tokens -= 1;
    else refused++;
  }
  return refused;
}

/** Seeded, so a failure repeats. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

interface Call {
  /** How long the request takes to reach Coupa, ms. */
  toCoupa: number;
  /** How long until its answer is back, ms (at least `toCoupa`). */
  answer: number;
}

/** Sends every call at once through the bucket; returns grant times and arrival times at Coupa. */
async function burst(bucket: TokenBucket, v: ReturnType<typeof virtualClock>, calls: Call[]) {
  const granted: number[] = [];
  const arrivals: number[] = [];
  await v.run(
    Promise.all(
      calls.map(async (c) => {
        const release = await bucket.acquire();
        granted.push(v.now());
        arrivals.push(v.now() + c.toCoupa);
        await v.clock.sleep(c.answer);
        release();
      }),
    ),
  );
  return { granted, arrivals };
}

describe('TokenBucket', () => {
  it('lets a full burst through without waiting, then paces at the sustained rate', async () => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, v.clock);
    const { granted } = await burst(bucket, v, Array.from({ length: 45 }, () => ({ toCoupa: 0, answer: 0 })));
    expect(granted.slice(0, 20).every((t) => t === 0)).toBe(true);
    // 25 more tokens at 25/s need one second of simulated time.
    expect(granted[44]).toBeGreaterThanOrEqual(1000);
    expect(granted[44]).toBeLessThan(1100);
    // Never more than burst + rate·t grants by time t.
    for (let i = 0; i < granted.length; i++) expect(i + 1).toBeLessThanOrEqual(20 + Math.floor((granted[i] * 25) / 1000) + 1);
  });

  it('serves waiters in arrival order', async () => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 1 }, v.clock);
    const order: number[] = [];
    await v.run(
      Promise.all(
        [1, 2, 3, 4].map(async (n) => {
          const release = await bucket.acquire();
          order.push(n);
          release();
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(v.now()).toBeGreaterThanOrEqual(300);
  });

  it('refills over time up to the burst size only', async () => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, v.clock);
    (await v.run(bucket.acquire()))();
    await v.run(v.clock.sleep(10_000));
    expect(bucket.available()).toBe(20);
  });

  it('counts a request in flight as taken until it is answered', async () => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20, inFlightHoldMs: 60_000 }, v.clock);
    const release = await v.run(bucket.acquire());
    await v.run(v.clock.sleep(10_000));
    expect(bucket.inFlight).toBe(1);
    expect(bucket.available()).toBe(19);
    release();
    expect(bucket.inFlight).toBe(0);
    expect(bucket.available()).toBe(19);
  });

  it('counts a request never answered at its send plus inFlightHoldMs, so the bucket never locks', async () => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20, inFlightHoldMs: 300 }, v.clock);
    const granted: number[] = [];
    await v.run(Promise.all(Array.from({ length: 21 }, () => bucket.acquire().then(() => granted.push(v.now())))));
    expect(granted.slice(0, 20).every((t) => t === 0)).toBe(true);
    // The 20 unanswered calls count at 300 ms; one token refills 40 ms later.
    expect(granted[20]).toBe(340);
  });

  it('never lets Coupa refuse a call when a burst reaches it late (the bench 429)', async () => {
    // The burst waits 200 ms on the way, later calls get there at once: they all meet at Coupa.
    const calls = Array.from({ length: 60 }, (_, i) => (i < 20 ? { toCoupa: 199, answer: 200 } : { toCoupa: 0, answer: 10 }));
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, v.clock);
    const { arrivals } = await burst(bucket, v, calls);
    expect(arrivals).toHaveLength(60);
    expect(refusalsAtCoupa(arrivals, 25, 20)).toBe(0);
  });

  it('never lets Coupa refuse a call whatever the delays within inFlightHoldMs (random delays, seeded)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = prng(seed);
      const calls = Array.from({ length: 300 }, () => {
        const answer = Math.floor(random() * 400);
        return { answer, toCoupa: Math.floor(random() * answer) };
      });
      const v = virtualClock();
      const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, v.clock);
      const { arrivals } = await burst(bucket, v, calls);
      expect(arrivals).toHaveLength(300);
      expect(refusalsAtCoupa(arrivals, 25, 20)).toBe(0);
    }
  });

  it.each([
    ['fast answers (30 ms)', 30],
    ['answers slower than inFlightHoldMs (2 s)', 2_000],
  ])('keeps the sustained rate at ≥ 90%% of the limit with %s', async (_name, answer) => {
    const v = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 25, burst: 20 }, v.clock);
    const { granted } = await burst(bucket, v, Array.from({ length: 220 }, () => ({ toCoupa: 0, answer })));
    granted.sort((a, b) => a - b);
    // 200 calls beyond the first burst; at 25/s they need 8 s, at 22.5/s 8.9 s.
    const sustainedPerSecond = 200 / ((granted[219] - granted[19]) / 1000);
    expect(sustainedPerSecond).toBeGreaterThanOrEqual(22.5);
    expect(sustainedPerSecond).toBeLessThanOrEqual(25);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 5 })).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket({ ratePerSecond: 25, burst: 20, inFlightHoldMs: -1 })).toThrow(/inFlightHoldMs/);
  });

  it('shares one bucket per Coupa instance origin', () => {
    const a = sharedBucketFor('https://acme.coupahost.com/api');
    const b = sharedBucketFor('https://acme.coupahost.com');
    const c = sharedBucketFor('https://other.coupahost.com');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
