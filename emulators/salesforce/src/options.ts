import type { FaultRule } from './faults';
import type { SeedData } from './seed';

export interface SalesforceEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Origin to advertise as `instance_url` (e.g. behind a proxy); default `http://<host>:<port>`. */
  publicUrl?: string;
  clientId: string;
  clientSecret: string;
  /** Metadata folders (source or metadata-API format). Default: the repository's `force-app` if present. */
  metadataDirs?: string[];
  /** Seed data: a JSON file path or an object `{ Account: [{...}], ... }`. */
  seed?: string | SeedData;
  /** Username of the integration (run-as) user; JWT `sub` must name a known active user. */
  username?: string;
  /** PEM certificates or public keys that JWT-bearer assertions must be signed with (RS256). */
  jwtCertificates?: string[];
  /** Extra accepted JWT `aud` values (login/test.salesforce.com and the emulator URL are always accepted). */
  jwtAudiences?: string[];
  /** Access-token lifetime; default 7200 s. */
  tokenLifetimeSeconds?: number;
  /** Issue a new refresh token (and invalidate the old one) on every refresh. Default false. */
  refreshTokenRotation?: boolean;
  /** Daily API request allocation (DailyApiRequests.Max). Default 15000. */
  apiLimit?: number;
  /** Default REST query page size (200–2000); default 2000. */
  queryBatchSize?: number;
  /**
   * Contract Settings "Auto-calculate Contract End Date" (default on: EndDate = StartDate + ContractTerm months − 1 day,
   * read-only). `false`: EndDate is not calculated and is written like any date field.
   */
  contractAutoEndDate?: boolean;
  /** Child-subquery rows returned per parent before the child result pages with its own nextRecordsUrl; default 200. */
  childBatchSize?: number;
  /** Open query cursors per user; opening one more closes the oldest (its locator → INVALID_QUERY_LOCATOR). Default 10. */
  maxOpenCursors?: number;
  /** Query locators expire after this much inactivity; default 15 min. */
  queryCursorTtlMs?: number;
  /** Bulk 2.0 query results page size; default: everything in one page (jsforce 3.10 cannot read several). */
  bulkQueryPageSize?: number;
  /**
   * Objects that publish change events. Default: those selected in the metadata's `platformEventChannelMembers`
   * (as in a real org, where CDC must be enabled per entity); `'all'` publishes for every object.
   */
  cdcEntities?: string[] | 'all';
  /** CDC event retention for replay; default 3 days. */
  cdcRetentionMs?: number;
  /**
   * Serves the Pub/Sub API (gRPC, plaintext) on its own port beside the REST/CometD one: `true` for a free port, or
   * `{ port, keepaliveMs }`. Default off.
   */
  pubsub?: boolean | { port?: number; keepaliveMs?: number };
  /** Enables the `/__control` test surface. Default true for the programmatic API. */
  testMode?: boolean;
  faults?: FaultRule[];
  /** Highest API version served; default 66.0. */
  maxApiVersion?: number;
  /** Where to log one line per request; default: silent. Secrets are never logged. */
  log?: (line: string) => void;
}
