import type { Classification, FailureKind } from '../retry/failure';
import type { ApiUsage } from './limits';

export type { Classification, FailureKind };

const TRANSIENT = new Set([
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'PROCESSING_HALTED',
  'QUERY_TIMEOUT',
  'ERROR_HTTP_500',
  'ERROR_HTTP_502',
  'ERROR_HTTP_503',
  'ERROR_HTTP_504',
]);
const RATE_LIMITED = new Set(['REQUEST_LIMIT_EXCEEDED', 'ERROR_HTTP_429', 'ERROR_HTTP_420', 'API_BUDGET_RESERVED']);
const AUTH = new Set([
  'INVALID_SESSION_ID',
  'INVALID_AUTH_HEADER',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
  'invalid_grant',
  'invalid_client_id',
  'invalid_client',
  'invalid_app_access',
  'unsupported_grant_type',
  'ERROR_HTTP_401',
  'ERROR_HTTP_403',
]);
const CONFLICT = new Set(['DUPLICATE_VALUE', 'DUPLICATES_DETECTED', 'DUPLICATE_EXTERNAL_ID', 'MULTIPLE_CHOICES', 'ENTITY_IS_LOCKED', 'CONFLICT']);
/** No complete answer came back after the request may have reached Salesforce (REQUEST_TIMEOUT: our own timeout). */
const NETWORK = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'FetchError',
  'AbortError',
  'REQUEST_TIMEOUT',
]);
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Maps a Salesforce error code (REST `errorCode`, collections `statusCode`, OAuth `error`, jsforce
 * `ERROR_HTTP_<status>`, or a Node network code) to a failure kind. `sent` says whether a network
 * failure happened after the request left; with `idempotent: false` that is ambiguous.
 */
export function classifySalesforceCode(code: string | undefined, ctx: { idempotent?: boolean } = {}): Classification {
  const c = code ?? '';
  const kind = (k: FailureKind, retryable: boolean): Classification => ({ kind: k, retryable });
  if (TRANSIENT.has(c)) return kind('transient', true);
  if (RATE_LIMITED.has(c)) return kind('rate-limited', true);
  if (AUTH.has(c)) return kind('auth', false);
  if (CONFLICT.has(c)) return kind('conflict', false);
  if (NOT_SENT.has(c)) return kind('transient', true);
  if (NETWORK.has(c) || /^ERROR_HTTP_5\d\d$/.test(c)) return ctx.idempotent === false ? kind('ambiguous', false) : kind('transient', true);
  return kind('validation', false);
}

/** What the HTTP answer (if any) said besides the error body. */
export interface SalesforceAnswerInfo {
  /** HTTP status; undefined when no answer came back (a transport failure). */
  status?: number;
  /** Parsed `Retry-After`, ms. */
  retryAfterMs?: number;
  /** Parsed `Sforce-Limit-Info` api-usage of the answer. */
  limitInfo?: ApiUsage;
}

/** Error raised by the Salesforce client; `code` is Salesforce's error code, never contains secrets. */
export class SalesforceApiError extends Error {
  readonly code: string;
  readonly kind: FailureKind;
  readonly retryable: boolean;
  readonly fields?: string[];
  /** HTTP status of the answer; undefined for transport failures and for errors raised by the client itself. */
  status?: number;
  /** Server-suggested wait (Retry-After), ms, for the engine's next attempt. */
  retryAfterMs?: number;
  /** The org's daily API usage as the failing answer reported it (Sforce-Limit-Info). */
  limitInfo?: ApiUsage;
  /** True when no HTTP answer came back at all (connection reset/refused, timeout). */
  transportFailure = false;

  constructor(code: string, message: string, c: Classification = classifySalesforceCode(code), fields?: string[]) {
    super(message);
    this.name = 'SalesforceApiError';
    this.code = code;
    this.kind = c.kind;
    this.retryable = c.retryable;
    this.fields = fields;
    if (c.retryAfterMs !== undefined) this.retryAfterMs = c.retryAfterMs;
  }

  get classification(): Classification {
    return this.retryAfterMs === undefined || !this.retryable
      ? { kind: this.kind, retryable: this.retryable }
      : { kind: this.kind, retryable: this.retryable, retryAfterMs: this.retryAfterMs };
  }
}

/** Extracts a code from whatever jsforce threw (HttpApiError has name = errorCode). */
export function errorCodeOf(err: unknown): string {
  const e = err as { errorCode?: unknown; code?: unknown; name?: unknown; cause?: { code?: unknown }; data?: unknown };
  // Several errors in one answer: the first one's code (e.g. REQUEST_LIMIT_EXCEEDED) says more than the wrapper's.
  if (e?.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data)) {
    const first = (e.data as Array<{ errorCode?: unknown }>).find((d) => typeof d?.errorCode === 'string');
    if (first) return String(first.errorCode);
  }
  for (const v of [e?.errorCode, e?.cause?.code, e?.code, e?.name]) {
    if (typeof v === 'string' && v && v !== 'Error') return v;
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (/socket hang up|ECONNRESET/i.test(msg)) return 'ECONNRESET';
  if (/ECONNREFUSED/.test(msg)) return 'ECONNREFUSED';
  if (/Request Timeout|aborted due to timeout/i.test(msg)) return 'REQUEST_TIMEOUT';
  return 'UNKNOWN';
}

/**
 * Failure kind from the HTTP status when the error code says nothing more specific (jsforce names errors of
 * non-JSON bodies ERROR_HTTP_<status>; a 500 comes with UNKNOWN_EXCEPTION).
 */
function byStatus(status: number | undefined, idempotent: boolean | undefined): Classification | undefined {
  if (status === undefined) return undefined;
  if (status === 429) return { kind: 'rate-limited', retryable: true };
  if (status === 503) return { kind: 'transient', retryable: true };
  if (status >= 500) return idempotent === false ? { kind: 'ambiguous', retryable: false } : { kind: 'transient', retryable: true };
  return undefined;
}

export function classifySalesforceError(err: unknown, ctx: { idempotent?: boolean } & SalesforceAnswerInfo = {}): Classification {
  if (err instanceof SalesforceApiError) return err.classification;
  const code = errorCodeOf(err);
  // jsforce wraps a failed refreshFn as a plain Error
  if (code === 'UNKNOWN' && /Unable to refresh session/.test(String((err as Error)?.message))) return { kind: 'auth', retryable: false };
  let c = classifySalesforceCode(code, ctx);
  if (c.kind === 'validation') c = byStatus(ctx.status, ctx.idempotent) ?? c;
  return c.retryable && ctx.retryAfterMs !== undefined ? { ...c, retryAfterMs: ctx.retryAfterMs } : c;
}

export function toSalesforceError(err: unknown, ctx: { idempotent?: boolean } & SalesforceAnswerInfo = {}): SalesforceApiError {
  if (err instanceof SalesforceApiError) return err;
  const code = errorCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const fields = (err as { data?: { fields?: string[] } })?.data?.fields;
  const e = new SalesforceApiError(code, message, classifySalesforceError(err, ctx), fields);
  if (ctx.status !== undefined) e.status = ctx.status;
  if (ctx.limitInfo) e.limitInfo = ctx.limitInfo;
  return e;
}
