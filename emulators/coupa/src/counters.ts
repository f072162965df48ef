/** Per-endpoint call accounting ("GET /api/suppliers/:id" → count), plus rejected-call tallies. */
export interface CounterSnapshot {
  total: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  tokens: number;
  rateLimited: number;
  /** Requests held back by the `queue` throttle (served late rather than refused). */
  queued: number;
}

export class Counters {
  private snapshot: CounterSnapshot = fresh();

  record(endpoint: string, status: number, throttled = false): void {
    this.snapshot.total++;
    this.snapshot.byEndpoint[endpoint] = (this.snapshot.byEndpoint[endpoint] ?? 0) + 1;
    this.snapshot.byStatus[String(status)] = (this.snapshot.byStatus[String(status)] ?? 0) + 1;
    if (status === 429 || throttled) this.snapshot.rateLimited++;
  }

  queued(): void {
    this.snapshot.queued++;
  }

  token(): void {
    this.snapshot.tokens++;
  }

  get(): CounterSnapshot {
    return structuredClone(this.snapshot);
  }

  reset(): void {
    this.snapshot = fresh();
  }
}

function fresh(): CounterSnapshot {
  return { total: 0, byEndpoint: {}, byStatus: {}, tokens: 0, rateLimited: 0, queued: 0 };
}
