import type { AxiosInstance } from 'axios';
import { CoupaApiError } from './errors';

export interface CoupaCredentials {
  clientId: string;
  clientSecret: string;
  /** Scopes requested with the token, e.g. ["core.supplier.read", "core.invoice.read"]. */
  scopes: string[];
}

export interface TokenProviderOptions extends CoupaCredentials {
  http: AxiosInstance;
  /** Called before each token request (shares the instance rate limit); what it returns is called once answered. */
  beforeRequest?: () => Promise<(() => void) | void>;
  /** Refresh this long before the token expires. Default: 10% of its lifetime, at least 60 s. */
  refreshSkewMs?: number;
  /** Coupa warns a fresh token may be refused for a few seconds; wait this long before first use. */
  minTokenAgeMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface CachedToken {
  value: string;
  issuedAt: number;
  refreshAt: number;
}

/**
 * OAuth 2.0 client-credentials tokens for Coupa, cached until shortly before expiry. Concurrent
 * callers share one in-flight token request (single flight).
 */
export class CoupaTokenProvider {
  private cached?: CachedToken;
  private inflight?: Promise<CachedToken>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Number of tokens minted; exposed for diagnostics and tests. */
  minted = 0;
  /** Scopes Coupa echoed with the last token (when it does), for `doctor`-style checks. */
  grantedScopes?: string[];

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async getToken(): Promise<string> {
    let token = this.cached;
    if (!token || this.now() >= token.refreshAt) token = await this.refresh();
    const wait = (this.options.minTokenAgeMs ?? 0) - (this.now() - token.issuedAt);
    if (wait > 0) await this.sleep(wait);
    return token.value;
  }

  /** Forget `token` (after a 401) so the next getToken() mints a new one. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private refresh(): Promise<CachedToken> {
    if (!this.inflight) {
      this.inflight = this.requestToken().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async requestToken(): Promise<CachedToken> {
    const release = await this.options.beforeRequest?.();
    try {
      return await this.postTokenRequest();
    } finally {
      release?.();
    }
  }

  private async postTokenRequest(): Promise<CachedToken> {
    const { http, clientId, clientSecret, scopes } = this.options;
    const form = new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'client_credentials',
      scope: scopes.join(' '),
    });
    let res;
    try {
      res = await http.post('/oauth2/token', form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        validateStatus: () => true,
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw new CoupaApiError({ method: 'POST', path: '/oauth2/token', code: e.code, message: `Coupa token request failed: ${e.code ?? e.message}` });
    }
    const body = res.data as { access_token?: unknown; expires_in?: unknown; scope?: unknown; error?: string; error_description?: string };
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      const reason = body?.error ? `${body.error}${body.error_description ? ` (${body.error_description})` : ''}` : `HTTP ${res.status}`;
      throw new CoupaApiError({
        method: 'POST',
        path: '/oauth2/token',
        // A refused token request is an auth problem even if Coupa answers 400 (invalid_scope, invalid_client).
        status: res.status >= 500 || res.status === 429 ? res.status : 401,
        body: { error: body?.error, error_description: body?.error_description },
        message: `Coupa token request refused: ${reason}`,
      });
    }
    const ttlMs = (typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || 3600) * 1000;
    const skew = this.options.refreshSkewMs ?? Math.max(60_000, ttlMs * 0.1);
    const issuedAt = this.now();
    this.minted++;
    if (typeof body.scope === 'string') this.grantedScopes = body.scope.split(/\s+/).filter(Boolean);
    this.cached = { value: body.access_token, issuedAt, refreshAt: issuedAt + Math.max(0, ttlMs - skew) };
    return this.cached;
  }
}
