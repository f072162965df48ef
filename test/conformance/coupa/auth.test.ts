import { CLIENT_ID, CLIENT_SECRET, startHarness, type Harness } from './helpers';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

describe('Coupa emulator: OAuth client credentials and scopes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scopes: ['core.supplier.read', 'core.supplier.write', 'core.invoice.read'] });
  });
  afterAll(() => h.close());

  it('mints a bearer token from form fields with exactly the documented keys', async () => {
    const res = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'core.supplier.read' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(86399);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
    const res = await fetch(`${h.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials&scope=core.supplier.read',
    });
    expect(res.status).toBe(200);
  });

  it('refuses a wrong secret with 401 invalid_client', async () => {
    const res = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'nope', scope: 'core.supplier.read' }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error).toBe('invalid_client');
  });

  it('refuses a scope the client was not granted with 400 invalid_scope, and a missing scope (strict default)', async () => {
    const res = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'core.supplier.read core.user.write' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_scope');
    const none = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
    expect(none.status).toBe(400);
  });

  it('refuses other grant types', async () => {
    const res = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'password', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'core.supplier.read' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('unsupported_grant_type');
  });

  it('answers 401 without a token, with an unknown token, and for an API key', async () => {
    const plain = await fetch(`${h.url}/api/suppliers`, { headers: { accept: 'application/json' } });
    expect(plain.status).toBe(401);
    expect((await h.api('GET', '/api/suppliers', { token: 'forged' })).status).toBe(401);
    const key = await fetch(`${h.url}/api/suppliers`, { headers: { accept: 'application/json', 'x-coupa-api-key': 'a'.repeat(40) } });
    expect(key.status).toBe(401);
  });

  it('enforces the endpoint scope: read-only token cannot write; missing scope → 403 insufficient_scope', async () => {
    const readOnly = await h.token(['core.supplier.read']);
    expect((await h.api('GET', '/api/suppliers', { token: readOnly })).status).toBe(200);
    const write = await h.api('POST', '/api/suppliers', { token: readOnly, body: { name: 'Nope Inc' } });
    expect(write.status).toBe(403);
    expect(write.body.error).toBe('insufficient_scope');
    const invoicesOnly = await h.token(['core.invoice.read']);
    const res = await h.api('GET', '/api/suppliers', { token: invoicesOnly });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('core.supplier.read');
  });

  it('expires tokens on the instance clock', async () => {
    const tok = await h.token(['core.supplier.read']);
    expect((await h.api('GET', '/api/suppliers', { token: tok })).status).toBe(200);
    h.emu.control.clock.advance(86_400_000);
    const res = await h.api('GET', '/api/suppliers', { token: tok });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('refuses a token inside its not-yet-active window when configured', async () => {
    const slow = await startHarness({ scopes: ['core.supplier.read'], tokenNotBeforeMs: 5000 });
    try {
      const tok = await slow.token(['core.supplier.read']);
      expect((await slow.api('GET', '/api/suppliers', { token: tok })).status).toBe(401);
      slow.emu.control.clock.advance(5000);
      expect((await slow.api('GET', '/api/suppliers', { token: tok })).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('requires Accept: application/json (Coupa would answer XML)', async () => {
    const tok = await h.token(['core.supplier.read']);
    const res = await fetch(`${h.url}/api/suppliers`, { headers: { authorization: `Bearer ${tok}` } });
    expect(res.status).toBe(406);
  });
});

describe('Coupa emulator: configurable auth leniency', () => {
  it('a scope-less token request gets every granted scope when allowed; 401 for insufficient scope when configured', async () => {
    const h = await startHarness({ scopes: ['core.supplier.read'], allowScopelessToken: true, insufficientScopeStatus: 401, apiKeys: ['k'.repeat(40)] });
    try {
      const res = await fetch(`${h.url}/oauth2/token`, form({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
      expect(res.status).toBe(200);
      const tok = ((await res.json()) as any).access_token;
      expect((await h.api('GET', '/api/suppliers', { token: tok })).status).toBe(200);
      expect((await h.api('GET', '/api/users', { token: tok })).status).toBe(401);
      const key = await fetch(`${h.url}/api/suppliers`, { headers: { accept: 'application/json', 'x-coupa-api-key': 'k'.repeat(40) } });
      expect(key.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
