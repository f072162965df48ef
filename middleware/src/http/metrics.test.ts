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
