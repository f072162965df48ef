import http from 'http';
import type { AddressInfo } from 'net';
import { CoupaClient } from './client';
import { classifyCoupaError, CoupaApiError } from './errors';
import { TokenBucket } from './rate-limit';
import { coupaResources } from './resources';

type Handler = (req: http.IncomingMessage, body: string, url: URL) => { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'drop';

interface Fake {
  url: string;
  calls: Array<{ method: string; path: string; query: URLSearchParams; auth?: string; body: string }>;
  handler: Handler;
  close(): Promise<void>;
}

async function fakeCoupa(): Promise<Fake> {
  const fake: Fake = { url: '', calls: [], handler: () => ({ status: 404 }), close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      fake.calls.push({ method: req.method!, path: url.pathname, query: url.searchParams, auth: req.headers.authorization, body });
      const out = fake.handler(req, body, url);
      if (out === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(out.status, { 'Content-Type': 'application/json', ...out.headers });
      res.end(out.raw ?? (out.body === undefined ? '' : JSON.stringify(out.body)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}

const failure = (p: Promise<unknown>): Promise<CoupaApiError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: CoupaApiError) => e,
  );

let tokenSeq = 0;
function tokenResponse(body: string) {
  const form = new URLSearchParams(body);
  if (form.get('client_secret') !== 'sekret') return { status: 401, body: { error: 'invalid_client' } };
  return { status: 200, body: { access_token: `tok-${++tokenSeq}`, token_type: 'bearer', expires_in: 86399, scope: form.get('scope') } };
}

describe('CoupaClient', () => {
  let fake: Fake;
  let client: CoupaClient;
  const sleeps: number[] = [];

  beforeEach(async () => {
    fake = await fakeCoupa();
    sleeps.length = 0;
    client = new CoupaClient({
      baseUrl: fake.url,
      clientId: 'cid',
      clientSecret: 'sekret',
      scopes: ['core.supplier.read', 'core.invoice.read'],
      bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1000 }),
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });
  afterEach(() => fake.close());

  it('holds a rate-limit token per call only until its answer (answered, refused or dropped), token request included', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 1e6, burst: 1000, inFlightHoldMs: 3_600_000 });
    client = new CoupaClient({ baseUrl: fake.url, clientId: 'cid', clientSecret: 'sekret', scopes: ['x'], bucket, backoff: { maxRetries: 0 } });
    let inFlightSeen = 0;
    fake.handler = (req, body) => {
      inFlightSeen = Math.max(inFlightSeen, bucket.inFlight);
      if (req.url === '/oauth2/token') return tokenResponse(body);
      if (req.url!.startsWith('/api/suppliers')) return { status: 200, body: [] };
      if (req.url!.startsWith('/api/invoices')) return { status: 429, body: { errors: { base: ['Rate limit exceeded'] } } };
      return 'drop';
    };
    await Promise.allSettled([client.get('suppliers'), client.get('invoices'), client.get('contracts'), client.get('suppliers')]);
    expect(inFlightSeen).toBeGreaterThanOrEqual(1);
    expect(bucket.inFlight).toBe(0);
  });

  it('mints one token for concurrent calls (form fields, space-separated scopes) and reuses it', async () => {
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 200, body: [{ id: 1 }] });
    await Promise.all([client.get('suppliers'), client.get('suppliers'), client.get('invoices')]);
    await client.get('suppliers');
    const tokenCalls = fake.calls.filter((c) => c.path === '/oauth2/token');
    expect(tokenCalls).toHaveLength(1);
    const form = new URLSearchParams(tokenCalls[0].body);
    expect(Object.fromEntries(form)).toEqual({ client_id: 'cid', client_secret: 'sekret', grant_type: 'client_credentials', scope: 'core.supplier.read core.invoice.read' });
    expect(client.auth.grantedScopes).toEqual(['core.supplier.read', 'core.invoice.read']);
    const apiCalls = fake.calls.filter((c) => c.path.startsWith('/api/'));
    expect(new Set(apiCalls.map((c) => c.auth))).toEqual(new Set([`Bearer tok-${tokenSeq}`]));
  });

  it('re-authenticates once on 401, then gives up', async () => {
    let firstToken: string | undefined;
    fake.handler = (req, body) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      if (!firstToken) firstToken = req.headers.authorization;
      return req.headers.authorization === firstToken ? { status: 401, body: { errors: ['expired'] } } : { status: 200, body: { id: 7 } };
    };
    await expect(client.get('suppliers/7')).resolves.toEqual({ id: 7 });
    expect(fake.calls.filter((c) => c.path === '/oauth2/token')).toHaveLength(2);

    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 401 });
    const err = await failure(client.get('suppliers/7'));
    expect(err).toBeInstanceOf(CoupaApiError);
    expect(err.kind).toBe('auth');
    expect(fake.calls.filter((c) => c.path === '/api/suppliers/7')).toHaveLength(4);
  });

  it('reports a refused token request as auth without leaking the secret', async () => {
    client = new CoupaClient({ baseUrl: fake.url, clientId: 'cid', clientSecret: 'wrong-secret-value', scopes: ['x'], bucket: new TokenBucket({ ratePerSecond: 1e6, burst: 1000 }) });
    fake.handler = (req, body) => tokenResponse(body);
    const err = await failure(client.get('suppliers'));
    expect(err.kind).toBe('auth');
    expect(String(err.message) + JSON.stringify(err)).not.toContain('wrong-secret-value');
  });

  it('does not retry 429 or 5xx answers: it surfaces them once, classified, with Retry-After as retryAfterMs', async () => {
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 429, headers: { 'Retry-After': '7' }, body: { errors: { base: ['Rate limit exceeded'] } } });
    const limited = await failure(client.get('suppliers'));
    expect(limited).toMatchObject({ kind: 'rate-limited', retryable: true, status: 429, retryAfterMs: 7000 });
    expect(classifyCoupaError(limited)).toEqual({ kind: 'rate-limited', retryable: true, retryAfterMs: 7000 });

    const at = new Date(Date.now() + 30_000).toUTCString();
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 503, headers: { 'Retry-After': at } });
    const unavailable = await failure(client.get('suppliers'));
    expect(unavailable.kind).toBe('transient');
    expect(unavailable.retryAfterMs).toBeGreaterThan(25_000);
    expect(unavailable.retryAfterMs).toBeLessThanOrEqual(30_000);

    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 500 });
    expect(await failure(client.get('suppliers'))).toMatchObject({ kind: 'transient', status: 500 });
    expect(classifyCoupaError(await failure(client.get('suppliers')))).toEqual({ kind: 'transient', retryable: true });
    expect(fake.calls.filter((c) => c.path === '/api/suppliers')).toHaveLength(4);
    expect(sleeps).toEqual([]);
  });

  it('retries transport failures of GET and PUT a bounded number of times with the shared backoff', async () => {
    let gets = 0;
    fake.handler = (req, body) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      return req.method === 'GET' && ++gets <= 2 ? 'drop' : { status: 200, body: { id: 1 } };
    };
    await expect(client.get('suppliers/1')).resolves.toEqual({ id: 1 });
    // Full jitter with random() = 0.5: half of 250, then half of 500.
    expect(sleeps).toEqual([125, 250]);

    sleeps.length = 0;
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : 'drop');
    const err = await failure(client.put('suppliers/1', { name: 'x' }));
    expect(err).toMatchObject({ kind: 'transient', retryable: true, status: undefined });
    expect(fake.calls.filter((c) => c.method === 'PUT')).toHaveLength(3);
    expect(sleeps).toEqual([125, 250]);
  });

  it('classifies a 403 that says the rate limit was hit as rate-limited, other 403s as auth', async () => {
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 403, body: { errors: { base: ['API rate limit exceeded. Please retry later.'] } } });
    expect(await failure(client.get('suppliers'))).toMatchObject({ kind: 'rate-limited', retryable: true, status: 403 });
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 403, raw: '<html><body>403 Forbidden: Too Many Requests</body></html>', headers: { 'Content-Type': 'text/html' } });
    expect(await failure(client.get('suppliers'))).toMatchObject({ kind: 'rate-limited' });
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 403, body: { error: 'insufficient_scope' } });
    expect(await failure(client.get('suppliers'))).toMatchObject({ kind: 'auth', retryable: false });
    expect(sleeps).toEqual([]);
  });

  it('retries a page of a paged read in place on 429/5xx (Retry-After honoured, bounded), since a failed page restarts the read', async () => {
    const all = Array.from({ length: 12 }, (_, i) => ({ id: i + 1 }));
    let pageTwo = 0;
    fake.handler = (req, body, url) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      const offset = Number(url.searchParams.get('offset'));
      if (offset === 5 && ++pageTwo <= 2) return pageTwo === 1 ? { status: 429, headers: { 'Retry-After': '3' } } : { status: 502 };
      return { status: 200, body: all.slice(offset, offset + 5) };
    };
    const ids: number[] = [];
    for await (const r of coupaResources(client).suppliers.list({ limit: 5 })) ids.push(r.id);
    expect(ids).toEqual(all.map((r) => r.id));
    expect(sleeps).toEqual([3000, 250]);

    sleeps.length = 0;
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 503 });
    await expect(coupaResources(client).suppliers.find({})).rejects.toMatchObject({ kind: 'transient', status: 503 });
    expect(sleeps).toHaveLength(4);

    // A server asking for a long wait, or a non-retryable answer, goes straight to the caller.
    sleeps.length = 0;
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 429, headers: { 'Retry-After': '3600' } });
    await expect(coupaResources(client).suppliers.find({})).rejects.toMatchObject({ kind: 'rate-limited', retryAfterMs: 3_600_000 });
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 400, body: { errors: { base: ['bad filter'] } } });
    await expect(coupaResources(client).suppliers.find({})).rejects.toMatchObject({ kind: 'validation' });
    expect(sleeps).toEqual([]);
  });

  it('fails a list answered with a non-JSON body with a clear transient error', async () => {
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 200, raw: '<html>Maintenance</html>', headers: { 'Content-Type': 'text/html' } });
    const viaChanges = await failure((async () => {
      for await (const _ of coupaResources(client).invoices.changes({})) void _;
    })());
    expect(viaChanges).toBeInstanceOf(CoupaApiError);
    expect(viaChanges.message).toMatch(/^Coupa answered 200 with a non-JSON body for GET \/api\/invoices/);
    expect(classifyCoupaError(viaChanges)).toEqual({ kind: 'transient', retryable: true });

    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 200, raw: '[{"id": 1, "updated-at": "2026-01-0' });
    const viaList = await failure(coupaResources(client).suppliers.find({}));
    expect(viaList.message).toMatch(/^Coupa answered 200 with a non-JSON body for GET \/api\/suppliers/);
    expect(viaList.kind).toBe('transient');

    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 200, body: { errors: 'odd' } });
    expect(await failure(coupaResources(client).suppliers.find({}))).toMatchObject({ kind: 'transient', message: 'Coupa answered 200 with an object instead of a list for GET /api/suppliers' });

    // A POST whose success answer cannot be read may have created the record.
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 201, raw: '{"id": 4' });
    expect(await failure(client.post('suppliers', { name: 'Acme' }))).toMatchObject({ kind: 'ambiguous', retryable: false });
  });

  it('does not retry a POST whose connection dropped (ambiguous), but retries a GET', async () => {
    let gets = 0;
    fake.handler = (req, body) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      if (req.method === 'POST') return 'drop';
      return ++gets === 1 ? 'drop' : { status: 200, body: { id: 1 } };
    };
    const err = await failure(client.post('suppliers', { name: 'Acme' }));
    expect(err.kind).toBe('ambiguous');
    expect(fake.calls.filter((c) => c.method === 'POST' && c.path === '/api/suppliers')).toHaveLength(1);
    await expect(client.get('suppliers/1')).resolves.toEqual({ id: 1 });
  });

  it('does not retry validation errors and surfaces Coupa messages', async () => {
    fake.handler = (req, body) => (req.url === '/oauth2/token' ? tokenResponse(body) : { status: 400, body: { errors: { supplier: ["Name can't be blank"] } } });
    const err = await failure(client.post('suppliers', {}));
    expect(err.kind).toBe('validation');
    expect(err.message).toContain("Name can't be blank");
    expect(sleeps).toHaveLength(0);
  });

  it('paginates with limit 50 + offset until a short page, passing filters and fields', async () => {
    const all = Array.from({ length: 120 }, (_, i) => ({ id: i + 1 }));
    fake.handler = (req, body, url) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      const limit = Number(url.searchParams.get('limit'));
      const offset = Number(url.searchParams.get('offset'));
      return { status: 200, body: all.slice(offset, offset + limit) };
    };
    const ids: number[] = [];
    for await (const r of coupaResources(client).suppliers.list({ filters: { status: 'active' }, fields: ['id'] })) ids.push(r.id);
    expect(ids).toEqual(all.map((r) => r.id));
    const pages = fake.calls.filter((c) => c.path === '/api/suppliers');
    expect(pages.map((c) => c.query.get('offset'))).toEqual(['0', '50', '100']);
    expect(pages.every((c) => c.query.get('limit') === '50' && c.query.get('status') === 'active' && c.query.get('fields') === '["id"]')).toBe(true);
  });

  it('reads changes after a (updated-at, id) cursor without losing records that share a timestamp', async () => {
    // 60 records share one timestamp, then 30 later ones: a naive `updated-at[gt]` cursor would lose some.
    const ts = (n: number) => `2026-01-01T00:00:${String(n).padStart(2, '0')}-08:00`;
    const rows = [...Array.from({ length: 60 }, (_, i) => ({ id: i + 1, 'updated-at': ts(0) })), ...Array.from({ length: 30 }, (_, i) => ({ id: 61 + i, 'updated-at': ts(1 + (i % 3)) }))];
    fake.handler = (req, body, url) => {
      if (req.url === '/oauth2/token') return tokenResponse(body);
      const from = url.searchParams.get('updated-at[gt_or_eq]');
      const sorted = rows
        .filter((r) => !from || Date.parse(r['updated-at']) >= Date.parse(from))
        .sort((a, b) => Date.parse(a['updated-at']) - Date.parse(b['updated-at']) || a.id - b.id);
      const offset = Number(url.searchParams.get('offset'));
      return { status: 200, body: sorted.slice(offset, offset + Number(url.searchParams.get('limit'))) };
    };
    const got: number[] = [];
    for await (const { record } of coupaResources(client).invoices.changes({ since: { updatedAt: ts(0), id: 10 }, pageSize: 25 })) got.push(record.id);
    expect(got).toEqual(rows.filter((r) => r.id > 10).sort((a, b) => Date.parse(a['updated-at']) - Date.parse(b['updated-at']) || a.id - b.id).map((r) => r.id));
    const q = fake.calls.filter((c) => c.path === '/api/invoices')[0].query;
    expect(q.get('order_by')).toBe('updated-at');
    expect(q.get('updated-at[gt_or_eq]')).toBe(ts(0));
  });
});
