import { KeyObject, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, OAuth2 } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { CLIENT_ID, CLIENT_SECRET, VERSION, connect, failure, startOrg } from './helpers';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const USERNAME = 'integration@coupa-connector.example';

function makeCertificate(): { cert: string; key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sf-jwt-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=emulator-test'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function jwt(claims: Record<string, unknown>, key: KeyObject = privateKey): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

describe('OAuth 2.0 through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  beforeAll(async () => {
    emu = await startOrg({ jwtCertificates: [publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
  });
  afterAll(() => emu.close());

  const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    iss: CLIENT_ID,
    sub: USERNAME,
    aud: 'https://login.salesforce.com',
    exp: Math.floor(Date.now() / 1000) + 300,
    ...over,
  });

  it('client credentials: token response fields, userInfo from the id URL, instance URL = emulator origin', async () => {
    const conn = new Connection({ oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: emu.url }, version: VERSION });
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    expect(info.organizationId).toMatch(/^00D[a-zA-Z0-9]{15}$/);
    expect(info.id).toBe(emu.control.integrationUserId());
    expect(conn.instanceUrl).toBe(emu.url);
    expect(conn.accessToken).toMatch(/^00D[a-zA-Z0-9]{12}!/);
    expect(conn.refreshToken).toBeUndefined();
    const identity = await conn.identity();
    expect(identity.user_id).toBe(info.id);
    expect(identity.organization_id).toBe(info.organizationId);
    expect(identity.username).toBe(USERNAME);
  });

  it('client credentials: wrong secret → invalid_client, unknown client → invalid_client_id, bad grant → unsupported_grant_type', async () => {
    const bad = new Connection({ oauth2: { clientId: CLIENT_ID, clientSecret: 'nope', loginUrl: emu.url }, version: VERSION });
    const e1 = await failure(bad.authorize({ grant_type: 'client_credentials' }));
    expect(e1.name).toBe('invalid_client');
    expect(e1.message).toBe('invalid client credentials');
    const unknown = new Connection({ oauth2: { clientId: 'who', clientSecret: CLIENT_SECRET, loginUrl: emu.url }, version: VERSION });
    const e2 = await failure(unknown.authorize({ grant_type: 'client_credentials' }));
    expect(e2.name).toBe('invalid_client_id');
    const e3 = await failure(bad.authorize({ grant_type: 'magic' }));
    expect(e3.name).toBe('unsupported_grant_type');
  });

  it('JWT bearer: a correctly signed assertion logs in as the sub user; ms-valued exp is tolerated', async () => {
    const conn = new Connection({ loginUrl: emu.url, version: VERSION });
    const info = await conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(claims()) });
    expect(info.id).toBe(emu.control.integrationUserId());
    const res = await conn.query<{ Id: string }>('SELECT Id FROM User');
    expect(res.records.map((r) => r.Id)).toContain(info.id);
    const conn2 = new Connection({ loginUrl: emu.url, version: VERSION });
    await conn2.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(claims({ exp: Date.now() + 300 })) });
    expect(conn2.accessToken).toBeTruthy();
  });

  it.each([
    ['signed with another key', () => jwt(claims(), other.privateKey), 'invalid_grant', 'invalid assertion'],
    ['unknown issuer', () => jwt(claims({ iss: 'someone-else' })), 'invalid_client_id', 'client identifier invalid'],
    ['wrong audience', () => jwt(claims({ aud: 'https://example.com' })), 'invalid_grant', 'audience is invalid'],
    ['expired', () => jwt(claims({ exp: Math.floor(Date.now() / 1000) - 3600 })), 'invalid_grant', 'expired authorization code'],
    ['unknown user', () => jwt(claims({ sub: 'nobody@example.com' })), 'invalid_grant', "user hasn't approved this consumer"],
    ['not a JWT', () => 'a.b', 'invalid_grant', 'invalid assertion'],
  ])('JWT bearer rejects an assertion %s', async (_label, make, name, message) => {
    const conn = new Connection({ loginUrl: emu.url, version: VERSION });
    const e = await failure(conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: make() }));
    expect(e.name).toBe(name);
    expect(e.message).toBe(message);
  });

  // A connected app holds an X.509 certificate. Node cannot mint one, so the pair is made with openssl at test time
  // (no private key is committed); without openssl this case is skipped, the public-key case above still runs.
  const certPair = makeCertificate();
  (certPair ? it : it.skip)('JWT bearer against an org configured with an X.509 certificate (as a connected app is)', async () => {
    const { cert, key } = certPair as { cert: string; key: string };
    const certOrg = await startOrg({ jwtCertificates: [cert] });
    try {
      const conn = new Connection({ loginUrl: certOrg.url, version: VERSION });
      await conn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(claims({ aud: certOrg.url }), createPrivateKey(key)) });
      expect(conn.instanceUrl).toBe(certOrg.url);
      const e = await failure(new Connection({ loginUrl: certOrg.url, version: VERSION }).authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(claims()) }));
      expect(e.name).toBe('invalid_grant');
    } finally {
      await certOrg.close();
    }
  });

  it('expired sessions: with refreshFn jsforce re-authenticates and retries; without it the call fails with INVALID_SESSION_ID', async () => {
    const conn = await connect(emu);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    const before = conn.accessToken;
    expect(emu.control.expireSessions()).toBeGreaterThan(0);
    const res = await conn.query('SELECT Id FROM Account');
    expect(res.done).toBe(true);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).not.toBe(before);

    const plain = new Connection({ instanceUrl: emu.url, accessToken: conn.accessToken ?? '', version: VERSION });
    emu.control.expireSessions();
    const e = await failure(plain.query('SELECT Id FROM Account'));
    expect(e.name).toBe('INVALID_SESSION_ID');
    expect(e.message).toBe('Session expired or invalid');
  });

  it('token lifetime: a token past its lifetime is rejected with INVALID_SESSION_ID', async () => {
    const token = emu.control.issueToken();
    const conn = new Connection({ instanceUrl: emu.url, accessToken: token.access_token, version: VERSION });
    await conn.query('SELECT Id FROM Account');
    emu.control.advanceClock(7201 * 1000);
    try {
      expect((await failure(conn.query('SELECT Id FROM Account'))).name).toBe('INVALID_SESSION_ID');
    } finally {
      emu.control.advanceClock(-7201 * 1000);
    }
  });

  it('authorization code + refresh token flow via jsforce OAuth2', async () => {
    const oauth2 = new OAuth2({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: emu.url, redirectUri: 'http://localhost/cb' });
    const res = await fetch(oauth2.getAuthorizationUrl({ state: 's1' }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('s1');
    const conn = new Connection({ oauth2, version: VERSION });
    await conn.authorize(location.searchParams.get('code') ?? '');
    expect(conn.refreshToken).toBeTruthy();
    const refreshed = await oauth2.refreshToken(conn.refreshToken ?? '');
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.instance_url).toBe(emu.url);
    const e = await failure(oauth2.refreshToken('not-a-refresh-token'));
    expect(e.name).toBe('invalid_grant');
    expect(e.message).toBe('expired access/refresh token');
  });
});
