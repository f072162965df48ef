import { SfError } from './errors';

/**
 * A fault rule. Matching requests (method + path regex + optional endpoint key) get `latencyMs` added, and/or an
 * injected HTTP error, and/or a `UNABLE_TO_LOCK_ROW` on record writes. `times` limits how often it fires.
 */
export interface FaultRule {
  id?: string;
  method?: string;
  /** Regular expression tested against the request path (without query string). */
  path?: string;
  /** Endpoint key as reported by the counters, e.g. `query`, `sobject.create`, `composite.sobjects.upsert`. */
  endpoint?: string;
  latencyMs?: number;
  /** Respond with this HTTP status (e.g. 503, 500, 429) and Salesforce-style error body. */
  status?: number;
  errorCode?: string;
  message?: string;
  /** Fail record writes with UNABLE_TO_LOCK_ROW (per record, so collections report it per item). */
  lockRow?: boolean;
  /** Fail record writes with this error code instead, e.g. DUPLICATES_DETECTED, ENTITY_IS_DELETED, DUPLICATE_VALUE. */
  writeError?: string;
  /** Restrict lockRow / writeError to one object. */
  object?: string;
  times?: number;
}

const DEFAULT_MESSAGES: Record<number, [string, string]> = {
  500: ['UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)'],
  502: ['BAD_GATEWAY', 'Bad Gateway'],
  503: ['SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Please try again later.'],
  429: ['REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'],
};

const WRITE_MESSAGES: Record<string, string> = {
  DUPLICATES_DETECTED: "You're creating a duplicate record. We recommend you use an existing record instead.",
  ENTITY_IS_DELETED: 'entity is deleted',
  DUPLICATE_VALUE: 'duplicate value found: <unknown> duplicates value on record with id: <unknown>',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'Validation rule failed',
};

export class Faults {
  private rules: Array<FaultRule & { id: string }> = [];
  private seq = 0;

  set(rules: FaultRule[]): void {
    this.rules = [];
    for (const r of rules) this.add(r);
  }

  add(rule: FaultRule): string {
    const id = rule.id ?? `fault-${++this.seq}`;
    this.rules.push({ ...rule, id });
    return id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  private take(pred: (r: FaultRule) => boolean): FaultRule | undefined {
    const r = this.rules.find(pred);
    if (!r) return undefined;
    if (r.times !== undefined) {
      r.times -= 1;
      if (r.times <= 0) this.rules = this.rules.filter((x) => x !== r);
    }
    return r;
  }

  private matches(r: FaultRule, method: string, path: string, endpoint: string): boolean {
    if (r.method && r.method.toUpperCase() !== method) return false;
    if (r.path && !new RegExp(r.path).test(path)) return false;
    if (r.endpoint && r.endpoint !== endpoint) return false;
    return true;
  }

  /** Latency and HTTP-level faults for one request. */
  forRequest(method: string, path: string, endpoint: string): { latencyMs: number; error?: SfError } {
    let latencyMs = 0;
    for (const r of this.rules) if (r.latencyMs && !r.status && !r.lockRow && !r.writeError && this.matches(r, method, path, endpoint)) latencyMs += r.latencyMs;
    const hit = this.take((r) => !!r.status && this.matches(r, method, path, endpoint));
    if (!hit) return { latencyMs };
    const [code, msg] = DEFAULT_MESSAGES[hit.status as number] ?? ['UNKNOWN_EXCEPTION', 'Injected fault'];
    return { latencyMs: latencyMs + (hit.latencyMs ?? 0), error: new SfError(hit.status as number, hit.errorCode ?? code, hit.message ?? msg) };
  }

  /** Throws UNABLE_TO_LOCK_ROW (or the rule's writeError) for a record write if a rule matches. */
  beforeWrite(obj: string, id: string | undefined): void {
    const hit = this.take((r) => (!!r.lockRow || !!r.writeError) && (!r.object || r.object.toLowerCase() === obj.toLowerCase()));
    if (!hit) return;
    if (hit.writeError) {
      throw new SfError(400, hit.writeError, hit.message ?? WRITE_MESSAGES[hit.writeError] ?? 'Injected fault', []);
    }
    throw new SfError(400, 'UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${id ?? ''}`.trim(), []);
  }
}
