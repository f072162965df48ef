import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { CoupaTokenProvider } from './auth';
import { backoffDelay, DEFAULT_BACKOFF, sleep as realSleep, type BackoffOptions } from './backoff';
import { CoupaApiError, coupaErrorMessages } from './errors';
import { buildListParams, MAX_PAGE_SIZE, type FieldProjection, type ListQuery } from './query';
import { COUPA_DEFAULT_RATE, sharedBucketFor, TokenBucket, type TokenBucketOptions } from './rate-limit';

export interface CoupaClientOptions {
  /** Instance origin, e.g. https://acme.coupahost.com (API under /api, token at /oauth2/token). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Rate limit for this instance; ignored if `bucket` is given. Default 25/s, burst 20. */
  rateLimit?: TokenBucketOptions;
  /** Explicit bucket; default: the process-wide bucket of this instance. */
  bucket?: TokenBucket;
  backoff?: Partial<BackoffOptions>;
  /** Per-request timeout, ms. Default 60 s. */
  timeoutMs?: number;
  minTokenAgeMs?: number;
  /** Test seams. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRequest?: (info: { method: string; path: string; attempt: number }) => void;
}

export interface RequestOptions {
  params?: URLSearchParams | Record<string, string>;
  body?: unknown;
  fields?: FieldProjection;
}

export interface Page<T> {
  records: T[];
  offset: number;
}

/**
 * Coupa Core API client: auth, instance-wide rate limit, bounded retries, pagination. Typed
 * per-resource access lives in resources.ts.
 */
export class CoupaClient {
  readonly http: AxiosInstance;
  readonly auth: CoupaTokenProvider;
  readonly bucket: TokenBucket;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Calls sent to Coupa (including retries and token requests); useful for efficiency checks. */
  requestCount = 0;

  constructor(private readonly options: CoupaClientOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: base,
      timeout: options.timeoutMs ?? 60_000,
      maxRedirects: 0,
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
    });
    this.bucket = options.bucket ?? sharedBucketFor(base, options.rateLimit ?? COUPA_DEFAULT_RATE);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    this.auth = new CoupaTokenProvider({
      http: this.http,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scopes: options.scopes,
      minTokenAgeMs: options.minTokenAgeMs,
      beforeRequest: async () => {
        await this.bucket.acquire();
        this.requestCount++;
      },
    });
  }

  /**
   * One API call with retries: 429/5xx/network errors are retried with jittered exponential backoff
   * (bounded), except when a non-idempotent request may have been processed (ambiguous). A 401 triggers
   * one re-authentication.
   */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const params = new URLSearchParams(opts.params as Record<string, string> | undefined);
    if (opts.fields) params.set('fields', JSON.stringify(opts.fields));
    const apiPath = path.startsWith('/api/') ? path : `/api/${path.replace(/^\/+/, '')}`;
    const qs = params.toString();
    const display = qs ? `${apiPath}?${qs}` : apiPath;
    let reauthed = false;
    for (let attempt = 0; ; attempt++) {
      let token: string | undefined;
      try {
        token = await this.auth.getToken();
        return await this.send<T>(method, apiPath, params, opts.body, token, display, attempt);
      } catch (err) {
        if (!(err instanceof CoupaApiError)) throw err;
        if (err.status === 401 && err.path !== '/oauth2/token' && !reauthed && token) {
          reauthed = true;
          this.auth.invalidate(token);
          attempt--;
          continue;
        }
        if (!err.retryable || attempt >= this.backoff.maxRetries) throw err;
        await this.sleep(backoffDelay(attempt, this.backoff, this.random));
      }
    }
  }

  private async send<T>(method: string, apiPath: string, params: URLSearchParams, body: unknown, token: string, display: string, attempt: number): Promise<T> {
    await this.bucket.acquire();
    this.requestCount++;
    this.options.onRequest?.({ method, path: display, attempt });
    const config: AxiosRequestConfig = {
      method,
      url: apiPath,
      params,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      data: body === undefined ? undefined : JSON.stringify(body),
    };
    let res;
    try {
      res = await this.http.request(config);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw new CoupaApiError({ method, path: display, code: e.code, message: `Coupa ${method} ${apiPath} failed: ${e.code ?? e.message}` });
    }
    if (res.status >= 200 && res.status < 300) return res.data as T;
    const detail = coupaErrorMessages(res.data).join('; ');
    throw new CoupaApiError({
      method,
      path: display,
      status: res.status,
      body: res.data,
      message: `Coupa ${method} ${apiPath} → HTTP ${res.status}${detail ? `: ${detail}` : ''}`,
    });
  }

  get<T>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, opts);
  }
  post<T>(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }
  put<T>(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...opts, body });
  }

  /** Pages through `GET /api/{resource}` with limit + offset until a short page. */
  async *pages<T>(resource: string, query: ListQuery = {}): AsyncGenerator<Page<T>> {
    const limit = Math.min(query.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const base = buildListParams(query);
    for (let offset = 0; ; offset += limit) {
      const params = new URLSearchParams(base);
      params.set('limit', String(limit));
      params.set('offset', String(offset));
      const records = await this.get<T[]>(resource, { params });
      if (!Array.isArray(records)) throw new CoupaApiError({ method: 'GET', path: `/api/${resource}`, status: 200, message: `Coupa list ${resource} did not return an array` });
      if (records.length > 0) yield { records, offset };
      if (records.length < limit) return;
    }
  }

  /** Every record matching `query`, one at a time. */
  async *list<T>(resource: string, query: ListQuery = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(resource, query)) yield* page.records;
  }
}
