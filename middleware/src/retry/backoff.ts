/**
 * The one backoff function of the connector, shared by the engine's record retries (engine/retry.ts) and the
 * API clients' transport retries. Nothing system-specific lives here.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Upper bound of any single delay, ms. */
  maxMs: number;
}

/**
 * Exponential backoff with "full jitter": a uniform delay in [0, min(maxMs, baseMs·2^retry)), where `retry` counts
 * from 0 for the first retry. Full jitter spreads concurrent retriers apart (which matters with a shared instance
 * rate limit). A server-suggested wait (`retryAfterMs`, from Retry-After) wins when it is longer.
 */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random, retryAfterMs?: number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Parses an HTTP `Retry-After` value (delay-seconds or an HTTP-date) into milliseconds from `now`; undefined when
 * absent or unreadable. A date in the past gives 0.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.round(raw * 1000) : undefined;
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined; // an HTTP-date names its day and month
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Node/undici/axios codes of a failure at the transport level: no (complete) HTTP answer was received. */
export const TRANSPORT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Methods whose repetition cannot create a second effect; only these are retried by the clients themselves. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Transport retries a client makes for an idempotent request before it surfaces the failure. */
export const DEFAULT_TRANSPORT_RETRIES = 2;

/** A client's transport-retry settings: the backoff plus how many retries (idempotent requests only). */
export interface TransportRetryOptions extends BackoffOptions {
  /** Retries after the first try, for transport failures of idempotent requests only. */
  maxRetries: number;
  /**
   * Retries of one page of a paged read (a list, a change feed, a query's next page) that got a retryable answer
   * (429, 5xx). A failed page would otherwise restart the caller's whole read, so with many pages and a steady
   * error rate a read might never complete. Default 4.
   */
  pageRetries: number;
  /** A page is not retried in place when the server asks to wait longer than this (ms); the caller decides. */
  maxPageWaitMs: number;
}

export const DEFAULT_TRANSPORT_BACKOFF: TransportRetryOptions = {
  baseMs: 250,
  maxMs: 5_000,
  maxRetries: DEFAULT_TRANSPORT_RETRIES,
  pageRetries: 4,
  maxPageWaitMs: 60_000,
};
