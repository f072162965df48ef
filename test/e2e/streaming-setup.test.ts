/**
 * Streaming in an org that is not set up for it: the flow's object is not selected for Change Data Capture. The
 * subscription is refused; the connector says what an admin must do (once per attempt, no secrets), keeps retrying
 * with backoff, and the flow stays on its safety-net poll.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { createLogger } from '../../middleware/src/log';
import { buildConnector, type BuiltConnector } from '../../middleware/src/runtime/build';
import { waitFor } from './harness';

jest.setTimeout(60_000);

const repo = path.resolve(__dirname, '..', '..');

describe.each(['pubsub', 'cometd'] as const)('streaming over %s without CDC selected for the object', (transport) => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  let connector: BuiltConnector;
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stream-setup-${transport}-`));
  const configFile = path.join(dir, 'connector.yaml');

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      // Only Account publishes change events: Opportunity was never selected in Setup → Change Data Capture.
      startSalesforceEmulator({ clientId: 'setup', clientSecret: 'setup-secret', pubsub: true, cdcEntities: ['Account'] }),
      startCoupaEmulator({ seed: 0, scopes: allScopes() }),
    ]);
    fs.writeFileSync(
      configFile,
      [
        'flows:',
        '  opportunity-to-requisition:',
        '    enabled: true',
        '    options: { stage: Closed Won, statusSchedule: "0 0 1 1 *" }',
        'engine: { baseDelayMs: 10, maxDelayMs: 50 }',
        'streaming:',
        '  enabled: true',
        `  transport: ${transport}`,
        '  flows: [opportunity-to-requisition]',
        '  safetyNetSchedule: "0 4 * * *"',
        '',
      ].join('\n'),
    );
    const config = loadConfig({
      cwd: repo,
      configFile,
      env: {
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'setup',
        SALESFORCE_CLIENT_SECRET: 'setup-secret',
        SALESFORCE_PUBSUB_URL: sf.pubsubUrl,
        COUPA_BASE_URL: coupa.url,
        COUPA_CLIENT_ID: coupa.clientId,
        COUPA_CLIENT_SECRET: coupa.clientSecret,
        SQLITE_PATH: path.join(dir, 'state.db'),
      },
    });
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        cb();
      },
    });
    connector = await buildConnector({ config, logger: createLogger({ level: 'info', destination }), validateMappings: false });
    await connector.engine.start();
    await connector.streams!.start();
  });
  afterAll(async () => {
    await connector?.close();
    await Promise.all([sf?.close(), coupa?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what an admin must enable, keeps retrying, and leaves the flow on its safety-net poll', async () => {
    const refusal = await waitFor('the refusal logged', async () => lines.find((l) => l.level === 50 && l.flow === 'opportunity-to-requisition'));
    expect(String(refusal.msg)).toMatch(/select Opportunity for Change Data Capture.*View All Records/);
    await waitFor('a second attempt', async () => connector.streams!.stats()[0].reconnects >= 2);
    expect(connector.streams!.stats()[0]).toMatchObject({ flow: 'opportunity-to-requisition', subscribed: false, events: 0 });
    expect(connector.flows.find((f) => f.definition.name === 'opportunity-to-requisition')?.schedule).toBe('0 4 * * *');
    // No credentials in what was logged.
    const token = (connector.salesforce.conn.accessToken ?? '').trim();
    expect(token.length).toBeGreaterThan(0);
    expect(raw.some((l) => l.includes(token) || l.includes('setup-secret'))).toBe(false);
  });
});
