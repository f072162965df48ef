import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The connector's Prometheus metrics, on a registry of its own so tests and several instances don't collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'connector_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'connector_http_requests_total',
      help: 'Admin HTTP requests',
      labelNames: ['method', 'route', 'status'],
      registers: [registry]
    }),
    records: new Counter({
      name: 'connector_records_total',
      help: 'Records processed by flows',
      labelNames: ['flow', 'outcome'],
      registers: [registry]
    }),
    runDuration: new Histogram({
      name: 'connector_run_duration_seconds',
      help: 'Flow run duration',
      labelNames: ['flow', 'status'],
      registers: [registry]
    }),
    openDeadLetters: new Gauge({
      name: 'connector_dead_letters_open',
      help: 'Dead letters waiting for a replay or discard',
      labelNames: ['flow'],
      registers: [registry]
    }),
    openConflicts: new Gauge({
      name: 'connector_conflicts_open',
      help: 'Conflicts waiting for a decision',
      labelNames: ['flow'],
      registers: [registry]
    })
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
