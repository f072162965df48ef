import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { createMetrics, endpointClass } from './metrics';

describe('metrics', () => {
  it('labels API calls by endpoint class, never by record id', () => {
    expect(endpointClass('coupa', '/api/invoices/42?fields=x')).toBe('invoices');
    expect(endpointClass('coupa', '/api/supplier_information/7')).toBe('supplier_information');
    expect(endpointClass('coupa', '/oauth2/token')).toBe('oauth');
    expect(endpointClass('salesforce', '/services/data/v62.0/sobjects/Account/001000000000001AAA')).toBe('sobjects');
    expect(endpointClass('salesforce', '/services/data/v62.0/query?q=SELECT+Id+FROM+Account')).toBe('query');
    expect(endpointClass('salesforce', '/composite/sobjects')).toBe('composite');
  });

  it('publishes a run as records by outcome, a duration and retries', async () => {
    const m = createMetrics();
    m.recordRun({ flow: 'f', status: 'partial', durationMs: 1500, counts: { read: 3, created: 2, deadLettered: 1, retries: 2, skipped: 0 } });
    const text = await m.registry.metrics();
    expect(text).toContain('connector_records_total{flow="f",outcome="read"} 3');
    expect(text).toContain('connector_records_total{flow="f",outcome="dead_lettered"} 1');
    expect(text).not.toContain('outcome="skipped"');
    expect(text).toContain('connector_run_duration_seconds_sum{flow="f",status="partial"} 1.5');
    expect(text).toContain('connector_retries_total{flow="f"} 2');
  });

  it('keeps the last stream lag per flow (the streaming hook)', async () => {
    const m = createMetrics();
    m.recordStreamLag('contract-sync', 4.2);
    m.recordStreamLag('contract-sync', -1);
    expect(await m.registry.metrics()).toContain('connector_stream_lag_seconds{flow="contract-sync"} 0');
  });
});

describe('the shipped dashboard and alert rules', () => {
  const docs = path.join(__dirname, '..', '..', '..', 'docs', 'monitoring');
  /** Metric names a PromQL expression uses (`connector_…`, minus histogram suffixes). */
  const namesIn = (expr: string) => [...expr.matchAll(/\bconnector_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

  it('use only series the connector publishes', async () => {
    const m = createMetrics();
    const published = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name));
    const rules = YAML.parse(fs.readFileSync(path.join(docs, 'prometheus-alerts.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }>;
    };
    const dashboard = JSON.parse(fs.readFileSync(path.join(docs, 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const exprs = [...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))];
    const used = new Set(exprs.flatMap(namesIn));
    expect([...used].filter((n) => !published.has(n))).toEqual([]);
    // Dead letters, stale flows and the API budget each have an alert.
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['ConnectorDeadLettersOpen', 'ConnectorFlowStale', 'ConnectorSalesforceApiBudgetLow']));
  });
});
