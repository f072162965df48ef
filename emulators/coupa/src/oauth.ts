import type { Request, Response } from 'express';
import type { Emulator } from './emulator';

/** OAuth 2.0 client credentials at POST /oauth2/token (form fields or HTTP Basic), opaque bearer tokens. */
interface TokenInfo {
  scopes: Set<string>;
  issuedAt: number;
  expiresAt: number;
}

export class OAuth {
  private tokens = new Map<string, TokenInfo>();

  constructor(private readonly emu: Emulator) {}

  tokenEndpoint = (req: Request, res: Response): void => {
    const o = this.emu.options;
    const body = (req.body ?? {}) as Record<string, string>;
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    const auth = req.headers.authorization;
    if (auth?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, i));
      clientSecret = decodeURIComponent(decoded.slice(i + 1));
    }
    this.emu.counters.token();
    if (clientId !== o.clientId || clientSecret !== o.clientSecret) {
      res.status(401).json({ error: 'invalid_client', error_description: 'Client authentication failed.' });
      return;
    }
    if (body.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported.' });
      return;
    }
    const granted = new Set(o.scopes);
    let scopes: string[];
    if (body.scope === undefined || body.scope.trim() === '') {
      if (!o.allowScopelessToken) {
        res.status(400).json({ error: 'invalid_scope', error_description: 'The requested scope is invalid, unknown, or malformed.' });
        return;
      }
      scopes = [...granted];
    } else {
      scopes = body.scope.split(/\s+/).filter(Boolean);
      if (scopes.some((s) => !granted.has(s))) {
        res.status(400).json({ error: 'invalid_scope', error_description: 'The requested scope is invalid, unknown, or malformed.' });
        return;
      }
    }
    const now = this.emu.now();
    const token = this.emu.mintToken();
    this.tokens.set(token, { scopes: new Set(scopes), issuedAt: now, expiresAt: now + o.tokenTtlSeconds * 1000 });
    res.set('Cache-Control', 'no-store');
    res.json({ access_token: token, token_type: 'bearer', expires_in: o.tokenTtlSeconds });
  };

  /** Scopes for the request's credentials, or an error string for a 401. */
  authenticate(req: Request): { scopes: Set<string>; token?: string } | { error: string } {
    const o = this.emu.options;
    const apiKey = req.headers['x-coupa-api-key'];
    const auth = req.headers.authorization;
    if (!auth && typeof apiKey === 'string') {
      if (o.apiKeys.includes(apiKey)) return { scopes: new Set(o.scopes) };
      return { error: 'API keys are not supported; use OAuth 2.0 client credentials.' };
    }
    if (!auth || !auth.toLowerCase().startsWith('bearer ')) return { error: 'The access token is missing.' };
    const token = auth.slice(7).trim();
    const info = this.tokens.get(token);
    if (!info) return { error: 'The access token is invalid.' };
    const now = this.emu.now();
    if (now >= info.expiresAt) return { error: 'The access token expired.' };
    if (now < info.issuedAt + o.tokenNotBeforeMs) return { error: 'The access token is not yet active.' };
    return { scopes: info.scopes, token };
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  revokeAll(): void {
    this.tokens.clear();
  }
}
