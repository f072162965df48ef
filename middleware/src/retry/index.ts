export type { Classification, FailureKind } from './failure';
export {
  backoffDelay,
  sleep,
  parseRetryAfter,
  TRANSPORT_ERROR_CODES,
  IDEMPOTENT_METHODS,
  DEFAULT_TRANSPORT_RETRIES,
  DEFAULT_TRANSPORT_BACKOFF,
  type BackoffOptions,
  type TransportRetryOptions,
} from './backoff';
