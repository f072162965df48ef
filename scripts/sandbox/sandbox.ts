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
import { removeSandboxSettings, writeSandboxSettings } from '../../middleware/src/cli/sandbox-settings';
import { loadConfig } from '../../middleware/src/config';
import { createLogger } from '../../middleware/src/log';
import { withSandboxAgentToken } from '../../middleware/src/mcp/config';
import { startConnector, type RunningConnector } from '../../middleware/src/runtime/connector';
import { importSampleData } from '../sample-data/import';
import { CONFLICT_CONTRACT_REF, stageContractConflict, type ConflictStory } from './conflict-story';
import { holdPorts } from './ports';

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
  /** Admin API token (ADMIN_TOKEN); default: a random one, printed at start. */
  adminToken?: string;
  /** Where to write the connection settings the CLI reads (0600); none by default (`npm start`: data/sandbox.json). */
  settingsFile?: string | null;
  /**
   * Stage the contract conflict a person resolves in the console (conflict-story.ts): `npm start` does; off by
   * default, so benchmarks and tests that start a sandbox measure only what they do.
   */
  conflictStory?: boolean;
}

export interface RunningSandbox {
  connector: RunningConnector;
  salesforce: RunningSalesforceEmulator;
  coupa: CoupaEmulator;
  adminToken: string;
  /** Agent token for /mcp and `coupa-sf mcp` (policy: every tool, every write through an operator's approval). */
  agentToken: string;
  previewUrl: string | null;
  /** Settles when the preview's bundle is built (built off the event loop, so start-up does not wait for it). */
  previewReady: Promise<void> | null;
  /** Sample-data reference → Salesforce Id (e.g. FabrikamRollout → 006…). */
  accounts: Record<string, string>;
  /** Access tokens for trying things by hand as a person (not the connector's): Salesforce REST and Coupa API. */
  personTokens: { salesforce: string; coupa: string };
  /**
   * Settles when the contract conflict is waiting in the console (staged in the background after start-up, through
   * the flows); null unless `conflictStory` is set.
   */
  conflictReady: Promise<ConflictStory> | null;
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

/** Risk scores the sandbox gives the sample vendors' Coupa suppliers (feed field 01), so the panels show both ends. */
const SAMPLE_RISK = [18.5, 77];

/**
 * One company on both sides: the sample vendor Accounts are linked to suppliers of the seeded Coupa company, and those
 * suppliers carry the vendors' names, numbers and websites (Coupa owns them, so the sync would otherwise rename the
 * Accounts) and risk scores at both ends of the scale. Everything else the panels show arrives through the flows.
 */
async function linkSampleVendors(conn: Connection, coupa: CoupaEmulator): Promise<void> {
  // The busiest active suppliers (most invoices), so the vendors' panels have something to show.
  const invoicesOf = new Map<number, number>();
  for (const inv of coupa.control.list('invoices')) {
    const id = Number((inv.supplier as { id?: unknown } | null)?.id);
    invoicesOf.set(id, (invoicesOf.get(id) ?? 0) + 1);
  }
  const suppliers = coupa.control
    .list('suppliers')
    .filter((s) => s.status === 'active')
    .sort((a, b) => (invoicesOf.get(Number(b.id)) ?? 0) - (invoicesOf.get(Number(a.id)) ?? 0) || Number(a.id) - Number(b.id))
    .slice(0, 2);
  const linked = await conn.query<{ Id: string; Name: string; Website: string | null; Coupa_Supplier_Number__c: string | null }>(
    'SELECT Id, Name, Website, Coupa_Supplier_Number__c FROM Account WHERE Coupa_Supplier_Id__c != null ORDER BY Coupa_Supplier_Id__c'
  );
  const pairs = linked.records.slice(0, suppliers.length).map((a, i) => ({ account: a, supplier: suppliers[i] }));
  pairs.forEach(({ account, supplier }, i) => {
    const id = Number(supplier.id);
    coupa.control.update('suppliers', id, {
      name: account.Name,
      ...(account.Coupa_Supplier_Number__c ? { number: account.Coupa_Supplier_Number__c } : {}),
      ...(account.Website ? { website: account.Website } : {})
    });
    const feed = coupa.control.list('supplier_risk_aware_feed').find((f) => Number((f.supplier as { id?: unknown } | null)?.id ?? f['supplier-id']) === id);
    if (feed) coupa.control.update('supplier_risk_aware_feed', Number(feed.id), { 'number-field-01': SAMPLE_RISK[i % SAMPLE_RISK.length] });
  });
  const updates = pairs.map(({ account, supplier }) => ({ Id: account.Id, Coupa_Supplier_Id__c: String(supplier.id) }));
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
  const adminToken = opts.adminToken ?? randomBytes(24).toString('base64url');
  const agentToken = randomBytes(24).toString('base64url');
  const connectorPort = opts.connectorPort ?? 3000;
  // Every port is bound before anything starts or is deleted: a busy one stops here, naming its variable.
  const held = await holdPorts([
    { port: connectorPort, variable: 'PORT', what: 'admin API and console' },
    { port: opts.salesforcePort ?? 0, variable: 'SANDBOX_SALESFORCE_PORT', what: 'Salesforce emulator' },
    { port: opts.coupaPort ?? 0, variable: 'SANDBOX_COUPA_PORT', what: 'Coupa emulator' },
    ...(opts.preview !== false ? [{ port: opts.previewPort ?? 0, variable: 'SANDBOX_PREVIEW_PORT', what: 'LWC preview' }] : [])
  ]);
  await Promise.all([held.release(opts.salesforcePort ?? 0), held.release(opts.coupaPort ?? 0)]);
  const [salesforce, coupa] = await Promise.all([
    // Pub/Sub on (its own port): the streamed flows react to change events within about a second.
    startSalesforceEmulator({ port: opts.salesforcePort ?? 0, clientId: SF_CLIENT_ID, clientSecret: sfSecret, pubsub: true }),
    startCoupaEmulator({
      port: opts.coupaPort ?? 0,
      // The company's year of documents ends about a month ago, so this month's and last year's spend mean something
      // and no document is stamped in the future.
      seed: { size: opts.coupaSize ?? 200, seed: 2026, from: new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10) },
      testControl: true
    })
  ]);
  const stopEmulators = () => Promise.all([salesforce.close(), coupa.close(), held.releaseAll()]);
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
      PORT: String(connectorPort),
      ADMIN_TOKEN: adminToken
    };
    delete env.DATABASE_URL;
    const config = loadConfig({
      env,
      cwd: REPO,
      configFile: env.CONNECTOR_CONFIG ?? path.join('config', 'connector.sandbox.yaml')
    });
    config.mcp = withSandboxAgentToken(config.mcp, agentToken);
    const requisitionDefaults = sandboxRequisitionDefaults(coupa);
    config.flows['opportunity-to-requisition'].options = {
      ...requisitionDefaults,
      ...config.flows['opportunity-to-requisition'].options
    };
    const logger = createLogger({ level: (opts.logLevel ?? config.logLevel) as 'info', format: config.logFormat });
    await held.release(connectorPort);
    const connector = await startConnector({ config, logger });
    const settingsFile = opts.settingsFile ?? null;
    if (settingsFile) {
      writeSandboxSettings(settingsFile, {
        version: 1,
        pid: process.pid,
        connectorUrl: connector.url,
        adminToken,
        agentToken,
        configFile: config.configFile ?? path.join(REPO, 'config', 'connector.sandbox.yaml'),
        sqlitePath,
        salesforce: { loginUrl: salesforce.url, clientId: SF_CLIENT_ID, clientSecret: sfSecret },
        coupa: { baseUrl: coupa.url, clientId: coupa.clientId, clientSecret: coupa.clientSecret },
        flowOptions: { 'opportunity-to-requisition': requisitionDefaults }
      });
    }

    let preview: { url: string; ready: Promise<void>; close(): Promise<void> } | null = null;
    if (opts.preview !== false) {
      // Loaded only when wanted. The bundle builds in a child process; its pages say so until it is ready. A lazy
      // require, not import(): the connector runs as CommonJS (bin/connector-node.js), where import() skips tsx's hook.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startPreview } = require('../preview/server') as typeof import('../preview/server');
      await held.release(opts.previewPort ?? 0);
      preview = await startPreview({ emulator: salesforce, port: opts.previewPort ?? 0, coupaBaseUrl: coupa.url });
    }
    const personTokens = { salesforce: salesforce.control.issueToken().access_token, coupa: await coupaPersonToken(coupa) };
    const storyStop = new AbortController();
    const conflictReady =
      !opts.conflictStory || !accounts[CONFLICT_CONTRACT_REF]
        ? null
        : stageContractConflict({
            connector,
            coupa,
            salesforce: new Connection({ instanceUrl: salesforce.url, accessToken: personTokens.salesforce, version: '62.0' }),
            coupaToken: personTokens.coupa,
            contractId: accounts[CONFLICT_CONTRACT_REF],
            signal: storyStop.signal
          });
    // Reported by whoever awaits it (start.ts prints it); never an unhandled rejection.
    conflictReady?.catch(() => undefined);
    return {
      connector,
      salesforce,
      coupa,
      adminToken,
      agentToken,
      previewUrl: preview?.url ?? null,
      previewReady: preview?.ready ?? null,
      accounts,
      personTokens,
      conflictReady,
      async stop() {
        if (settingsFile) removeSandboxSettings(settingsFile);
        storyStop.abort();
        await conflictReady?.catch(() => undefined);
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
