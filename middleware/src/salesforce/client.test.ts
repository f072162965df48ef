import crypto from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';
import { signJwtAssertion } from './auth';
import { SalesforceClient } from './client';
import { classifySalesforceError, SalesforceApiError } from './errors';

interface Call {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | 'drop' | 'stall' | 'stall-body' | 'cut';

async function fakeSalesforce(handler: (call: Call, url: URL) => Reply) {
  const calls: Call[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const call = { method: req.method!, path: url.pathname, headers: req.headers, body };
      calls.push(call);
      const out = handler(call, url);
      if (out === 'drop') {
        req.socket.destroy();
        return;
      }
      if (out === 'stall') {
        stalled.push(req.socket);
        return;
      }
      if (out === 'cut') {
        // Headers promise 400 bytes; the connection closes after a few.
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '400' });
        res.write('[{"id":"001000000000001AAA","succ');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if (out === 'stall-body') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"totalSize": 1, "done": true, "records": [');
        stalled.push(req.socket);
        return;
      }
      res.writeHead(out.status, { 'Content-Type': 'application/json', ...out.headers });
      res.end(out.raw ?? (out.body === undefined ? '' : JSON.stringify(out.body)));
    });
  });
  const stalled: Array<{ destroy(): void }> = [];
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    close: () =>
      new Promise<void>((r) => {
        stalled.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function verifyAssertion(assertion: string) {
  const [h, c, s] = assertion.split('.');
  const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'));
  return { ok, header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(c, 'base64url').toString()) };
}

describe('signJwtAssertion', () => {
  it('produces an RS256 JWT with iss/sub/aud and exp in epoch seconds', () => {
    const jwt = signJwtAssertion({ clientId: 'ck', username: 'int@example.com', audience: 'https://login.salesforce.com', privateKey: pem, now: 1_700_000_000_000 });
    const v = verifyAssertion(jwt);
    expect(v.ok).toBe(true);
    expect(v.header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(v.claims).toEqual({ iss: 'ck', sub: 'int@example.com', aud: 'https://login.salesforce.com', exp: 1_700_000_180 });
  });
});

describe('SalesforceClient against a fake org', () => {
  let tokens = 0;
  const tokenReply = (base: string, body: string): Reply => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && !verifyAssertion(form.get('assertion')!).ok) return { status: 400, body: { error: 'invalid_grant', error_description: 'bad' } };
    if (form.get('grant_type') === 'client_credentials' && form.get('client_secret') !== 'cs') return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
    tokens++;
    return { status: 200, body: { access_token: `00D!tok${tokens}`, instance_url: base, id: `${base}/id/00D000000000001AAA/005000000000001AAA`, token_type: 'Bearer' } };
  };
  const opts = (url: string) => ({
    auth: { flow: 'jwt' as const, loginUrl: url, clientId: 'ck', username: 'int@example.com', privateKey: pem },
    clientName: 'coupa-test',
    recordRetries: 3,
    sleep: async () => {},
    random: () => 0.5,
  });

  it('authenticates with the JWT bearer flow and re-authenticates transparently on INVALID_SESSION_ID', async () => {
    let expire = true;
    const org = await fakeSalesforce((call, url) => {
      if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
      if (call.path.endsWith('/query') && expire) {
        expire = false;
        return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
      }
      return { status: 200, body: { totalSize: 1, done: true, records: [{ attributes: { type: 'Account' }, Id: '001A', Name: url.searchParams.get('q') }] } };
    });
    try {
      const sf = new SalesforceClient(opts(org.url));
      const who = await sf.connect();
      expect(who).toEqual({ userId: '005000000000001AAA', organizationId: '00D000000000001AAA', instanceUrl: org.url });
      const rows = await sf.queryAll('SELECT Id, Name FROM Account');
      expect(rows).toEqual([{ Id: '001A', Name: 'SELECT Id, Name FROM Account' }]);
      const tokenCalls = org.calls.filter((c) => c.path === '/services/oauth2/token');
      expect(tokenCalls).toHaveLength(2);
      const queries = org.calls.filter((c) => c.path.endsWith('/query'));
      expect(queries.map((q) => q.headers.authorization)).toEqual([`Bearer 00D!tok${tokens - 1}`, `Bearer 00D!tok${tokens}`]);
    } finally {
      await org.close();
    }
  });

  it('supports the client-credentials flow and reports a refused grant as auth without the secret', async () => {
    const org = await fakeSalesforce((call) => (call.path === '/services/oauth2/token' ? tokenReply(org.url, call.body) : { status: 404 }));
    try {
      const ok = new SalesforceClient({ auth: { flow: 'client-credentials', loginUrl: org.url, clientId: 'ck', clientSecret: 'cs' } });
      await ok.connect();
      expect(new URLSearchParams(org.calls[0].body).get('grant_type')).toBe('client_credentials');
      const bad = new SalesforceClient({ auth: { flow: 'client-credentials', loginUrl: org.url, clientId: 'ck', clientSecret: 'the-wrong-secret' } });
      const err = await bad.connect().then(
        () => undefined,
        (e: { kind: string; message: string }) => e,
      );
      expect(err?.kind).toBe('auth');
      expect(err?.message).toContain('invalid_client');
      expect(err?.message).not.toContain('the-wrong-secret');
    } finally {
      await org.close();
    }
  });

  it('follows nextRecordsUrl past 10,000 records', async () => {
    const total = 12_345;
    const org = await fakeSalesforce((call, url) => {
      if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
      const start = call.path.includes('/query/') ? Number(call.path.split('-').pop()) : 0;
      const end = Math.min(total, start + 2000);
      const records = Array.from({ length: end - start }, (_, i) => ({ attributes: { type: 'Account' }, Id: `001${start + i}` }));
      void url;
      return { status: 200, body: { totalSize: total, done: end === total, ...(end < total ? { nextRecordsUrl: `/services/data/v62.0/query/01gXX-${end}` } : {}), records } };
    });
    try {
      const sf = new SalesforceClient(opts(org.url));
      await sf.connect();
      const rows = await sf.queryAll<{ Id: string }>('SELECT Id FROM Account');
      expect(rows).toHaveLength(total);
      expect(new Set(rows.map((r) => r.Id)).size).toBe(total);
      expect(org.calls.filter((c) => c.path.includes('/query')).length).toBe(7);
    } finally {
      await org.close();
    }
  });

  it('upserts through sObject Collections in chunks of 200, origin-tagged, re-sending only lock failures', async () => {
    const seen = new Map<string, number>();
    const org = await fakeSalesforce((call) => {
      if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
      const { records } = JSON.parse(call.body) as { records: Array<{ Coupa_Supplier_Id__c: string }> };
      return {
        status: 200,
        headers: { 'Sforce-Limit-Info': 'api-usage=120/15000' },
        body: records.map((r) => {
          const n = (seen.get(r.Coupa_Supplier_Id__c) ?? 0) + 1;
          seen.set(r.Coupa_Supplier_Id__c, n);
          if (r.Coupa_Supplier_Id__c === '7' && n === 1) return { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }] };
          if (r.Coupa_Supplier_Id__c === '9') return { success: false, errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found', fields: [] }] };
          return { id: `001${r.Coupa_Supplier_Id__c}`, success: true, created: true, errors: [] };
        }),
      };
    });
    try {
      const sf = new SalesforceClient(opts(org.url));
      await sf.connect();
      const records = Array.from({ length: 450 }, (_, i) => ({ Coupa_Supplier_Id__c: String(i), Name: `S${i}` }));
      const results = await sf.upsert('Account', 'Coupa_Supplier_Id__c', records);
      const writes = org.calls.filter((c) => c.path.includes('/composite/sobjects'));
      expect(writes.map((w) => [w.method, w.path, JSON.parse(w.body).records.length])).toEqual([
        ['PATCH', '/services/data/v62.0/composite/sobjects/Account/Coupa_Supplier_Id__c', 200],
        ['PATCH', '/services/data/v62.0/composite/sobjects/Account/Coupa_Supplier_Id__c', 200],
        ['PATCH', '/services/data/v62.0/composite/sobjects/Account/Coupa_Supplier_Id__c', 50],
        ['PATCH', '/services/data/v62.0/composite/sobjects/Account/Coupa_Supplier_Id__c', 1],
      ]);
      expect(writes.every((w) => w.headers['sforce-call-options'] === 'client=coupa-test')).toBe(true);
      const first = JSON.parse(writes[0].body);
      expect(first.allOrNone).toBe(false);
      expect(first.records[0]).toEqual({ attributes: { type: 'Account' }, Coupa_Supplier_Id__c: '0', Name: 'S0' });
      expect(results).toHaveLength(450);
      expect(results[7]).toMatchObject({ index: 7, success: true, id: '0017' });
      expect(results[9]).toMatchObject({ index: 9, success: false, failure: { kind: 'conflict', retryable: false } });
      expect(results.filter((r) => r.success)).toHaveLength(449);
      expect(sf.budget.usage).toEqual({ used: 120, limit: 15000 });
    } finally {
      await org.close();
    }
  });

  it('marks creates whose connection dropped as ambiguous and does not re-send them', async () => {
    const org = await fakeSalesforce((call) => (call.path === '/services/oauth2/token' ? tokenReply(org.url, call.body) : 'drop'));
    try {
      const sf = new SalesforceClient(opts(org.url));
      await sf.connect();
      const results = await sf.create('Coupa_Onboarding_Request__c', [{ Status__c: 'Requested' }, { Status__c: 'Requested' }]);
      expect(results.map((r) => r.failure)).toEqual([
        { kind: 'ambiguous', retryable: false },
        { kind: 'ambiguous', retryable: false },
      ]);
      expect(org.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/composite/sobjects'))).toHaveLength(1);
    } finally {
      await org.close();
    }
  });

  it('refuses non-essential calls once usage reaches the reserve', async () => {
    const org = await fakeSalesforce((call) =>
      call.path === '/services/oauth2/token'
        ? tokenReply(org.url, call.body)
        : { status: 200, headers: { 'Sforce-Limit-Info': 'api-usage=9950/10000' }, body: { totalSize: 0, done: true, records: [] } },
    );
    try {
      const sf = new SalesforceClient({ ...opts(org.url), apiReserve: { fraction: 0.01 } });
      await sf.connect();
      await sf.queryAll('SELECT Id FROM Account');
      await expect(sf.queryAll('SELECT Id FROM Account')).rejects.toMatchObject({ code: 'API_BUDGET_RESERVED', kind: 'rate-limited' });
      await expect(sf.queryAll('SELECT Id FROM Account', { essential: true })).resolves.toEqual([]);
      const results = await sf.update('Account', [{ Id: '001A', Name: 'x' }]);
      expect(results[0].errors[0].code).toBe('API_BUDGET_RESERVED');
    } finally {
      await org.close();
    }
  });

  describe('one failure policy', () => {
    const sleeps: number[] = [];
    const policyOpts = (url: string, over: Record<string, unknown> = {}) => ({
      ...opts(url),
      recordRetries: 0,
      sleep: async (ms: number) => void sleeps.push(ms),
      ...over,
    });
    beforeEach(() => {
      sleeps.length = 0;
    });
    const apiCalls = (calls: Call[]) => calls.filter((c) => c.path.startsWith('/services/data/'));

    it('surfaces REQUEST_LIMIT_EXCEEDED once, rate-limited, with Retry-After and Sforce-Limit-Info', async () => {
      const org = await fakeSalesforce((call) =>
        call.path === '/services/oauth2/token'
          ? tokenReply(org.url, call.body)
          : { status: 403, headers: { 'Retry-After': '120', 'Sforce-Limit-Info': 'api-usage=15000/15000' }, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] },
      );
      try {
        const sf = new SalesforceClient(policyOpts(org.url));
        await sf.connect();
        const err = (await sf.queryAll('SELECT Id FROM Account').catch((e: SalesforceApiError) => e)) as SalesforceApiError;
        expect(err).toBeInstanceOf(SalesforceApiError);
        expect(err).toMatchObject({ code: 'REQUEST_LIMIT_EXCEEDED', kind: 'rate-limited', retryable: true, status: 403, retryAfterMs: 120_000, limitInfo: { used: 15000, limit: 15000 } });
        expect(classifySalesforceError(err)).toEqual({ kind: 'rate-limited', retryable: true, retryAfterMs: 120_000 });
        expect(sf.budget.usage).toEqual({ used: 15000, limit: 15000 });
        const results = await sf.update('Account', [{ Id: '001A', Name: 'x' }], { essential: true });
        expect(results[0].failure).toEqual({ kind: 'rate-limited', retryable: true, retryAfterMs: 120_000 });
        expect(apiCalls(org.calls)).toHaveLength(2);
        expect(sleeps).toEqual([]);
      } finally {
        await org.close();
      }
    });

    it('does not retry 429/5xx answers (neither the client nor jsforce): they reach the engine classified', async () => {
      const org = await fakeSalesforce((call) => {
        if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
        if (call.path.endsWith('/describe')) return { status: 503, headers: { 'Retry-After': '2' }, body: [{ message: 'Server is temporarily unavailable.', errorCode: 'SERVER_UNAVAILABLE' }] };
        if (call.path.endsWith('/query')) return { status: 429, raw: 'slow down', headers: { 'Content-Type': 'text/plain' } };
        return { status: 500, body: [{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }] };
      });
      try {
        const sf = new SalesforceClient(policyOpts(org.url));
        await sf.connect();
        await expect(sf.describe('Account')).rejects.toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 2000 });
        await expect(sf.queryAll('SELECT Id FROM Account')).rejects.toMatchObject({ kind: 'rate-limited', status: 429 });
        const [updated] = await sf.update('Account', [{ Id: '001A', Name: 'x' }]);
        expect(updated.failure).toEqual({ kind: 'transient', retryable: true });
        const [created] = await sf.create('Account', [{ Name: 'x' }]);
        expect(created.failure).toEqual({ kind: 'ambiguous', retryable: false });
        expect(apiCalls(org.calls)).toHaveLength(4);
        expect(sleeps).toEqual([]);
      } finally {
        await org.close();
      }
    });

    it('retries transport failures of reads a bounded number of times, never of writes', async () => {
      let describes = 0;
      const org = await fakeSalesforce((call) => {
        if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
        if (call.path.endsWith('/describe')) return ++describes <= 2 ? 'drop' : { status: 200, body: { name: 'Account', fields: [] } };
        return 'drop';
      });
      try {
        const sf = new SalesforceClient(policyOpts(org.url));
        await sf.connect();
        await expect(sf.describe('Account')).resolves.toEqual({ name: 'Account', fields: [] });
        expect(sleeps).toEqual([125, 250]);
        await expect(sf.queryAll('SELECT Id FROM Account')).rejects.toMatchObject({ kind: 'transient', retryable: true, transportFailure: true });
        expect(org.calls.filter((c) => c.path.endsWith('/query'))).toHaveLength(3);
        // A lost upsert answer is transient (safe to repeat) but repeated by the engine, not here: triggers may fire.
        const [upserted] = await sf.upsert('Account', 'Ext__c', [{ Ext__c: '1' }]);
        expect(upserted.failure).toEqual({ kind: 'transient', retryable: true });
        expect(org.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
        const [created] = await sf.create('Account', [{ Name: 'x' }]);
        expect(created.failure).toEqual({ kind: 'ambiguous', retryable: false });
        expect(org.calls.filter((c) => c.method === 'POST' && c.path.includes('/composite/'))).toHaveLength(1);
      } finally {
        await org.close();
      }
    });

    it('retries a query page with a transient answer in place, and surfaces a daily limit without Retry-After', async () => {
      let next = 0;
      const org = await fakeSalesforce((call, url) => {
        if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
        if (url.searchParams.get('q')?.includes('Contact')) return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
        if (call.path.endsWith('/query')) return { status: 200, body: { totalSize: 2, done: false, nextRecordsUrl: '/services/data/v62.0/query/01gXX-1', records: [{ Id: '001A' }] } };
        if (call.path.includes('/query/') && ++next <= 2) return { status: 503, body: [{ message: 'Server is temporarily unavailable.', errorCode: 'SERVER_UNAVAILABLE' }] };
        if (call.path.includes('/query/')) return { status: 200, body: { totalSize: 2, done: true, records: [{ Id: '001B' }] } };
        return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
      });
      try {
        const sf = new SalesforceClient(policyOpts(org.url));
        await sf.connect();
        await expect(sf.queryAll('SELECT Id FROM Account')).resolves.toEqual([{ Id: '001A' }, { Id: '001B' }]);
        expect(sleeps).toEqual([125, 250]);
        sleeps.length = 0;
        await expect(sf.queryAll('SELECT Id FROM Contact')).rejects.toMatchObject({ code: 'REQUEST_LIMIT_EXCEEDED', kind: 'rate-limited' });
        expect(sleeps).toEqual([]);
      } finally {
        await org.close();
      }
    });

    it('times out a stalled call: transient for a query (headers or body stalled), ambiguous for a create', async () => {
      let queries = 0;
      const org = await fakeSalesforce((call) => {
        if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
        if (call.path.endsWith('/query')) return ++queries === 1 ? 'stall' : 'stall-body';
        return 'stall';
      });
      try {
        const sf = new SalesforceClient(policyOpts(org.url, { timeoutMs: 150, backoff: { maxRetries: 1 } }));
        await sf.connect();
        const started = Date.now();
        const err = (await sf.queryAll('SELECT Id FROM Account').catch((e: SalesforceApiError) => e)) as SalesforceApiError;
        expect(err).toMatchObject({ code: 'REQUEST_TIMEOUT', kind: 'transient', retryable: true });
        expect(err.message).toMatch(/Salesforce GET .*\/query got no complete answer within 150 ms/);
        expect(queries).toBe(2);
        expect(Date.now() - started).toBeLessThan(3000);
        const [created] = await sf.create('Account', [{ Name: 'x' }]);
        expect(created).toMatchObject({ success: false, errors: [{ code: 'REQUEST_TIMEOUT' }], failure: { kind: 'ambiguous', retryable: false } });
      } finally {
        await org.close();
      }
    });

    it('fails a login whose token endpoint is silent or down as transient, not auth', async () => {
      let n = 0;
      const org = await fakeSalesforce((call) => (call.path === '/services/oauth2/token' ? (++n === 1 ? 'stall' : { status: 503, raw: 'down' }) : { status: 404 }));
      try {
        const sf = new SalesforceClient(policyOpts(org.url, { timeoutMs: 100 }));
        await expect(sf.connect()).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', kind: 'transient', retryable: true });
        await expect(sf.connect()).rejects.toMatchObject({ kind: 'transient', retryable: true });
      } finally {
        await org.close();
      }
    });

    it('classifies an unreadable or truncated answer to a write as ambiguous, not validation', async () => {
      const org = await fakeSalesforce((call) => {
        if (call.path === '/services/oauth2/token') return tokenReply(org.url, call.body);
        if (call.method === 'POST') return call.body.includes('"cut"') ? 'cut' : { status: 200, raw: '[{"id":"001000000000001AAA","success":tr' };
        // Two records sent, one result back.
        return { status: 200, body: [{ id: '001A', success: true, errors: [] }] };
      });
      try {
        // jsforce never settles a call whose body is cut after the headers: the time limit ends it.
        const sf = new SalesforceClient(policyOpts(org.url, { timeoutMs: 300 }));
        await sf.connect();
        const created = await sf.create('Account', [{ Name: 'a' }, { Name: 'b' }]);
        expect(created.map((r) => r.failure)).toEqual([
          { kind: 'ambiguous', retryable: false },
          { kind: 'ambiguous', retryable: false },
        ]);
        expect(created[0].errors[0].code).toBe('UNREADABLE_ANSWER');
        const [cut] = await sf.create('Account', [{ Name: 'cut' }]);
        expect(cut).toMatchObject({ errors: [{ code: 'REQUEST_TIMEOUT' }], failure: { kind: 'ambiguous', retryable: false } });
        const updated = await sf.update('Account', [
          { Id: '001A', Name: 'a' },
          { Id: '001B', Name: 'b' },
        ]);
        expect(updated[0]).toMatchObject({ success: true });
        expect(updated[1]).toMatchObject({ success: false, errors: [{ code: 'NO_RESULT' }], failure: { kind: 'ambiguous' } });
        expect(sleeps).toEqual([]);
      } finally {
        await org.close();
      }
    });
  });
});
