/**
 * The zero-config sandbox: both emulators seeded with a believable company, the connector running every flow
 * against them, and (optionally) the LWC preview. What `npm start` runs when no credentials are configured.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from 'jsforce';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { createLogger } from '../../middleware/src/log';
import { startConnector, type RunningConnector } from '../../middleware/src/runtime/connector';
import { importSampleData } from '../sample-data/import';

const REPO = path.resolve(__dirname, '..', '..');
const SF_CLIENT_ID = 'sandbox-connector';

export interface SandboxOptions {
  connectorPort?: number;
  salesforcePort?: number;
  coupaPort?: number;
  /** Seed size of the Coupa company (suppliers, users, requisitions, POs, invoices, contracts). */
  coupaSize?: number;
  /** State store file; recreated on every start. */
  sqlitePath?: string;
  preview?: boolean;
  previewPort?: number;
  logLevel?: string;
}

export interface RunningSandbox {
  connector: RunningConnector;
  salesforce: RunningSalesforceEmulator;
  coupa: CoupaEmulator;
  adminToken: string;
  previewUrl: string | null;
  /** Sample-data reference → Salesforce Id (e.g. FabrikamRollout → 006…). */
  accounts: Record<string, string>;
  /** Access tokens for trying things by hand as a person (not the connector's): Salesforce REST and Coupa API. */
  personTokens: { salesforce: string; coupa: string };
  stop(): Promise<void>;
}

/** A Coupa access token with every scope, for acting as a person against the emulator (not the connector's). */
export async function coupaPersonToken(coupa: CoupaEmulator): Promise<string> {
  const res = await fetch(`${coupa.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: coupa.clientId,
      client_secret: coupa.clientSecret,
      scope: allScopes().join(' ')
    })
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Points the sample vendor Accounts at real suppliers of the seeded Coupa company. */
async function linkSampleVendors(conn: Connection, coupa: CoupaEmulator): Promise<void> {
  const suppliers = coupa.control
    .list('suppliers')
    .filter((s) => s.status === 'active')
    .slice(0, 2);
  const linked = await conn.query<{ Id: string; Coupa_Supplier_Id__c: string }>(
    'SELECT Id, Coupa_Supplier_Id__c FROM Account WHERE Coupa_Supplier_Id__c != null ORDER BY Coupa_Supplier_Id__c'
  );
  const updates = linked.records.slice(0, suppliers.length).map((a, i) => ({
    Id: a.Id,
    Coupa_Supplier_Id__c: String(suppliers[i].id),
    Coupa_Supplier_Number__c: (suppliers[i].number as string | null) ?? null
  }));
  if (updates.length) await conn.sobject('Account').update(updates);
}

/**
 * The seeded Coupa company's ids are only known once it is generated: the requester used when an Opportunity owner
 * has no Coupa user, the supplier for customer deals, and a ship-to address.
 */
function sandboxRequisitionDefaults(coupa: CoupaEmulator): Record<string, unknown> {
  const user = coupa.control.list('users').find((u) => u.active !== false);
  const supplier = coupa.control.list('suppliers').find((s) => s.status === 'active');
  const address = coupa.control.list('addresses')[0];
  return {
    ...(user ? { fallbackRequesterLogin: String(user.login) } : {}),
    ...(supplier ? { defaultSupplierId: Number(supplier.id) } : {}),
    ...(address ? { shipToAddressId: Number(address.id) } : {})
  };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const sfSecret = randomBytes(18).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  const [salesforce, coupa] = await Promise.all([
    // Pub/Sub on (its own port): the streamed flows react to change events within about a second.
    startSalesforceEmulator({ port: opts.salesforcePort ?? 0, clientId: SF_CLIENT_ID, clientSecret: sfSecret, pubsub: true }),
    startCoupaEmulator({
      port: opts.coupaPort ?? 0,
      seed: { size: opts.coupaSize ?? 40, seed: 2026 },
      testControl: true
    })
  ]);
  const stopEmulators = () => Promise.all([salesforce.close(), coupa.close()]);
  try {
    const token = salesforce.control.issueToken();
    const conn = new Connection({ instanceUrl: salesforce.url, accessToken: token.access_token, version: '62.0' });
    const accounts = Object.fromEntries(await importSampleData(conn, path.join(REPO, 'data')));
    await linkSampleVendors(conn, coupa);

    const sqlitePath = opts.sqlitePath ?? path.join(REPO, 'data', 'sandbox.db');
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${sqlitePath}${suffix}`, { force: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SALESFORCE_LOGIN_URL: salesforce.url,
      SALESFORCE_CLIENT_ID: SF_CLIENT_ID,
      SALESFORCE_CLIENT_SECRET: sfSecret,
      ...(salesforce.pubsubUrl ? { SALESFORCE_PUBSUB_URL: salesforce.pubsubUrl } : {}),
      COUPA_BASE_URL: coupa.url,
      COUPA_CLIENT_ID: coupa.clientId,
      COUPA_CLIENT_SECRET: coupa.clientSecret,
      SQLITE_PATH: sqlitePath,
      PORT: String(opts.connectorPort ?? 3000),
      ADMIN_TOKEN: adminToken
    };
    delete env.DATABASE_URL;
    const config = loadConfig({
      env,
      cwd: REPO,
      configFile: env.CONNECTOR_CONFIG ?? path.join('config', 'connector.sandbox.yaml')
    });
    config.flows['opportunity-to-requisition'].options = {
      ...sandboxRequisitionDefaults(coupa),
      ...config.flows['opportunity-to-requisition'].options
    };
    const logger = createLogger({ level: (opts.logLevel ?? config.logLevel) as 'info' });
    const connector = await startConnector({ config, logger });

    let preview: { url: string; close(): Promise<void> } | null = null;
    if (opts.preview !== false) {
      // Loaded only when wanted: building the preview bundle takes a while the first time.
      const { startPreview } = await import('../preview/server');
      preview = await startPreview({ emulator: salesforce, port: opts.previewPort ?? 0, coupaBaseUrl: coupa.url });
    }
    return {
      connector,
      salesforce,
      coupa,
      adminToken,
      previewUrl: preview?.url ?? null,
      accounts,
      personTokens: { salesforce: salesforce.control.issueToken().access_token, coupa: await coupaPersonToken(coupa) },
      async stop() {
        await preview?.close();
        await connector.stop();
        await stopEmulators();
      }
    };
  } catch (err) {
    await stopEmulators();
    throw err;
  }
}
