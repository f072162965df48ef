import { IDEMPOTENT_METHODS } from '../retry/backoff';
import type { Classification, FailureKind } from '../retry/failure';

/** Network error codes raised before any byte of the request reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_BAD_OPTION']);

/** `code` of a 2xx answer we cannot use: not JSON (an HTML page, a truncated body…) or not the shape asked for. */
export const UNREADABLE_ANSWER = 'UNREADABLE_ANSWER';

/** The token endpoint: requesting a token twice has no side effect, so a lost answer is never ambiguous. */
const TOKEN_PATH = '/oauth2/token';

/**
 * Throttling wording in a Coupa error body. Coupa documents 429 for its 25 req/s limit, but gateways and older
 * instances answer 403 with a "rate limit" message (the Singer tap retries 403 for that reason); such a 403 is a
 * throttle, not a permission problem.
 */
const RATE_LIMIT_WORDING = /rate[ _-]?limit|too many requests|throttl|request limit|api limit/i;

export interface CoupaErrorInit {
  method: string;
  /** Path and query only, never a full URL with credentials. */
  path: string;
  status?: number;
  /** Parsed error body (Coupa: `{"errors": {"<resource>": ["…"]}}`). */
  body?: unknown;
  /** Node/axios error code for transport failures (or UNREADABLE_ANSWER). */
  code?: string;
  /** Parsed `Retry-After` of the answer, ms. */
  retryAfterMs?: number;
  message: string;
}

export class CoupaApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly code?: string;
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** Server-suggested wait (Retry-After), ms; the engine waits at least this long before the next attempt. */
  readonly retryAfterMs?: number;

  constructor(init: CoupaErrorInit) {
    super(init.message);
    this.name = 'CoupaApiError';
    this.method = init.method.toUpperCase();
    this.path = init.path;
    this.status = init.status;
    this.body = init.body;
    this.code = init.code;
    const c = classifyCoupaFailure(init);
    this.kind = c.kind;
    this.retryable = c.retryable;
    if (c.retryAfterMs !== undefined) this.retryAfterMs = c.retryAfterMs;
  }

  /** True for a failure at the transport level: no (usable) HTTP answer at all. */
  get isTransportFailure(): boolean {
    return this.status === undefined;
  }

  get classification(): Classification {
    return this.retryAfterMs === undefined ? { kind: this.kind, retryable: this.retryable } : { kind: this.kind, retryable: this.retryable, retryAfterMs: this.retryAfterMs };
  }

  /** Flattened Coupa validation messages, e.g. ["Segment 1 - Cost Center can't be blank"]. */
  get messages(): string[] {
    return coupaErrorMessages(this.body);
  }
}

export function coupaErrorMessages(body: unknown): string[] {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? [body] : [];
  const errors = (body as { errors?: unknown }).errors;
  if (typeof errors === 'string') return [errors];
  if (Array.isArray(errors)) return errors.map(String);
  if (errors && typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>).flatMap(([key, v]) =>
      key === 'warnings' ? [] : Array.isArray(v) ? v.map(String) : [String(v)],
    );
  }
  const oauth = body as { error?: unknown; error_description?: unknown };
  if (typeof oauth.error === 'string') return [oauth.error_description ? `${oauth.error}: ${oauth.error_description}` : oauth.error];
  return [];
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return '';
  }
}

const UNIQUENESS = /has already been taken|already exists|duplicate/i;

/**
 * Maps a failed Coupa call to a failure kind. A transport error after the request may have reached
 * Coupa is *ambiguous* for a POST (it may have created the record), but plain transient for
 * idempotent methods, which can simply be repeated.
 */
export function classifyCoupaFailure(f: { method: string; path?: string; status?: number; code?: string; body?: unknown; retryAfterMs?: number }): Classification {
  const c = classify(f);
  return c.retryable && f.retryAfterMs !== undefined ? { ...c, retryAfterMs: f.retryAfterMs } : c;
}

function classify(f: { method: string; path?: string; status?: number; code?: string; body?: unknown }): Classification {
  const method = f.method.toUpperCase();
  const idempotent = IDEMPOTENT_METHODS.has(method) || f.path === TOKEN_PATH;
  if (f.status === undefined) {
    if (f.code && NOT_SENT_CODES.has(f.code)) return { kind: 'transient', retryable: true };
    return idempotent ? { kind: 'transient', retryable: true } : { kind: 'ambiguous', retryable: false };
  }
  const s = f.status;
  // A success whose body we cannot read: for a POST the record may exist now.
  if (f.code === UNREADABLE_ANSWER) return idempotent ? { kind: 'transient', retryable: true } : { kind: 'ambiguous', retryable: false };
  if (s === 429) return { kind: 'rate-limited', retryable: true };
  if (s === 403 && RATE_LIMIT_WORDING.test(bodyText(f.body))) return { kind: 'rate-limited', retryable: true };
  if (s === 401 || s === 403) return { kind: 'auth', retryable: false };
  if (s === 409) return { kind: 'conflict', retryable: false };
  if (s === 408) return idempotent ? { kind: 'transient', retryable: true } : { kind: 'ambiguous', retryable: false };
  if (s === 503) return { kind: 'transient', retryable: true };
  if (s >= 500) {
    // A gateway error or crash after a POST reached the application may still have created the record.
    return idempotent ? { kind: 'transient', retryable: true } : { kind: 'ambiguous', retryable: false };
  }
  if (s >= 400) {
    if (coupaErrorMessages(f.body).some((m) => UNIQUENESS.test(m))) return { kind: 'conflict', retryable: false };
    return { kind: 'validation', retryable: false };
  }
  return { kind: 'validation', retryable: false };
}

/** Classification of any error thrown by the Coupa client (unknown errors count as transient). */
export function classifyCoupaError(err: unknown): Classification {
  if (err instanceof CoupaApiError) return err.classification;
  return { kind: 'transient', retryable: true };
}
