/**
 * The one failure classification, shared by both clients and the engine (it lives here, with the backoff, because
 * neither client may depend on the engine nor the engine on a client).
 */
/** How a failed call should be handled by whoever drives it (engine retry policy, dead letters, re-check). */
export type FailureKind = 'transient' | 'rate-limited' | 'auth' | 'validation' | 'conflict' | 'ambiguous';

export interface Classification {
  kind: FailureKind;
  /** True when repeating the identical request is safe and may succeed. */
  retryable: boolean;
  /** Server-suggested wait before trying again (HTTP Retry-After), when the answer carried one. */
  retryAfterMs?: number;
}
