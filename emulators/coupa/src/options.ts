import type { FaultRule } from './faults';

export type CustomFieldConfig = Record<string, string[]>;

export interface CoupaEmulatorOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Scopes granted to the OAuth client. Default: every scope the implemented endpoints use. */
  scopes?: string[];
  /** Token lifetime in seconds (Coupa: 86399). */
  tokenTtlSeconds?: number;
  /** Milliseconds after minting during which a token is refused (Coupa warns of a ~5 s race). Default 0. */
  tokenNotBeforeMs?: number;
  /** Strict default: a token request without `scope` is refused with invalid_scope. */
  allowScopelessToken?: boolean;
  /** HTTP status for a valid token lacking the endpoint's scope (open question 401 vs 403). Default 403. */
  insufficientScopeStatus?: 401 | 403;
  /** Legacy X-COUPA-API-KEY values accepted (refused when empty, the default). */
  apiKeys?: string[];
  /** Strict default: `limit` above 50 is a 400; 'clamp' silently caps it at 50. */
  limitAbove50?: 'reject' | 'clamp';
  /** Strict default: unknown attributes in bodies are a 400; 'ignore' drops them. */
  unknownAttributes?: 'reject' | 'ignore';
  /** Strict default: custom fields not configured for the resource are a 400; 'ignore' drops them. */
  unknownCustomFields?: 'reject' | 'ignore';
  /** Strict default: requests whose Accept header does not name application/json get 406 (Coupa would answer XML). */
  requireJsonAccept?: boolean;
  /** POST create status (open question 200 vs 201). Default 201, as Swagger. */
  createStatus?: 200 | 201;
  /** Custom fields per resource path name (e.g. requisitions: ['salesforce-opportunity-id']). Merged over defaults. */
  customFields?: CustomFieldConfig;
  /**
   * Rate limit: token bucket; false disables. Default 25/s, burst 20. `throttle` is how an exhausted bucket answers:
   * `429` (default; Coupa's documented answer), `403` (403 with a rate-limit message, as some instances and gateways
   * do) or `queue` (no refusal: the request waits for its token, so a burst is served with extra latency).
   */
  rateLimit?: false | { ratePerSecond?: number; burst?: number; retryAfterHeader?: boolean; throttle?: ThrottleMode };
  /** Seed: a record count (deterministic from seedNumber), a path to a JSON seed file, or a seed spec. */
  seed?: number | string | SeedSpec;
  faults?: FaultRule[];
  /**
   * Filters the real API does not document (`custom_fields[…]`) and filters on unknown attributes: `apply` (default:
   * custom-field filters work, unknown attributes → 400) or `ignore` (both are silently dropped and the list answers
   * as if they were not there, as an instance whose custom field is not filterable may), so tests can prove a client
   * verifies what a look-up returns.
   */
  undocumentedFilters?: 'apply' | 'ignore';
  /** Enables /__control and the `control` object's HTTP twin. Programmatic control is always returned. */
  testControl?: boolean;
  /** Instance UTC offset used in every timestamp, e.g. "-08:00". */
  timezoneOffset?: string;
  /** Approvals: when true, submitted documents are approved immediately (no pending approval). Default false. */
  autoApprove?: boolean;
  /** Initial clock value (ISO). Default: real time. */
  now?: string;
  log?: (line: string) => void;
}

export interface SeedSpec {
  size: number;
  seed?: number;
  /** First day of the year the generated documents span (default 2025-01-01, fixed so seeds are reproducible). */
  from?: string;
}

export const DEFAULT_CUSTOM_FIELDS: CustomFieldConfig = {
  requisitions: ['salesforce-opportunity-id'],
  contracts: ['salesforce-contract-id'],
  suppliers: ['salesforce-account-id'],
  supplier_information: ['salesforce-onboarding-request-id'],
  invoices: [],
  purchase_orders: [],
};

export type ThrottleMode = '429' | '403' | 'queue';

export interface ResolvedOptions extends Required<Omit<CoupaEmulatorOptions, 'seed' | 'faults' | 'now' | 'log' | 'rateLimit' | 'scopes'>> {
  scopes: string[];
  rateLimit: false | { ratePerSecond: number; burst: number; retryAfterHeader: boolean; throttle: ThrottleMode };
  seed?: number | string | SeedSpec;
  faults: FaultRule[];
  now?: string;
  log: (line: string) => void;
}
