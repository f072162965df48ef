/**
 * A quiet channel's stored replay id follows the Pub/Sub keepalives (their latest_replay_id), so it never ages past
 * the retention window while other channels are busy; resuming from it loses nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { createLogger } from '../../middleware/src/log';
import { buildConnector, type BuiltConnector } from '../../middleware/src/runtime/build';
import { waitFor } from './harness';

jest.setTimeout(60_000);

const repo = path.resolve(__dirname, '..', '..');
const FLOW = 'opportunity-to-requisition';
const CHANNEL = '/data/OpportunityChangeEvent';
const replayNumber = (base64: string) => Number(Buffer.from(base64, 'base64').readBigUInt64BE());

describe('Pub/Sub keepalives', () => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  let connector: BuiltConnector | null = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-keepalive-'));
  const configFile = path.join(dir, 'connector.yaml');

  async function start(): Promise<BuiltConnector> {
    const config = loadConfig({
      cwd: repo,
      configFile,
      env: {
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'ka',
        SALESFORCE_CLIENT_SECRET: 'ka-secret',
        SALESFORCE_PUBSUB_URL: sf.pubsubUrl,
        COUPA_BASE_URL: coupa.url,
        COUPA_CLIENT_ID: coupa.clientId,
        COUPA_CLIENT_SECRET: coupa.clientSecret,
        SQLITE_PATH: path.join(dir, 'state.db'),
      },
    });
    connector = await buildConnector({ config, logger: createLogger({ level: 'silent' }), validateMappings: false });
    await connector.engine.start();
    await connector.streams!.start();
    return connector;
  }

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      // Keepalives every 100 ms instead of Salesforce's 270 s.
      startSalesforceEmulator({ clientId: 'ka', clientSecret: 'ka-secret', pubsub: { keepaliveMs: 100 } }),
      startCoupaEmulator({ seed: 0, scopes: allScopes(), testControl: true }),
    ]);
    fs.writeFileSync(
      configFile,
      [
        'flows:',
        `  ${FLOW}:`,
        '    enabled: true',
        '    options: { stage: Closed Won, fallbackRequesterLogin: ka.rep, statusSchedule: "0 0 1 1 *" }',
        'streaming:',
        '  enabled: true',
        `  flows: [${FLOW}]`,
        '  safetyNetSchedule: "0 0 1 1 *"',
        '',
      ].join('\n'),
    );
    coupa.control.create('users', { login: 'ka.rep', email: 'ka.rep@example.com', firstname: 'K', lastname: 'A', active: true });
  });
  afterAll(async () => {
    await connector?.close();
    await Promise.all([sf.close(), coupa.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('store the latest replay id of a quiet channel, and a restart resumes from it without loss', async () => {
    const c = await start();
    // Another object's change moves the org's replay ids on; the Opportunity channel stays quiet.
    const elsewhere = sf.control.emitGap('Account', ['001000000000001AAA'], 'GAP_UPDATE');
    const stored = await waitFor('the keepalive position stored', async () => {
      const p = await c.store.getStreamPosition(FLOW, CHANNEL);
      return p && replayNumber(p.replayId) >= elsewhere ? p : null;
    });
    expect(replayNumber(stored.replayId)).toBe(elsewhere);
    expect(c.streams!.stats()[0]).toMatchObject({ events: 0 });
    expect(c.streams!.stats()[0].keepalives).toBeGreaterThan(0);

    // Down for a while: a deal is won; back up, the stream replays from the keepalive's id.
    await connector!.close();
    connector = null;
    const refs = sf.control.seed({
      Account: [{ '@ref': 'a', Name: 'Quiet Supplies', Type: 'Vendor' }],
      Product2: [{ '@ref': 'p', Name: 'Widget', ProductCode: 'W-1', IsActive: true }],
    });
    const person = new Connection({ instanceUrl: sf.url, accessToken: sf.control.issueToken().access_token, version: '62.0' });
    const oppId = ((await person.sobject('Opportunity').create({ Name: 'Quiet deal', StageName: 'Prospecting', CloseDate: '2026-12-15', AccountId: refs.a, Amount: 100 })) as { id: string }).id;
    await person.sobject('OpportunityLineItem').create({ OpportunityId: oppId, Product2Id: refs.p, Quantity: 1, UnitPrice: 100 });
    await person.sobject('Opportunity').update({ Id: oppId, StageName: 'Closed Won' });
    const again = await start();
    await waitFor('the requisition', async () =>
      coupa.control.list('requisitions').some((r) => (r['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-opportunity-id'] === oppId),
    );
    expect(again.streams!.stats()[0]).toMatchObject({ invalidReplays: 0, catchUps: 0 });
  });
});
