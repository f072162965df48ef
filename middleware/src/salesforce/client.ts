import { Connection } from 'jsforce';
import type { HttpRequest } from 'jsforce';
import { backoffDelay, DEFAULT_TRANSPORT_BACKOFF, IDEMPOTENT_METHODS, parseRetryAfter, sleep as realSleep, type TransportRetryOptions } from '../retry/backoff';
import { authorizeConnection, type SalesforceAuth } from './auth';
import { bulkWrite, type BulkOptions } from './bulk';
import { SalesforceApiError, toSalesforceError, type SalesforceAnswerInfo } from './errors';
import { ApiBudget, parseLimitInfo, type ApiReserve } from './limits';
import { CdcSubscription, type CdcSubscriptionOptions } from './cdc';
import { buildPollSoql, cursorOf, isAfter, type ModstampCursor, type PollQuery } from './poll';
import { queryRecords } from './query';
import { chunk, COLLECTION_LIMIT, collectionCall, toWriteResult, type SObjectRecord, type WriteOperation, type WriteResult } from './writes';

export interface SalesforceClientOptions {
  auth: SalesforceAuth;
  /** REST API version, e.g. "62.0". */
  apiVersion?: string;
  /** Sent as `Sforce-Call-Options: client=<name>` so CDC changeOrigin identifies our own writes. */
  clientName?: string;
  /** Updates/upserts of at least this many records go through Bulk API 2.0. Default 2000. */
  bulkThreshold?: number;
  /** Records per sObject Collections call, at most Salesforce's 200. Default 200. */
  collectionSize?: number;
  bulk?: BulkOptions;
  apiReserve?: ApiReserve;
  /**
   * How often the client itself re-sends records that failed transiently (e.g. UNABLE_TO_LOCK_ROW).
   * Default 0: such records come back as retryable failures so the engine's retry policy and journal
   * see them.
   */
  recordRetries?: number;
  /**
   * Transport retries (connection reset/refused, timeout, no answer) of idempotent requests (queries and
   * describes; never writes): how many (default 2) and the shared backoff's base and cap. HTTP
   * answers (429, 5xx, REQUEST_LIMIT_EXCEEDED…) are not retried here, and jsforce's own retries are off; the one
   * exception is a query page with a transient answer (`pageRetries`, default 4), which would restart the read.
   */
  backoff?: Partial<TransportRetryOptions>;
  /**
   * Time limit of one HTTP call (headers and body), ms. Default 60 s. A stalled call fails as REQUEST_TIMEOUT:
   * transient for reads and idempotent writes, ambiguous for creates.
   */
  timeoutMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told about every REST call once answered (or failed without an answer): metrics. */
  onCall?: (call: { method: string; path: string; status: number | null; rateLimited: boolean }) => void;
}

export interface CallOptions {
  /** Essential calls may use the reserved part of the daily API budget. */
  essential?: boolean;
}

export interface WriteOptions extends CallOptions {
  externalIdField?: string;
  /** Force (true) or forbid (false) Bulk API 2.0 regardless of the threshold. */
  bulk?: boolean;
}

export interface SObjectFieldDescribe {
  name: string;
  type: string;
  label?: string;
  length?: number;
  nillable?: boolean;
  createable?: boolean;
  updateable?: boolean;
  externalId?: boolean;
  idLookup?: boolean;
  unique?: boolean;
  relationshipName?: string | null;
  referenceTo?: string[];
  restrictedPicklist?: boolean;
  picklistValues?: Array<{ value: string; active: boolean }>;
}

export interface SObjectDescribe {
  name: string;
  /** For the running user: what its profile and permission sets allow on the object. */
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  fields: SObjectFieldDescribe[];
}

export const DEFAULT_CLIENT_NAME = 'coupa-sf-connector';
export const DEFAULT_SALESFORCE_TIMEOUT_MS = 60_000;

/** jsforce's transport retries (429/5xx/socket errors, up to 5, hidden from the journal) are switched off. */
const NO_JSFORCE_RETRY = { maxRetries: 0, methods: [], statusCodes: [], errorCodes: [] };

interface SentRequest {
  method: string;
  url: string;
  idempotent: boolean;
}
/**
 * Salesforce REST client built on jsforce: OAuth (JWT bearer / client credentials) with transparent
 * re-authentication, origin-tagged writes, batched writes, full-pagination queries and an API budget.
 */
export class SalesforceClient {
  readonly conn: Connection;
  readonly budget: ApiBudget;
  readonly clientName: string;
  private readonly backoff: TransportRetryOptions;
  readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly describes = new Map<string, Promise<SObjectDescribe>>();

  constructor(private readonly options: SalesforceClientOptions) {
    const { auth } = options;
    this.clientName = options.clientName ?? DEFAULT_CLIENT_NAME;
    this.budget = new ApiBudget(options.apiReserve);
    this.backoff = { ...DEFAULT_TRANSPORT_BACKOFF, ...options.backoff };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SALESFORCE_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    this.conn = new Connection({
      loginUrl: auth.loginUrl,
      version: options.apiVersion ?? '62.0',
      callOptions: { client: this.clientName },
      oauth2:
        auth.flow === 'client-credentials'
          ? { loginUrl: auth.loginUrl, clientId: auth.clientId, clientSecret: auth.clientSecret }
          : { loginUrl: auth.loginUrl },
      // JWT and client credentials issue no refresh token: re-run the grant when the session expires.
      refreshFn: (c, callback) => {
        authorizeConnection(c, auth, { timeoutMs: this.timeoutMs }).then(
          () => callback(null, c.accessToken ?? undefined),
          (err: Error) => callback(err),
        );
      },
    });
  }

  /** Authenticates eagerly (start-up check); later expiries are handled by jsforce's refreshFn. */
  async connect(): Promise<{ userId: string; organizationId: string; instanceUrl: string }> {
    await authorizeConnection(this.conn, this.options.auth, { timeoutMs: this.timeoutMs });
    return { userId: this.conn.userInfo?.id ?? '', organizationId: this.conn.userInfo?.organizationId ?? '', instanceUrl: this.conn.instanceUrl };
  }

  /** Records the latest `Sforce-Limit-Info` usage jsforce parsed from the last response. */
  private trackUsage(): void {
    this.budget.record(this.conn.limitInfo?.apiUsage);
  }

  /**
   * One HTTP call through jsforce, with the time limit, jsforce's retries off, and the answer's status,
   * Retry-After and Sforce-Limit-Info captured onto the error. No retries here.
   */
  private async send<T>(req: SentRequest & { body?: string; headers?: Record<string, string> }): Promise<T> {
    const answer: SalesforceAnswerInfo & { seen: boolean } = { seen: false };
    const base = this.conn._transport;
    // Wraps the connection's transport for this call only, to see the raw answer (jsforce's errors drop it).
    const transport = {
      httpRequest: (r: HttpRequest, o?: object) => {
        answer.seen = false;
        const sp = base.httpRequest(r, o as never);
        const seen = sp.then((res) => {
          answer.seen = true;
          answer.status = res.statusCode;
          answer.retryAfterMs = parseRetryAfter(res.headers?.['retry-after']);
          answer.limitInfo = parseLimitInfo(res.headers?.['sforce-limit-info']);
          return res;
        });
        return Object.assign(seen, { stream: () => sp.stream() });
      },
    };
    const { idempotent, ...request } = req;
    const what = `Salesforce ${req.method} ${req.url.split('?')[0]}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const e = new SalesforceApiError('REQUEST_TIMEOUT', `${what} got no complete answer within ${this.timeoutMs} ms`, idempotent ? { kind: 'transient', retryable: true } : { kind: 'ambiguous', retryable: false });
        e.transportFailure = true;
        reject(e);
      }, this.timeoutMs);
    });
    const observe = (rateLimited: boolean) =>
      this.options.onCall?.({ method: req.method, path: req.url, status: answer.seen ? (answer.status ?? null) : null, rateLimited });
    try {
      // jsforce's own limit (headers only) is a backstop that also closes the socket.
      const call = this.conn.request<T>(request as HttpRequest, { transport, timeout: this.timeoutMs + 1000, retry: NO_JSFORCE_RETRY });
      const out = await Promise.race([call, timedOut]);
      observe(false);
      return out;
    } catch (err) {
      if (err instanceof SalesforceApiError) {
        observe(false);
        throw err;
      }
      const e = toSalesforceError(err, { idempotent, status: answer.seen ? answer.status : undefined, retryAfterMs: answer.retryAfterMs, limitInfo: answer.limitInfo });
      e.transportFailure = !answer.seen;
      observe(answer.seen && e.kind === 'rate-limited');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One API call under the connector's one failure policy: only transport failures of idempotent requests are
   * retried here (a few times, shared backoff); every HTTP error answer is thrown classified for the engine.
   */
  private async call<T>(req: SentRequest & { body?: string; headers?: Record<string, string> }, essential: boolean, calls = 1, page = false): Promise<T> {
    this.budget.check(essential, calls);
    let transportRetries = 0;
    let pageRetries = 0;
    for (;;) {
      try {
        const out = await this.send<T>(req);
        this.trackUsage();
        return out;
      } catch (err) {
        this.trackUsage();
        const e = toSalesforceError(err, { idempotent: req.idempotent });
        // Only GET (and PUT/DELETE/HEAD) are repeated here. A PATCH update or upsert whose answer was lost is
        // safe to repeat but may fire triggers again, so that repeat is the engine's (journalled) decision.
        const repeatable = req.idempotent && IDEMPOTENT_METHODS.has(req.method.toUpperCase());
        if (e.transportFailure && repeatable && transportRetries < this.backoff.maxRetries) {
          await this.sleep(backoffDelay(transportRetries++, this.backoff, this.random));
          continue;
        }
        // A query page that got a transient answer (5xx) is retried in place: surfacing it would restart the whole
        // read. REQUEST_LIMIT_EXCEEDED (a daily or concurrency limit) only when Salesforce said how long to wait.
        const pageRetryable =
          page && repeatable && !e.transportFailure && e.retryable && (e.kind === 'transient' || (e.kind === 'rate-limited' && e.retryAfterMs !== undefined));
        if (pageRetryable && pageRetries < this.backoff.pageRetries && (e.retryAfterMs ?? 0) <= this.backoff.maxPageWaitMs) {
          await this.sleep(backoffDelay(pageRetries++, this.backoff, this.random, e.retryAfterMs));
          continue;
        }
        throw e;
      }
    }
  }

  /** Every record of `soql` (no 10,000 cut-off); `includeDeleted` uses queryAll. */
  async *query<T = SObjectRecord>(soql: string, opts: CallOptions & { includeDeleted?: boolean } = {}): AsyncGenerator<T> {
    this.budget.check(!!opts.essential);
    try {
      yield* queryRecords<T>(this.conn, soql, {
        includeDeleted: opts.includeDeleted,
        // The budget was checked once above; a query that started is read to the end.
        request: (url) => this.call({ method: 'GET', url, idempotent: true }, true, 1, true),
      });
    } catch (err) {
      this.trackUsage();
      throw toSalesforceError(err, { idempotent: true });
    }
  }

  async queryAll<T = SObjectRecord>(soql: string, opts: CallOptions & { includeDeleted?: boolean } = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const r of this.query<T>(soql, opts)) out.push(r);
    return out;
  }

  async describe(sobject: string, opts: CallOptions = {}): Promise<SObjectDescribe> {
    let d = this.describes.get(sobject);
    if (!d) {
      d = this.call<SObjectDescribe>({ method: 'GET', url: `/sobjects/${sobject}/describe`, idempotent: true }, !!opts.essential);
      this.describes.set(sobject, d);
      d.catch(() => this.describes.delete(sobject));
    }
    return d;
  }

  /** Starts a CDC subscription; own-origin events are skipped unless `ownClientName` is overridden. */
  async subscribeChanges(opts: Omit<CdcSubscriptionOptions, 'reauthenticate'>): Promise<CdcSubscription> {
    const sub = new CdcSubscription(this.conn, {
      ownClientName: this.clientName,
      ...opts,
      reauthenticate: () => authorizeConnection(this.conn, this.options.auth, { timeoutMs: this.timeoutMs }),
    });
    await sub.start();
    return sub;
  }

  /** SOQL polling fallback: records changed after `since`, oldest first, with the cursor of each. */
  async *pollChanges<T extends SObjectRecord = SObjectRecord>(q: PollQuery, opts: CallOptions = {}): AsyncGenerator<{ record: T; cursor: ModstampCursor }> {
    for await (const record of this.query<T>(buildPollSoql(q), opts)) {
      const cursor = cursorOf(record);
      if (!q.since || isAfter(cursor, q.since)) yield { record, cursor };
    }
  }

  create(sobject: string, records: SObjectRecord[], opts: CallOptions = {}): Promise<WriteResult[]> {
    return this.write('create', sobject, records, opts);
  }
  update(sobject: string, records: SObjectRecord[], opts: CallOptions & { bulk?: boolean } = {}): Promise<WriteResult[]> {
    return this.write('update', sobject, records, opts);
  }
  upsert(sobject: string, externalIdField: string, records: SObjectRecord[], opts: CallOptions & { bulk?: boolean } = {}): Promise<WriteResult[]> {
    return this.write('upsert', sobject, records, { ...opts, externalIdField });
  }

  /**
   * Batched write. Never throws for record-level problems: each input gets a WriteResult. Records that
   * failed with a transient error (e.g. UNABLE_TO_LOCK_ROW) are re-sent up to `recordRetries` times. A whole-call failure
   * marks every record of that call with its classification (ambiguous for a create whose answer was lost).
   */
  async write(op: WriteOperation, sobject: string, records: SObjectRecord[], opts: WriteOptions = {}): Promise<WriteResult[]> {
    if (records.length === 0) return [];
    const essential = !!opts.essential;
    const useBulk = op !== 'create' && (opts.bulk ?? records.length >= (this.options.bulkThreshold ?? 2000));
    if (useBulk) {
      this.budget.check(essential, 5);
      try {
        return await bulkWrite(this.conn, op, sobject, records, opts.externalIdField, this.options.bulk);
      } catch (err) {
        const e = toSalesforceError(err, { idempotent: true });
        return records.map((_r, index) => ({ index, success: false, errors: [{ code: e.code, message: e.message, fields: [] }], failure: e.classification }));
      } finally {
        this.trackUsage();
      }
    }
    const idempotent = op !== 'create';
    const results: WriteResult[] = new Array(records.length);
    let pending = records.map((_r, i) => i);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const retry: number[] = [];
      const size = Math.min(Math.max(1, this.options.collectionSize ?? COLLECTION_LIMIT), COLLECTION_LIMIT);
      for (const indexes of chunk(pending, size)) {
        try {
          const raw = await collectionCall((req) => this.call({ ...req, idempotent }, essential), op, sobject, indexes.map((i) => records[i]), opts.externalIdField);
          indexes.forEach((i, k) => {
            const r = raw[k] && typeof raw[k] === 'object' ? toWriteResult(i, raw[k], idempotent) : lostResult(i, op, sobject);
            results[i] = r;
            if (!r.success && r.failure?.retryable && r.failure.kind === 'transient') retry.push(i);
          });
        } catch (err) {
          const e = toSalesforceError(err, { idempotent });
          for (const i of indexes) results[i] = { index: i, success: false, errors: [{ code: e.code, message: e.message, fields: e.fields ?? [] }], failure: e.classification };
          if (e.kind === 'auth' || e.code === 'API_BUDGET_RESERVED') return fill(results, pending, e);
        }
      }
      if (retry.length === 0 || attempt >= (this.options.recordRetries ?? 0)) break;
      await this.sleep(backoffDelay(attempt, this.backoff, this.random));
      pending = retry;
    }
    return results;
  }
}

/** A record the answer said nothing about (a truncated list): it may have been written. */
function lostResult(index: number, op: WriteOperation, sobject: string): WriteResult {
  return {
    index,
    success: false,
    errors: [{ code: 'NO_RESULT', message: `Salesforce's answer to the ${op} of ${sobject} had no result for this record; it may have been written`, fields: [] }],
    failure: { kind: 'ambiguous', retryable: op !== 'create' },
  };
}

function fill(results: WriteResult[], pending: number[], e: SalesforceApiError): WriteResult[] {
  for (const i of pending) {
    if (!results[i]) results[i] = { index: i, success: false, errors: [{ code: e.code, message: e.message, fields: [] }], failure: e.classification };
  }
  return results;
}
