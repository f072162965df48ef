import { startCoupaEmulator, type CoupaEmulator } from '../../../emulators/coupa/src';
import { CoupaClient, coupaResources, projectionFromPaths, TokenBucket, type CoupaApiError } from '../../../middleware/src/coupa';

const SCOPES = ['core.supplier.read', 'core.supplier.write', 'core.invoice.read', 'core.requisition.read', 'core.purchase_order.read', 'core.contract.read', 'core.budget.read', 'core.user.read'];

describe('CoupaClient against the Coupa emulator', () => {
  let emu: CoupaEmulator;
  const newClient = (over: Partial<ConstructorParameters<typeof CoupaClient>[0]> = {}) =>
    new CoupaClient({
      baseUrl: emu.url,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      scopes: SCOPES,
      bucket: new TokenBucket({ ratePerSecond: 25, burst: 20 }),
      backoff: { baseMs: 1, maxMs: 5 },
      ...over,
    });

  beforeAll(async () => {
    emu = await startCoupaEmulator({ seed: { size: 120, seed: 7 } });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.control.clearFaults();
    emu.control.resetCounters();
    emu.control.refillRateLimit();
  });

  it('lists every supplier with limit 50 + offset paging and one token', async () => {
    const client = newClient();
    const ids: number[] = [];
    for await (const s of coupaResources(client).suppliers.list({ fields: ['id', 'name'] })) ids.push(s.id);
    expect(ids.length).toBe(emu.control.count('suppliers'));
    expect(new Set(ids).size).toBe(ids.length);
    const c = emu.control.counters();
    expect(c.tokens).toBe(1);
    expect(c.byEndpoint['GET /api/suppliers']).toBe(Math.floor(ids.length / 50) + 1);
  });

  it('reads only the projected fields', async () => {
    const client = newClient();
    const [inv] = await coupaResources(client).invoices.find({ limit: 1, fields: projectionFromPaths(['id', 'status', 'supplier.number', 'custom-fields.x']) });
    expect(Object.keys(inv).sort()).toEqual(expect.arrayContaining(['id', 'status', 'supplier']));
    expect(Object.keys(inv)).not.toContain('invoice-lines');
    expect(Object.keys(inv.supplier ?? {})).toEqual(['number']);
  });

  it('filters with Coupa operators', async () => {
    const client = newClient();
    const approved = [];
    for await (const inv of coupaResources(client).invoices.list({ filters: { 'status[in]': ['approved', 'voided'] }, fields: ['id', 'status'] })) approved.push(inv);
    expect(approved.length).toBeGreaterThan(0);
    expect(approved.every((i) => i.status === 'approved' || i.status === 'voided')).toBe(true);
  });

  it('follows an (updated-at, id) cursor and sees later edits exactly once more', async () => {
    const client = newClient();
    const suppliers = coupaResources(client).suppliers;
    let last: { updatedAt: string; id: number } | undefined;
    const firstPass: number[] = [];
    for await (const { record, cursor } of suppliers.changes({ fields: ['id', 'name'] })) {
      firstPass.push(record.id);
      last = cursor;
    }
    expect(firstPass.length).toBe(emu.control.count('suppliers'));
    emu.control.clock.advance(60_000);
    const target = firstPass[3];
    emu.control.update('suppliers', target, { 'display-name': 'Edited after cursor' });
    const secondPass: number[] = [];
    for await (const { record } of suppliers.changes({ since: last, fields: ['id'] })) secondPass.push(record.id);
    expect(secondPass).toEqual([target]);
  });

  it('creates and updates a supplier with a custom field', async () => {
    const client = newClient();
    const suppliers = coupaResources(client).suppliers;
    const created = await suppliers.create({ name: `Integration Test Supplier ${Date.now()}`, 'custom-fields': { 'salesforce-account-id': '001000000000001AAA' } } as never);
    expect(created.id).toBeGreaterThan(0);
    const updated = await suppliers.update(created.id, { 'display-name': 'ITS' } as never, { fields: ['id', 'display-name', { 'custom-fields': {} }] });
    expect(updated['display-name']).toBe('ITS');
    expect(updated['custom-fields']).toEqual({ 'salesforce-account-id': '001000000000001AAA' });
  });

  it('surfaces injected 503s and 429s of single calls once each, classified, and retries only dropped GETs', async () => {
    const client = newClient();
    const users = () => client.get<unknown[]>('users', { params: { limit: '5' }, fields: ['id'] });
    emu.control.addFault({ kind: 'status', status: 503, path: '/api/users', times: 1 });
    await expect(users()).rejects.toMatchObject({ kind: 'transient', status: 503 });
    emu.control.addFault({ kind: 'status', status: 429, path: '/api/users', times: 1 });
    await expect(users()).rejects.toMatchObject({ kind: 'rate-limited', status: 429 });
    emu.control.addFault({ kind: 'drop', path: '/api/users', times: 2 });
    expect((await users()).length).toBeGreaterThan(0);
    expect(emu.control.counters().byEndpoint['GET /api/users']).toBe(1 + 1 + 3);
    // A dropped POST is not repeated: it may have created the supplier.
    emu.control.addFault({ kind: 'drop-after', method: 'POST', path: '/api/suppliers', times: 1 });
    await expect(coupaResources(client).suppliers.create({ name: 'Dropped Ltd', number: 'DROP-1', status: 'active' } as never)).rejects.toMatchObject({ kind: 'ambiguous' });
    expect(emu.control.counters().byEndpoint['POST /api/suppliers']).toBe(1);
  });

  it('retries a page of a paged read in place, so one 429 or 503 does not restart the whole read', async () => {
    const client = newClient();
    emu.control.addFault({ kind: 'status', status: 503, path: '/api/suppliers', times: 1, after: 1 });
    emu.control.addFault({ kind: 'status', status: 429, path: '/api/suppliers', times: 1, after: 2 });
    const ids: number[] = [];
    for await (const s of coupaResources(client).suppliers.list({ fields: ['id'], limit: 5 })) ids.push(s.id);
    expect(ids.length).toBe(emu.control.count('suppliers'));
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    const c = emu.control.counters();
    expect(c.byStatus['503']).toBe(1);
    expect(c.byStatus['429']).toBe(1);
    expect(c.byEndpoint['GET /api/suppliers']).toBe(Math.floor(ids.length / 5) + 1 + 2);
  });

  it("hands the rate limiter's Retry-After to the caller as retryAfterMs", async () => {
    const limited = await startCoupaEmulator({ seed: 0, rateLimit: { ratePerSecond: 1, burst: 2, retryAfterHeader: true } });
    try {
      const client = new CoupaClient({ baseUrl: limited.url, clientId: limited.clientId, clientSecret: limited.clientSecret, scopes: SCOPES, bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1e6 }) });
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.get('users', { params: { limit: '1' } })));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as CoupaApiError);
      expect(refused.length).toBeGreaterThan(0);
      for (const e of refused) expect(e).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 1000 });
      expect(limited.control.counters().rateLimited).toBe(refused.length);
    } finally {
      await limited.close();
    }
  });

  it('classifies a 403 rate-limit answer as rate-limited (retryable), not as an auth failure', async () => {
    const limited = await startCoupaEmulator({ seed: 0, rateLimit: { ratePerSecond: 1, burst: 1, throttle: '403' } });
    try {
      const client = new CoupaClient({ baseUrl: limited.url, clientId: limited.clientId, clientSecret: limited.clientSecret, scopes: SCOPES, bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1e6 }) });
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.get('users', { params: { limit: '1' } })));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as CoupaApiError);
      expect(refused.length).toBeGreaterThan(0);
      for (const e of refused) expect(e).toMatchObject({ kind: 'rate-limited', status: 403, retryable: true });
    } finally {
      await limited.close();
    }
  });

  it('calls complete, late, when the instance queues the burst instead of refusing it', async () => {
    const queued = await startCoupaEmulator({ seed: { size: 300, seed: 3 }, rateLimit: { ratePerSecond: 100, burst: 1, throttle: 'queue' } });
    try {
      const client = new CoupaClient({ baseUrl: queued.url, clientId: queued.clientId, clientSecret: queued.clientSecret, scopes: SCOPES, bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1e6 }) });
      const all = await Promise.all(Array.from({ length: 5 }, () => client.get('users', { params: { limit: '1' } })));
      expect(all).toHaveLength(5);
      const c = queued.control.counters();
      expect(c.rateLimited).toBe(0);
      expect(c.queued).toBeGreaterThan(0);
    } finally {
      await queued.close();
    }
  });

  it('re-authenticates once when the token expires mid-stream', async () => {
    const client = newClient();
    await coupaResources(client).contracts.find({ limit: 1, fields: ['id'] });
    emu.control.addFault({ kind: 'expire-token', path: '/api/contracts', times: 1 });
    await expect(coupaResources(client).contracts.find({ limit: 1, fields: ['id'] })).resolves.toHaveLength(1);
    expect(emu.control.counters().tokens).toBe(2);
  });

  it('reports validation errors from Coupa without retrying', async () => {
    const client = newClient();
    const err = await coupaResources(client)
      .suppliers.create({} as never)
      .catch((e: CoupaApiError) => e);
    expect(err).toMatchObject({ kind: 'validation', status: 400 });
    expect(emu.control.counters().byEndpoint['POST /api/suppliers']).toBe(1);
  });

  it('a refused scope is an auth failure', async () => {
    const client = newClient({ scopes: ['core.not.a.scope'] });
    await expect(client.get('suppliers')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('paces calls with the shared token bucket so the instance limit is not hit', async () => {
    // Unpaced, 40 simultaneous calls overrun Coupa's 25/s burst 20 bucket.
    const unpaced = newClient({ bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1e6 }), backoff: { maxRetries: 0 } });
    await unpaced.get('budget_lines', { params: { limit: '1' } });
    emu.control.refillRateLimit();
    emu.control.resetCounters();
    await Promise.allSettled(Array.from({ length: 40 }, () => unpaced.get('budget_lines', { params: { limit: '1' } })));
    expect(emu.control.counters().rateLimited).toBeGreaterThan(0);

    // Paced a little under the instance limit (network jitter compresses arrivals), none is refused.
    const paced = newClient({ bucket: new TokenBucket({ ratePerSecond: 23, burst: 18 }), backoff: { maxRetries: 0 } });
    emu.control.refillRateLimit();
    await paced.get('budget_lines', { params: { limit: '1' } });
    emu.control.refillRateLimit();
    emu.control.resetCounters();
    await Promise.all(Array.from({ length: 40 }, () => paced.get('budget_lines', { params: { limit: '1' } })));
    const c = emu.control.counters();
    expect(c.rateLimited).toBe(0);
    expect(c.byEndpoint['GET /api/budget_lines']).toBe(40);
  });

  it("uses the whole limit without a 429 when a burst's first requests reach Coupa late", async () => {
    // The client's bucket and Coupa's are the same (25/s, burst 20), but Coupa's counts arrivals. Here the burst
    // (19 calls: the token request took the 20th token) waits 200 ms on the way and the next calls 160, 120, 80
    // and 40 ms, so all reach Coupa at once, after a time in which its full bucket refilled nothing. A bucket
    // that counts a call at its send lets 24 through in those 200 ms; four are refused.
    emu.control.addFault({ kind: 'latency', method: 'GET', path: '/api/budget_lines', ms: 200, times: 19 });
    for (const ms of [160, 120, 80, 40]) emu.control.addFault({ kind: 'latency', method: 'GET', path: '/api/budget_lines', ms, times: 1 });
    let inFlight = 0;
    let maxInFlight = 0;
    const client = newClient({
      // The guarantee holds for calls that reach Coupa within inFlightHoldMs (default 400 ms). The emulator runs in
      // this process, so on a loaded machine its timers fire late and a 200 ms delay can exceed that; 5 s cannot.
      bucket: new TokenBucket({ ratePerSecond: 25, burst: 20, inFlightHoldMs: 5_000 }),
      backoff: { maxRetries: 0 },
      onRequest: () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      },
      onCall: () => {
        inFlight--;
      },
    });
    const calls = await Promise.allSettled(Array.from({ length: 60 }, () => client.get('budget_lines', { params: { limit: '1' } })));
    const c = emu.control.counters();
    expect(c.rateLimited).toBe(0);
    expect(calls.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
    expect(c.byEndpoint['GET /api/budget_lines']).toBe(60);
    // Not bought by serialising: the burst still goes out at once.
    expect(maxInFlight).toBeGreaterThanOrEqual(19);
  });
});
