import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One HTTP call to Salesforce or Coupa, as the clients report it (`onCall`). */
export interface ApiCallEvent {
  method: string;
  /** Request path (query string allowed); reduced to an endpoint class, never used as a label as is. */
  path: string;
  /** HTTP status of the answer; null when no answer came (connection refused, timeout). */
  status: number | null;
  /** The answer was a rate limit (429, Coupa's rate-limit 403, Salesforce's REQUEST_LIMIT_EXCEEDED). */
  rateLimited?: boolean;
  /** Time spent waiting for the Coupa token bucket before sending, ms. */
  waitMs?: number;
}

/** What a finished flow run tells the metrics (the engine's `onRunFinished`). */
export interface RunEvent {
  flow: string;
  status: string;
  /** The run's counters (read, created, updated, skipped, echoes, duplicates, conflicts, quarantined, deadLettered, retries). */
  counts: object;
  durationMs: number;
}

/** Where the scrape-time gauges read from: the state store, the flows and the Salesforce client's API budget. */
export interface MetricSources {
  flows(): string[];
  /** Open dead letters (by flow), open conflicts and quarantined records (by link group). */
  countOpen(): Promise<{ deadLetters: Map<string, number>; conflicts: Map<string, number>; quarantined: Map<string, number> }>;
  /** When each flow last finished a run that completed (succeeded or partial), or null. */
  lastSuccess(flow: string): Promise<Date | null>;
  paused(flow: string): Promise<boolean>;
  salesforceApiUsage(): { used: number; limit: number } | undefined;
  now?: () => Date;
}

/** Record counters of a run summary, by the outcome label they are published under. */
const OUTCOMES: Record<string, string> = {
  read: 'read',
  created: 'created',
  updated: 'updated',
  skipped: 'skipped',
  echoes: 'echo',
  duplicates: 'duplicate',
  conflicts: 'conflict',
  quarantined: 'quarantined',
  deadLettered: 'dead_lettered',
};

/**
 * A low-cardinality name for what an API path calls: Coupa's resource (`suppliers`, `invoices`…) or Salesforce's
 * API family (`query`, `sobjects`, `composite`, `jobs`…), never an id.
 */
export function endpointClass(system: 'salesforce' | 'coupa', path: string): string {
  const p = path.split('?')[0];
  if (/oauth2?\//.test(p)) return 'oauth';
  if (system === 'coupa') {
    const m = /^\/?(?:api\/)?([a-z_]+)/.exec(p);
    return m ? m[1] : 'other';
  }
  const m = /\/services\/data\/v[\d.]+\/([a-z]+)/i.exec(p) ?? /^\/?([a-z]+)/i.exec(p);
  if (!m) return 'other';
  return m[1].toLowerCase();
}

/** The connector's Prometheus metrics, on a registry of its own so tests and several instances don't collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'connector_' });
  let sources: MetricSources | null = null;
  const registers = [registry];

  const metrics = {
    registry,
    httpRequests: new Counter({
      name: 'connector_http_requests_total',
      help: 'Admin HTTP requests',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    records: new Counter({
      name: 'connector_records_total',
      help: 'Records processed by flow runs, by outcome (read, created, updated, skipped, echo, duplicate, conflict, quarantined, dead_lettered)',
      labelNames: ['flow', 'outcome'],
      registers,
    }),
    runs: new Counter({
      name: 'connector_runs_total',
      help: 'Flow runs by final status (succeeded, partial, failed)',
      labelNames: ['flow', 'status'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'connector_run_duration_seconds',
      help: 'Flow run duration',
      labelNames: ['flow', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    retries: new Counter({
      name: 'connector_retries_total',
      help: 'Reads and writes the engine retried after a transient or rate-limited failure',
      labelNames: ['flow'],
      registers,
    }),
    apiCalls: new Counter({
      name: 'connector_api_calls_total',
      help: 'HTTP calls to Salesforce and Coupa by endpoint class and status (status "none": no answer)',
      labelNames: ['system', 'endpoint', 'status'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'connector_api_rate_limited_total',
      help: 'Answers that were a rate limit (HTTP 429, Coupa rate-limit 403, Salesforce REQUEST_LIMIT_EXCEEDED)',
      labelNames: ['system'],
      registers,
    }),
    coupaWait: new Histogram({
      name: 'connector_coupa_rate_limiter_wait_seconds',
      help: "Time calls waited for the Coupa token bucket (the connector's own rate limiter) before being sent",
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    streamLag: new Gauge({
      name: 'connector_stream_lag_seconds',
      help: "Seconds between the newest change of a streamed flow's last processed batch and its processing (absent while no flow streams)",
      labelNames: ['flow'],
      registers,
    }),
    openDeadLetters: new Gauge({
      name: 'connector_dead_letters_open',
      help: 'Dead letters waiting for a replay or discard',
      labelNames: ['flow'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        const open = (await sources.countOpen()).deadLetters;
        for (const flow of new Set([...sources.flows(), ...open.keys()])) this.set({ flow }, open.get(flow) ?? 0);
      },
    }),
    openConflicts: new Gauge({
      name: 'connector_conflicts_open',
      help: 'Conflicts waiting for a decision (flow = link group)',
      labelNames: ['flow'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        for (const [flow, n] of (await sources.countOpen()).conflicts) this.set({ flow }, n);
      },
    }),
    quarantined: new Gauge({
      name: 'connector_quarantined_records',
      help: 'Records the ping-pong breaker quarantined and nobody released yet (flow = link group)',
      labelNames: ['flow'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        for (const [flow, n] of (await sources.countOpen()).quarantined) this.set({ flow }, n);
      },
    }),
    secondsSinceSuccess: new Gauge({
      name: 'connector_flow_seconds_since_last_success',
      help: 'Seconds since the flow last finished a run (succeeded or partial); absent until its first one',
      labelNames: ['flow'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        const now = (sources.now ?? (() => new Date()))().getTime();
        for (const flow of sources.flows()) {
          const at = await sources.lastSuccess(flow);
          if (at) this.set({ flow }, Math.max(0, (now - at.getTime()) / 1000));
        }
      },
    }),
    paused: new Gauge({
      name: 'connector_flow_paused',
      help: '1 while an operator has paused the flow',
      labelNames: ['flow'],
      registers,
      async collect() {
        if (!sources) return;
        this.reset();
        for (const flow of sources.flows()) this.set({ flow }, (await sources.paused(flow)) ? 1 : 0);
      },
    }),
    salesforceApiRemaining: new Gauge({
      name: 'connector_salesforce_api_remaining',
      help: "Salesforce daily API calls left, from the last answer's Sforce-Limit-Info (absent until the first call)",
      registers,
      collect() {
        const usage = sources?.salesforceApiUsage();
        this.reset();
        if (usage) this.set(usage.limit - usage.used);
      },
    }),
    salesforceApiLimit: new Gauge({
      name: 'connector_salesforce_api_limit',
      help: "Salesforce daily API allowance, from the last answer's Sforce-Limit-Info",
      registers,
      collect() {
        const usage = sources?.salesforceApiUsage();
        this.reset();
        if (usage) this.set(usage.limit);
      },
    }),

    /** Points the scrape-time gauges at a running connector. */
    attach(s: MetricSources): void {
      sources = s;
    },

    /** A finished run: its records by outcome, its duration and its retries. */
    recordRun(run: RunEvent): void {
      metrics.runs.inc({ flow: run.flow, status: run.status });
      metrics.runDuration.observe({ flow: run.flow, status: run.status }, run.durationMs / 1000);
      for (const [key, outcome] of Object.entries(OUTCOMES)) {
        const n = (run.counts as Record<string, number | undefined>)[key] ?? 0;
        if (n > 0) metrics.records.inc({ flow: run.flow, outcome }, n);
      }
      const retries = (run.counts as Record<string, number | undefined>).retries ?? 0;
      if (retries) metrics.retries.inc({ flow: run.flow }, retries);
    },

    /** The clients' `onCall` for one system. */
    apiCallRecorder(system: 'salesforce' | 'coupa'): (call: ApiCallEvent) => void {
      return (call) => {
        metrics.apiCalls.inc({ system, endpoint: endpointClass(system, call.path), status: call.status === null ? 'none' : String(call.status) });
        if (call.rateLimited || call.status === 429) metrics.rateLimited.inc({ system });
        if (system === 'coupa' && call.waitMs !== undefined) metrics.coupaWait.observe(call.waitMs / 1000);
      };
    },

    /**
     * The hook for streaming flows (Pub/Sub API, CDC): seconds between a change event's commit and the moment the
     * flow processed it. Call it per event or per batch; the gauge keeps the last value per flow.
     */
    recordStreamLag(flow: string, seconds: number): void {
      metrics.streamLag.set({ flow }, Math.max(0, seconds));
    },
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
