import { X509Certificate, createHmac, createPublicKey, randomBytes, verify, KeyObject } from 'node:crypto';
import express, { Request, Response, Router } from 'express';
import { ORG_ID, Org } from './org';

export interface Session {
  token: string;
  userId: string;
  clientId: string;
  expiresAt: number;
}

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** OAuth 2.0 token endpoint (client credentials, JWT bearer, authorization code, refresh token), sessions, identity. */
export class OAuth {
  private sessions = new Map<string, Session>();
  private refreshTokens = new Map<string, { userId: string; clientId: string }>();
  private codes = new Map<string, { userId: string; clientId: string; redirectUri: string }>();
  private readonly keys: KeyObject[];
  tokenLifetimeMs: number;
  baseUrl = '';

  constructor(private readonly org: Org) {
    this.keys = (org.options.jwtCertificates ?? []).map(toPublicKey);
    this.tokenLifetimeMs = (org.options.tokenLifetimeSeconds ?? 7200) * 1000;
  }

  /** Validates `Authorization: Bearer|OAuth <token>`; undefined if missing, unknown or expired. */
  authenticate(header: string | undefined, queryToken?: unknown): Session | undefined {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header ?? '');
    const token = m?.[1] ?? (typeof queryToken === 'string' ? queryToken : undefined);
    if (!token) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.org.clock.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return s;
  }

  /** Invalidates every current access token (new logins still work): the "session expired" switch. */
  expireSessions(): number {
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  revokeAll(): void {
    this.sessions.clear();
    this.refreshTokens.clear();
    this.codes.clear();
  }

  /** Issues a session directly (tests that need a token without an OAuth round trip). */
  issue(userId = this.org.integrationUserId, clientId = this.org.options.clientId, withRefresh = false): Record<string, string> {
    const token = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    const issuedAt = String(this.org.clock.now());
    this.sessions.set(token, { token, userId, clientId, expiresAt: this.org.clock.now() + this.tokenLifetimeMs });
    const id = `${this.baseUrl}/id/${ORG_ID}/${userId}`;
    const body: Record<string, string> = {
      access_token: token,
      signature: createHmac('sha256', this.org.options.clientSecret).update(id + issuedAt).digest('base64'),
      scope: withRefresh ? 'api refresh_token' : 'api',
      instance_url: this.baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
    if (withRefresh) {
      const refresh = `5Aep${randomBytes(40).toString('base64url')}`;
      this.refreshTokens.set(refresh, { userId, clientId });
      body.refresh_token = refresh;
    }
    return body;
  }

  router(): Router {
    const r = Router();
    r.use(express.urlencoded({ extended: false }));
    r.post('/services/oauth2/token', (req, res) => {
      try {
        res.json(this.token(req));
      } catch (e) {
        if (e instanceof OAuthError) res.status(e.status).json({ error: e.error, error_description: e.description });
        else throw e;
      }
    });
    r.get('/services/oauth2/authorize', (req, res) => {
      const clientId = String(req.query.client_id ?? '');
      const redirectUri = String(req.query.redirect_uri ?? '');
      if (clientId !== this.org.options.clientId) {
        res.status(400).json({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
        return;
      }
      // Auto-approves as the integration user: there is no login page to drive.
      const code = `aPrx${randomBytes(24).toString('base64url')}`;
      this.codes.set(code, { userId: this.org.integrationUserId, clientId, redirectUri });
      const url = new URL(redirectUri);
      url.searchParams.set('code', code);
      if (req.query.state) url.searchParams.set('state', String(req.query.state));
      res.redirect(302, url.toString());
    });
    r.post('/services/oauth2/revoke', (req, res) => {
      const token = String((req.body as Record<string, unknown>)?.token ?? req.query.token ?? '');
      if (!this.sessions.delete(token) && !this.refreshTokens.delete(token)) {
        res.status(400).json({ error: 'unsupported_token_type', error_description: 'this token type is not supported' });
        return;
      }
      res.status(200).end();
    });
    const identity = (req: Request, res: Response, userId?: string): void => {
      const s = this.authenticate(req.headers.authorization, req.query.oauth_token);
      if (!s || (userId && userId.slice(0, 15) !== s.userId.slice(0, 15))) {
        res.status(403).type('text/plain').send('Bad_OAuth_Token');
        return;
      }
      const user = this.org.store.get('User', s.userId) ?? {};
      const v = '64.0';
      res.json({
        id: `${this.baseUrl}/id/${ORG_ID}/${s.userId}`,
        asserted_user: true,
        user_id: s.userId,
        organization_id: ORG_ID,
        username: user.Username,
        nick_name: user.Alias,
        display_name: user.Name,
        email: user.Email,
        email_verified: true,
        first_name: user.FirstName,
        last_name: user.LastName,
        timezone: user.TimeZoneSidKey,
        photos: { picture: `${this.baseUrl}/profilephoto/005/F`, thumbnail: `${this.baseUrl}/profilephoto/005/T` },
        addr_street: null,
        active: true,
        user_type: 'STANDARD',
        language: user.LanguageLocaleKey,
        locale: user.LocaleSidKey,
        utcOffset: 0,
        last_modified_date: user.LastModifiedDate,
        is_app_installed: true,
        urls: {
          enterprise: `${this.baseUrl}/services/Soap/c/${v}/${ORG_ID}`,
          partner: `${this.baseUrl}/services/Soap/u/${v}/${ORG_ID}`,
          rest: `${this.baseUrl}/services/data/v${v}/`,
          sobjects: `${this.baseUrl}/services/data/v${v}/sobjects/`,
          search: `${this.baseUrl}/services/data/v${v}/search/`,
          query: `${this.baseUrl}/services/data/v${v}/query/`,
          recent: `${this.baseUrl}/services/data/v${v}/recent/`,
          profile: `${this.baseUrl}/${s.userId}`,
          limits: `${this.baseUrl}/services/data/v${v}/limits/`,
          custom_domain: this.baseUrl,
        },
      });
    };
    r.get('/id/:org/:user', (req, res) => identity(req, res, req.params.user));
    r.get('/services/oauth2/userinfo', (req, res) => {
      const s = this.authenticate(req.headers.authorization, req.query.oauth_token);
      if (!s) {
        res.status(403).type('text/plain').send('Bad_OAuth_Token');
        return;
      }
      const user = this.org.store.get('User', s.userId) ?? {};
      res.json({ sub: `${this.baseUrl}/id/${ORG_ID}/${s.userId}`, user_id: s.userId, organization_id: ORG_ID, preferred_username: user.Username, name: user.Name, email: user.Email, email_verified: true });
    });
    return r;
  }

  private clientFrom(req: Request): { id?: string; secret?: string } {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':');
      const decode = (v: string | undefined): string => {
        try {
          return decodeURIComponent(v ?? '');
        } catch {
          return v ?? '';
        }
      };
      return { id: decode(id), secret: decode(secret) };
    }
    return { id: body.client_id, secret: body.client_secret };
  }

  private checkClient(req: Request, needSecret: boolean): void {
    const c = this.clientFrom(req);
    if (c.id !== this.org.options.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (needSecret && c.secret !== this.org.options.clientSecret) throw new OAuthError('invalid_client', 'invalid client credentials');
  }

  private token(req: Request): Record<string, string> {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    switch (body.grant_type) {
      case 'client_credentials':
        this.checkClient(req, true);
        return this.issue();
      case JWT_GRANT:
        return this.issue(this.verifyAssertion(body.assertion ?? ''));
      case 'authorization_code': {
        this.checkClient(req, true);
        const code = this.codes.get(body.code ?? '');
        if (!code) throw new OAuthError('invalid_grant', 'invalid authorization code');
        this.codes.delete(body.code ?? '');
        if (body.redirect_uri && body.redirect_uri !== code.redirectUri) throw new OAuthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
        return this.issue(code.userId, code.clientId, true);
      }
      case 'refresh_token': {
        this.checkClient(req, body.client_secret !== undefined);
        const rt = this.refreshTokens.get(body.refresh_token ?? '');
        if (!rt) throw new OAuthError('invalid_grant', 'expired access/refresh token');
        if (this.org.options.refreshTokenRotation) {
          this.refreshTokens.delete(body.refresh_token ?? '');
          return this.issue(rt.userId, rt.clientId, true);
        }
        const out = this.issue(rt.userId, rt.clientId);
        out.scope = 'api refresh_token';
        return out;
      }
      case 'password':
        throw new OAuthError('invalid_grant', 'authentication failure');
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /** JWT bearer: RS256 signature against configured certificates; iss = client id, sub = active username, aud, exp. */
  private verifyAssertion(assertion: string): string {
    const parts = assertion.split('.');
    if (parts.length !== 3) throw new OAuthError('invalid_grant', 'invalid assertion');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Record<string, unknown>;
    } catch {
      throw new OAuthError('invalid_grant', 'invalid assertion');
    }
    if (header.alg !== 'RS256') throw new OAuthError('invalid_grant', 'invalid assertion');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2], 'base64url');
    if (!this.keys.some((k) => verify('RSA-SHA256', signed, k, sig))) throw new OAuthError('invalid_grant', 'invalid assertion');
    if (claims.iss !== this.org.options.clientId) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    const audiences = ['https://login.salesforce.com', 'https://test.salesforce.com', this.baseUrl, ...(this.org.options.jwtAudiences ?? [])];
    const aud = Array.isArray(claims.aud) ? (claims.aud as unknown[]) : [claims.aud];
    if (!aud.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, '')))) throw new OAuthError('invalid_grant', 'audience is invalid');
    let exp = Number(claims.exp);
    if (!Number.isFinite(exp)) throw new OAuthError('invalid_grant', 'invalid assertion');
    if (exp > 1e11) exp = exp / 1000; // the Salesforce CLI sends milliseconds
    if (exp * 1000 < this.org.clock.now() - 3 * 60_000) throw new OAuthError('invalid_grant', 'expired authorization code');
    const users = this.org.store.all('User').filter((u) => !u.IsDeleted && u.IsActive && String(u.Username).toLowerCase() === String(claims.sub ?? '').toLowerCase());
    if (!users.length) throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    return users[0].Id as string;
  }
}

function toPublicKey(pem: string): KeyObject {
  if (pem.includes('BEGIN CERTIFICATE')) return new X509Certificate(pem).publicKey;
  return createPublicKey(pem);
}
