import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { CoupaTokenProvider } from './auth';
import { backoffDelay, DEFAULT_TRANSPORT_BACKOFF, IDEMPOTENT_METHODS, parseRetryAfter, sleep as realSleep, type TransportRetryOptions } from '../retry/backoff';
import { CoupaApiError, coupaErrorMessages, UNREADABLE_ANSWER } from './errors';
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
  /**
   * Transport retries (connection reset/refused, socket timeout, no answer) of idempotent requests (GET, PUT,
   * DELETE, HEAD; never POST): how many (default 2) and the shared backoff's base and cap. HTTP answers such as
   * 429 and 5xx are not retried here: they reach the caller classified, with Retry-After as `retryAfterMs`. The
   * one exception is a page of a paged read (`getPage`: `pageRetries`, default 4), see there.
   */
  backoff?: Partial<TransportRetryOptions>;
  /** Per-request timeout, ms (a stalled request fails as a transport failure). Default 60 s. */
  timeoutMs?: number;
  /** Records per list page (`limit`), at most Coupa's 50. Default 50. */
  pageSize?: number;
  minTokenAgeMs?: number;
  /** Test seams. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRequest?: (info: { method: string; path: string; attempt: number }) => void;
  /** Told about every API call once answered (or failed without an answer): metrics. Never throws into the call. */
  onCall?: (call: { method: string; path: string; status: number | null; rateLimited: boolean; waitMs: number }) => void;
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
 * Coupa Core API client: auth, instance-wide rate limit, transport retries of idempotent requests, pagination.
 * Typed per-resource access lives in resources.ts.
 */
export class CoupaClient {
  readonly http: AxiosInstance;
  readonly auth: CoupaTokenProvider;
  readonly bucket: TokenBucket;
  private readonly backoff: TransportRetryOptions;
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
    this.backoff = { ...DEFAULT_TRANSPORT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    this.auth = new CoupaTokenProvider({
      http: this.http,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scopes: options.scopes,
      minTokenAgeMs: options.minTokenAgeMs,
      beforeRequest: async () => {
        const release = await this.bucket.acquire();
        this.requestCount++;
        return release;
      },
    });
  }

  /**
   * One API call. The connector's one failure policy (see README): only transport failures (connection
   * reset/refused, socket timeout, no answer) of idempotent requests are retried here, a few times with the
   * shared backoff. Every HTTP answer, 429 and 5xx included, is thrown as a classified CoupaApiError (with
   * `retryAfterMs` from Retry-After) for the engine's retry policy and journal. A 401 triggers one
   * re-authentication.
   */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const params = new URLSearchParams(opts.params as Record<string, string> | undefined);
    if (opts.fields) params.set('fields', JSON.stringify(opts.fields));
    const apiPath = path.startsWith('/api/') ? path : `/api/${path.replace(/^\/+/, '')}`;
    const qs = params.toString();
    const display = qs ? `${apiPath}?${qs}` : apiPath;
    let reauthed = false;
    let transportRetries = 0;
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
        // A token request may always be repeated; the API call only when its method is idempotent.
        const repeatable = err.path === '/oauth2/token' || IDEMPOTENT_METHODS.has(err.method);
        if (!err.isTransportFailure || !repeatable || transportRetries >= this.backoff.maxRetries) throw err;
        await this.sleep(backoffDelay(transportRetries++, this.backoff, this.random));
      }
    }
  }

  private async send<T>(method: string, apiPath: string, params: URLSearchParams, body: unknown, token: string, display: string, attempt: number): Promise<T> {
    const queued = Date.now();
    const release = await this.bucket.acquire();
    const waitMs = Date.now() - queued;
    this.requestCount++;
    const answer: { status?: number } = {};
    try {
      const out = await this.sendNow<T>(method, apiPath, params, body, token, display, attempt, answer);
      this.options.onCall?.({ method, path: apiPath, status: answer.status ?? null, rateLimited: false, waitMs });
      return out;
    } catch (err) {
      const e = err as CoupaApiError;
      this.options.onCall?.({ method, path: apiPath, status: answer.status ?? null, rateLimited: answer.status !== undefined && e.kind === 'rate-limited', waitMs });
      throw err;
    } finally {
      release();
    }
  }

  private async sendNow<T>(method: string, apiPath: string, params: URLSearchParams, body: unknown, token: string, display: string, attempt: number, answer: { status?: number }): Promise<T> {
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
    answer.status = res.status;
    if (res.status >= 200 && res.status < 300) {
      // axios hands back the raw text when a body does not parse as JSON (an HTML page, a truncated answer).
      if (typeof res.data === 'string') {
        if (res.data.trim() === '') return undefined as T;
        const type = String(res.headers?.['content-type'] ?? 'no content type');
        throw new CoupaApiError({
          method,
          path: display,
          status: res.status,
          code: UNREADABLE_ANSWER,
          message: `Coupa answered ${res.status} with a non-JSON body for ${method} ${apiPath} (${type}, ${res.data.length} characters: ${JSON.stringify(res.data.slice(0, 60))})`,
        });
      }
      return res.data as T;
    }
    const detail = coupaErrorMessages(res.data).join('; ');
    throw new CoupaApiError({
      method,
      path: display,
      status: res.status,
      body: res.data,
      retryAfterMs: parseRetryAfter(res.headers?.['retry-after']),
      message: `Coupa ${method} ${apiPath} → HTTP ${res.status}${detail ? `: ${detail.slice(0, 500)}` : ''}`,
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

  /**
   * One page of a paged read (`pages`, `list`, `changes`). The one exception to "HTTP answers are surfaced": a page
   * that gets a retryable answer (429, 5xx) is retried in place, up to `backoff.pageRetries` times, waiting the
   * shared backoff or Retry-After (unless that exceeds `backoff.maxPageWaitMs`), because surfacing it would
   * restart the caller's whole read. Single calls (`get`, `post`, `put`) never do this.
   */
  async getPage<T>(resource: string, params: URLSearchParams): Promise<T[]> {
    for (let retry = 0; ; retry++) {
      try {
        const records = await this.get<T[]>(resource, { params });
        if (!Array.isArray(records)) throw notAList('GET', `/api/${resource.replace(/^\/?(api\/)?/, '')}`, records);
        return records;
      } catch (err) {
        if (!(err instanceof CoupaApiError) || !err.retryable || retry >= this.backoff.pageRetries) throw err;
        if ((err.retryAfterMs ?? 0) > this.backoff.maxPageWaitMs) throw err;
        await this.sleep(backoffDelay(retry, this.backoff, this.random, err.retryAfterMs));
      }
    }
  }

  /** Records per list page, as configured (`coupa.pageSize`). */
  get pageSize(): number {
    return Math.min(Math.max(1, this.options.pageSize ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);
  }

  /** Pages through `GET /api/{resource}` with limit + offset until a short page. */
  async *pages<T>(resource: string, query: ListQuery = {}): AsyncGenerator<Page<T>> {
    const limit = Math.min(query.limit ?? this.pageSize, MAX_PAGE_SIZE);
    const base = buildListParams(query);
    for (let offset = 0; ; offset += limit) {
      const params = new URLSearchParams(base);
      params.set('limit', String(limit));
      params.set('offset', String(offset));
      const records = await this.getPage<T>(resource, params);
      if (records.length > 0) yield { records, offset };
      if (records.length < limit) return;
    }
  }

  /** Every record matching `query`, one at a time. */
  async *list<T>(resource: string, query: ListQuery = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(resource, query)) yield* page.records;
  }
}

/** A list GET whose (JSON) answer is not an array: a transient, clearly worded failure. */
export function notAList(method: string, path: string, answer: unknown): CoupaApiError {
  const shape = answer === null ? 'null' : Array.isArray(answer) ? 'array' : typeof answer;
  return new CoupaApiError({ method, path, status: 200, code: UNREADABLE_ANSWER, message: `Coupa answered 200 with ${shape === 'object' ? 'an object' : shape} instead of a list for ${method} ${path}` });
}
