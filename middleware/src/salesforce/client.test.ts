import crypto from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';
import { signJwtAssertion } from './auth';
import { SalesforceClient } from './client';

interface Call {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'drop';

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
      res.writeHead(out.status, { 'Content-Type': 'application/json', ...out.headers });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
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
});
