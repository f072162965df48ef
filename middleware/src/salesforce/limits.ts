import { SalesforceApiError } from './errors';

export interface ApiReserve {
  /** Keep at least this fraction of the daily limit free for essential calls. Default 0.1. */
  fraction?: number;
  /** …or at least this many calls, whichever is larger. Default 0. */
  calls?: number;
}

export interface ApiUsage {
  used: number;
  limit: number;
}

/** Parses `Sforce-Limit-Info: api-usage=18/5000[, per-app-api-usage=…]`. */
export function parseLimitInfo(header: string | undefined | null): ApiUsage | undefined {
  const m = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/**
 * Tracks daily API usage as reported by Salesforce and refuses non-essential calls once only the
 * reserve is left, so that essential work (status write-backs, checkpoints) can still run.
 */
export class ApiBudget {
  usage?: ApiUsage;
  constructor(private readonly reserve: ApiReserve = {}) {}

  record(usage: ApiUsage | undefined): void {
    if (usage) this.usage = usage;
  }

  reserveSize(): number {
    if (!this.usage) return 0;
    return Math.max(this.reserve.calls ?? 0, Math.ceil((this.reserve.fraction ?? 0.1) * this.usage.limit));
  }

  remaining(): number | undefined {
    return this.usage ? this.usage.limit - this.usage.used : undefined;
  }

  /** Throws (rate-limited) when a non-essential call would eat into the reserve. */
  check(essential: boolean, calls = 1): void {
    if (essential || !this.usage) return;
    const remaining = this.usage.limit - this.usage.used;
    if (remaining - calls < this.reserveSize()) {
      throw new SalesforceApiError(
        'API_BUDGET_RESERVED',
        `Salesforce API budget: ${remaining} of ${this.usage.limit} daily calls left, ${this.reserveSize()} reserved for essential calls`,
      );
    }
  }
}
