/**
 * /metrics after a real run against the emulators: records by outcome, run duration, open dead letters, API calls by
 * system, endpoint class and status, the Salesforce allowance, the Coupa limiter's waits and the flow's last success
 * all have samples; and the dead letter the run produced is logged at warn with flow, record key and reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { FLOW_MODULES } from '../../middleware/src/flows';
import { clearRegisteredSecrets, createLogger } from '../../middleware/src/log';
import { startConnector, type RunningConnector } from '../../middleware/src/runtime/connector';

const repo = path.resolve(__dirname, '..', '..');
const ADMIN = 'metrics-test-admin-token-0123';
const SF_SECRET = 'metrics-sf-client-secret-value';
const FLOW = 'invoice-status';

/** The value of one sample (`name{labels} value`), or undefined when the series has no such sample. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics and warn logs after a run with a dead letter', () => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  let connector: RunningConnector;
  const logLines: Array<Record<string, unknown>> = [];
  let rawLog = '';
  const file = path.join(os.tmpdir(), `connector-metrics-${process.pid}.yaml`);

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      startSalesforceEmulator({ clientId: 'metrics', clientSecret: SF_SECRET }),
      startCoupaEmulator({ seed: { size: 8, seed: 7 }, scopes: allScopes() }),
    ]);
    // Only invoice-status, on a schedule that never fires during the test: the test runs it.
    const flows = FLOW_MODULES.map((m) => `  ${m.name}:\n    enabled: ${m.name === FLOW}\n    schedule: "0 3 1 1 *"\n`).join('');
    fs.writeFileSync(file, `flows:\n${flows}`);
    const config = loadConfig({
      cwd: repo,
      configFile: file,
      env: {
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'metrics',
        SALESFORCE_CLIENT_SECRET: SF_SECRET,
        COUPA_BASE_URL: coupa.url,
        COUPA_CLIENT_ID: coupa.clientId,
        COUPA_CLIENT_SECRET: coupa.clientSecret,
        SQLITE_PATH: ':memory:',
        PORT: '0',
        ADMIN_TOKEN: ADMIN,
      },
    });
    const destination = new Writable({
      write(chunk, _enc, done) {
        rawLog += String(chunk);
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    connector = await startConnector({ config, logger: createLogger({ level: 'warn', destination }) });
  }, 60_000);

  afterAll(async () => {
    fs.rmSync(file, { force: true });
    await connector?.stop();
    await Promise.all([sf?.close(), coupa?.close()]);
    clearRegisteredSecrets();
  });

  const scrape = async () => {
    const res = await fetch(`${connector.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('has no samples for flow activity before the first run', async () => {
    const text = await scrape();
    expect(sample(text, 'connector_records_total', { flow: FLOW, outcome: 'read' })).toBeUndefined();
    expect(sample(text, 'connector_flow_seconds_since_last_success', { flow: FLOW })).toBeUndefined();
    expect(sample(text, 'connector_dead_letters_open', { flow: FLOW })).toBe(0);
  });

  it('moves records, run duration, dead letters, API calls and the API budget after a run with a dead letter', async () => {
    // Every Coupa_Invoice__c write is refused by a validation rule: the invoices are dead-lettered.
    sf.control.addFault({ writeError: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', object: 'Coupa_Invoice__c' });
    const summary = await connector.engine.runNow(FLOW, 'test');
    sf.control.clearFaults();
    expect(summary.status).toBe('partial');
    expect(summary.counts.deadLettered).toBeGreaterThan(0);

    const text = await scrape();
    expect(sample(text, 'connector_records_total', { flow: FLOW, outcome: 'read' })).toBe(summary.counts.read);
    expect(sample(text, 'connector_records_total', { flow: FLOW, outcome: 'dead_lettered' })).toBe(summary.counts.deadLettered);
    expect(sample(text, 'connector_runs_total', { flow: FLOW, status: 'partial' })).toBe(1);
    expect(sample(text, 'connector_run_duration_seconds_count', { flow: FLOW, status: 'partial' })).toBe(1);
    expect(sample(text, 'connector_dead_letters_open', { flow: FLOW })).toBe(summary.counts.deadLettered);
    expect(sample(text, 'connector_api_calls_total', { system: 'coupa', endpoint: 'invoices', status: '200' })).toBeGreaterThan(0);
    expect(sample(text, 'connector_api_calls_total', { system: 'salesforce', endpoint: 'composite', status: '200' })).toBeGreaterThan(0);
    expect(sample(text, 'connector_coupa_rate_limiter_wait_seconds_count')).toBeGreaterThan(0);
    const remaining = sample(text, 'connector_salesforce_api_remaining');
    const limit = sample(text, 'connector_salesforce_api_limit');
    expect(limit).toBeGreaterThan(0);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThan(limit!);
    expect(sample(text, 'connector_flow_seconds_since_last_success', { flow: FLOW })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'connector_flow_paused', { flow: FLOW })).toBe(0);
    expect(text).toContain('# HELP connector_stream_lag_seconds');
  });

  it('logs each dead letter at warn with flow, record key and reason, and no secret', async () => {
    const open = await connector.store.listDeadLetters({ flow: FLOW, status: 'open' });
    expect(open.length).toBeGreaterThan(0);
    const warned = logLines.filter((l) => l.msg === 'record dead-lettered' && l.level === 40);
    expect(warned.map((l) => l.record).sort()).toEqual(open.map((d) => d.recordKey).sort());
    for (const l of warned) {
      expect(l).toMatchObject({ flow: FLOW, errorClass: 'validation' });
      expect(String(l.reason)).toContain('Validation rule failed');
    }
    expect(rawLog).not.toContain(SF_SECRET);
    expect(rawLog).not.toContain(coupa.clientSecret);
    expect(rawLog).not.toContain(ADMIN);
  });

  it('previews a record by its plain Coupa id and says what would happen and why', async () => {
    const [dl] = await connector.store.listDeadLetters({ flow: FLOW, status: 'open' });
    const id = dl.recordKey.split(':')[2];
    const auth = { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' };
    const res = await fetch(`${connector.url}/api/v1/flows/${FLOW}/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ id }) });
    expect(res.status).toBe(200);
    const preview = (await res.json()) as Record<string, unknown>;
    expect(preview).toMatchObject({ recordKey: dl.recordKey, operation: 'create', reason: expect.stringContaining('would create') });
    expect(preview.payload).toEqual(expect.objectContaining({ Coupa_Invoice_Id__c: id }));

    const missing = await fetch(`${connector.url}/api/v1/flows/${FLOW}/preview`, { method: 'POST', headers: auth, body: '{"id":"999999"}' });
    expect(missing.status).toBe(404);

    const timeline = (await (await fetch(`${connector.url}/api/v1/records/${id}/timeline`, { headers: auth })).json()) as {
      recordKey: string;
      journal: Array<{ action: string }>;
      deadLetters: Array<{ id: number }>;
    };
    expect(timeline.recordKey).toBe(dl.recordKey);
    expect(timeline.journal.map((j) => j.action)).toContain('dead-letter');
    expect(timeline.deadLetters.map((d) => d.id)).toContain(dl.id);
  });

  it('counts rate-limited answers by system', async () => {
    coupa.control.addFault({ kind: 'status', status: 429, path: '/api/invoices', times: 1 });
    await connector.engine.runNow(FLOW, 'test');
    coupa.control.clearFaults();
    const text = await scrape();
    expect(sample(text, 'connector_api_rate_limited_total', { system: 'coupa' })).toBe(1);
    expect(sample(text, 'connector_api_calls_total', { system: 'coupa', endpoint: 'invoices', status: '429' })).toBe(1);
  });
});
