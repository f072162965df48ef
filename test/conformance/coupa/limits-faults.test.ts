import { startHarness, type Harness } from './helpers';

describe('Coupa emulator: rate limit (token bucket, 25/s, burst 20)', () => {
  it('a burst of 100 parallel requests on a frozen clock: exactly the burst succeeds, the rest are 429 without Retry-After', async () => {
    const h = await startHarness({ rateLimit: {} });
    try {
      const tok = await h.token(['core.supplier.read']);
      h.emu.control.clock.freeze();
      h.emu.control.refillRateLimit();
      const replies = await Promise.all(Array.from({ length: 100 }, () => h.api('GET', '/api/suppliers?limit=1', { token: tok })));
      const ok = replies.filter((r) => r.status === 200).length;
      const limited = replies.filter((r) => r.status === 429);
      expect(ok).toBe(20);
      expect(limited).toHaveLength(80);
      expect(limited.every((r) => r.headers.get('retry-after') === null)).toBe(true);
      expect(limited[0].body).toEqual({ errors: { base: ['Rate limit exceeded'] } });
      expect(h.emu.control.counters().rateLimited).toBe(80);
      h.emu.control.clock.advance(1000);
      expect((await h.api('GET', '/api/suppliers?limit=1', { token: tok })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('on the real clock the 200s are bounded by burst + refill over the elapsed time', async () => {
    const h = await startHarness({ rateLimit: { ratePerSecond: 25, burst: 20 } });
    try {
      const tok = await h.token(['core.supplier.read']);
      h.emu.control.refillRateLimit();
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 100 }, () => h.api('GET', '/api/suppliers?limit=1', { token: tok })));
      const elapsedSeconds = (Date.now() - started) / 1000;
      const ok = replies.filter((r) => r.status === 200).length;
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThanOrEqual(20 + Math.ceil(25 * elapsedSeconds) + 1);
      expect(replies.some((r) => r.status === 429)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('can send Retry-After when configured', async () => {
    const h = await startHarness({ rateLimit: { burst: 1, retryAfterHeader: true } });
    try {
      const tok = await h.token(['core.supplier.read']);
      h.emu.control.clock.freeze();
      h.emu.control.refillRateLimit();
      await h.api('GET', '/api/suppliers', { token: tok });
      const res = await h.api('GET', '/api/suppliers', { token: tok });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await h.close();
    }
  });
});

describe('Coupa emulator: throttling answered as some instances do (403, or queueing the burst)', () => {
  it("throttle '403': an exhausted bucket answers 403 with a rate-limit message (counted as rate-limited)", async () => {
    const h = await startHarness({ rateLimit: { burst: 2, throttle: '403' } });
    try {
      const tok = await h.token(['core.supplier.read']);
      h.emu.control.clock.freeze();
      h.emu.control.refillRateLimit();
      const replies = await Promise.all(Array.from({ length: 5 }, () => h.api('GET', '/api/suppliers?limit=1', { token: tok })));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 403, 403, 403]);
      const refused = replies.find((r) => r.status === 403)!;
      expect(JSON.stringify(refused.body)).toMatch(/rate limit/i);
      expect(h.emu.control.counters().rateLimited).toBe(3);
    } finally {
      await h.close();
    }
  });

  it("throttle 'queue': nothing is refused, the burst beyond the bucket is served late", async () => {
    const h = await startHarness({ rateLimit: { ratePerSecond: 50, burst: 2, throttle: 'queue' } });
    try {
      const tok = await h.token(['core.supplier.read']);
      h.emu.control.refillRateLimit();
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 12 }, () => h.api('GET', '/api/suppliers?limit=1', { token: tok })));
      const elapsed = Date.now() - started;
      expect(replies.every((r) => r.status === 200)).toBe(true);
      // 10 requests beyond the burst at 50/s: the last waits about 200 ms.
      expect(elapsed).toBeGreaterThanOrEqual(150);
      const c = h.emu.control.counters();
      expect(c.rateLimited).toBe(0);
      expect(c.queued).toBeGreaterThanOrEqual(9);
    } finally {
      await h.close();
    }
  });
});

describe('Coupa emulator: fault injection, counters, control surface', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ testControl: true, seed: 200 });
  });
  afterEach(() => h.emu.control.clearFaults());
  afterAll(() => h.close());

  it('injects a status fault a given number of times', async () => {
    h.emu.control.addFault({ kind: 'status', status: 503, path: '/api/invoices', times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await h.api('GET', '/api/invoices?limit=1')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('expires the caller token mid-stream (401, then the token stays dead)', async () => {
    const tok = await h.token();
    h.emu.control.addFault({ kind: 'expire-token', path: '/api/suppliers', after: 1, times: 1 });
    expect((await h.api('GET', '/api/suppliers?limit=1', { token: tok })).status).toBe(200);
    const expired = await h.api('GET', '/api/suppliers?limit=1', { token: tok });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('invalid_token');
    expect((await h.api('GET', '/api/suppliers?limit=1', { token: tok })).status).toBe(401);
    expect((await h.api('GET', '/api/suppliers?limit=1', { token: await h.token() })).status).toBe(200);
  });

  it('shifts rows between pages (a duplicate across pages, as when data changes during pagination)', async () => {
    const page1 = (await h.api('GET', '/api/invoices?limit=5')).body.map((i: any) => i.id);
    h.emu.control.addFault({ kind: 'shift', by: -1, path: '/api/invoices', times: 1 });
    const page2 = (await h.api('GET', '/api/invoices?limit=5&offset=5')).body.map((i: any) => i.id);
    expect(page2[0]).toBe(page1[4]);
  });

  it('processes a write but loses the answer (ambiguous outcome): status-after and drop-after', async () => {
    h.emu.control.addFault({ kind: 'status-after', status: 502, method: 'POST', path: '/api/suppliers', times: 1 });
    const lost = await h.api('POST', '/api/suppliers', { body: { name: 'Ambiguous One' } });
    expect(lost.status).toBe(502);
    expect((await h.api('GET', '/api/suppliers?name=Ambiguous One')).body).toHaveLength(1);
    h.emu.control.addFault({ kind: 'drop-after', method: 'POST', path: '/api/suppliers', times: 1 });
    await expect(h.api('POST', '/api/suppliers', { body: { name: 'Ambiguous Two' } })).rejects.toThrow();
    expect((await h.api('GET', '/api/suppliers?name=Ambiguous Two')).body).toHaveLength(1);
  });

  it('drops the connection and adds latency', async () => {
    h.emu.control.addFault({ kind: 'drop', path: '/api/users', times: 1 });
    await expect(h.api('GET', '/api/users')).rejects.toThrow();
    h.emu.control.addFault({ kind: 'latency', ms: 20, path: '/api/users', times: 1 });
    expect((await h.api('GET', '/api/users?limit=1')).status).toBe(200);
  });

  it('counts calls per endpoint and status', async () => {
    h.emu.control.resetCounters();
    await h.api('GET', '/api/suppliers?limit=1');
    await h.api('GET', '/api/suppliers/1');
    await h.api('GET', '/api/suppliers/999999');
    const c = h.emu.control.counters();
    expect(c.byEndpoint).toEqual({ 'GET /api/suppliers': 1, 'GET /api/suppliers/:id': 2 });
    expect(c.byStatus).toEqual({ '200': 2, '404': 1 });
    expect(c.total).toBe(3);
  });

  it('exposes the control surface over HTTP under /__control', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${h.url}/__control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/faults', { kind: 'status', status: 500, path: '/api/contracts', times: 1 })).status).toBe(200);
    expect((await h.api('GET', '/api/contracts')).status).toBe(500);
    const clock = (await (await post('/clock', { set: '2030-01-01T00:00:00Z' })).json()) as any;
    expect(clock.now).toBe('2029-12-31T16:00:00-08:00');
    const counters = (await (await fetch(`${h.url}/__control/counters`)).json()) as any;
    expect(counters.byEndpoint['GET /api/contracts']).toBeGreaterThanOrEqual(1);
    const rec = (await (await post('/records/suppliers', { name: 'Via Control', status: 'active' })).json()) as any;
    expect(rec.name).toBe('Via Control');
    expect(((await (await fetch(`${h.url}/__control/records/suppliers/${rec.id}`)).json()) as any).id).toBe(rec.id);
    expect((await post('/reset', { seed: 10 })).status).toBe(200);
    expect(h.emu.control.count('suppliers')).toBe(1);
    h.emu.control.clock.set(new Date().toISOString());
  });

  it('answers at /__control itself (the URL the sandbox prints) with the endpoints it serves', async () => {
    const res = await fetch(`${h.url}/__control`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { endpoints: string[] };
    expect(body.endpoints).toEqual(expect.arrayContaining(['POST /__control/reset', 'GET|DELETE /__control/counters']));
    for (const e of body.endpoints.filter((x) => x.startsWith('GET') && !x.includes(':'))) {
      expect((await fetch(`${h.url}${e.split(' ')[1]}`)).status).toBe(200);
    }
  });

  it('hides /__control unless testControl is on', async () => {
    const plain = await startHarness();
    try {
      expect((await fetch(`${plain.url}/__control/counters`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
