/**
 * End-to-end harness: both emulators in-process, the real clients, a fresh SQLite state store and a SyncEngine.
 * Stories act in one system through its public API (jsforce for Salesforce, HTTP for Coupa), run or wait for the
 * middleware, and assert in the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from 'jsforce';
import pino from 'pino';
import {
  allScopes,
  startCoupaEmulator,
  type CoupaEmulator,
  type CoupaEmulatorOptions
} from '../../emulators/coupa/src';
import {
  startSalesforceEmulator,
  type RunningSalesforceEmulator,
  type SalesforceEmulatorOptions
} from '../../emulators/salesforce/src';
import { CoupaClient, TokenBucket } from '../../middleware/src/coupa';
import { SyncEngine } from '../../middleware/src/engine';
import type { FlowDeps } from '../../middleware/src/flows/deps';
import { loadMappingDir, type CompiledMapping } from '../../middleware/src/mapping';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { coupaPersonToken } from '../../scripts/sandbox/sandbox';
import { openStateStore, type StateStore } from '../../middleware/src/store';

export const SF_CLIENT_ID = 'e2e-connector';
export const SF_CLIENT_SECRET = 'e2e-connector-secret';
export const CLIENT_NAME = 'coupa-sf-connector';
const MAPPINGS_DIR = path.join(__dirname, '..', '..', 'config', 'mappings');

export interface HarnessOptions {
  coupa?: CoupaEmulatorOptions;
  salesforce?: Partial<SalesforceEmulatorOptions>;
  /** Mappings by name; default: every file in config/mappings. */
  mappings?: CompiledMapping[];
}

export interface Harness {
  sfEmu: RunningSalesforceEmulator;
  coupaEmu: CoupaEmulator;
  salesforce: SalesforceClient;
  coupa: CoupaClient;
  store: StateStore;
  engine: SyncEngine;
  /** Dependencies for building a flow, with that flow's `options`. */
  deps(options?: Record<string, unknown>): FlowDeps;
  /** A jsforce connection acting as a person (no connector origin tag on its writes). */
  user(): Connection;
  /** Coupa REST as a person would call it: `coupaApi('PUT', '/api/invoices/7/dispute', body)`. */
  coupaApi<T = any>(method: string, apiPath: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const [sfEmu, coupaEmu] = await Promise.all([
    startSalesforceEmulator({ clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET, ...opts.salesforce }),
    startCoupaEmulator({ seed: 0, ...opts.coupa })
  ]);
  const salesforce = new SalesforceClient({
    auth: { flow: 'client-credentials', loginUrl: sfEmu.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET },
    clientName: CLIENT_NAME,
    backoff: { baseMs: 1, maxMs: 20 }
  });
  const coupa = new CoupaClient({
    baseUrl: coupaEmu.url,
    clientId: coupaEmu.clientId,
    clientSecret: coupaEmu.clientSecret,
    scopes: allScopes(),
    // Slightly under the emulator's 25/s, as a real deployment would be: the clients no longer hide 429s.
    bucket: new TokenBucket({ ratePerSecond: 23, burst: 18 }),
    backoff: { baseMs: 1, maxMs: 20 }
  });
  const store = await openStateStore({ sqlitePath: ':memory:' });
  const logger = pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' });
  const engine = new SyncEngine({ store, logger, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 } });
  const mappingList = opts.mappings ?? (fs.existsSync(MAPPINGS_DIR) ? loadMappingDir(MAPPINGS_DIR) : []);
  const mappings = new Map(mappingList.map((m) => [m.name, m]));

  // The runtime logs in before any flow runs; so does the harness.
  await salesforce.connect();
  const token = sfEmu.control.issueToken();
  const userConn = new Connection({ instanceUrl: sfEmu.url, accessToken: token.access_token, version: '62.0' });

  let personToken: string | null = null;

  return {
    sfEmu,
    coupaEmu,
    salesforce,
    coupa,
    store,
    engine,
    deps: (options = {}) => ({
      coupa,
      salesforce,
      store,
      logger,
      mappings,
      options,
      coupaBaseUrl: coupaEmu.url,
      salesforceClientName: CLIENT_NAME
    }),
    user: () => userConn,
    async coupaApi(method, apiPath, body) {
      personToken ??= await coupaPersonToken(coupaEmu);
      let res: Response;
      // A person's script shares the instance's rate limit with the connector: wait and retry on 429.
      for (let attempt = 0; ; attempt++) {
        res = await fetch(`${coupaEmu.url}${apiPath}`, {
          method,
          headers: {
            Authorization: `Bearer ${personToken}`,
            Accept: 'application/json',
            'Content-Type': 'application/json'
          },
          body: body === undefined ? undefined : JSON.stringify(body)
        });
        if (res.status !== 429 || attempt >= 20) break;
        await res.text();
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${apiPath} → ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as never;
    },
    async close() {
      await engine.stop();
      await store.close();
      await Promise.all([sfEmu.close(), coupaEmu.close()]);
    }
  };
}

/** Polls until `probe` returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 100
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Salesforce write calls (REST, collections, Bulk 2.0 ingest) the emulator has counted since its last reset. */
export function salesforceWriteCalls(h: Harness): number {
  const by = h.sfEmu.control.counters().byEndpoint as Record<string, number>;
  return Object.entries(by)
    .filter(([k]) => /(create|update|upsert|delete)$/.test(k) || k.startsWith('bulk2.ingest'))
    .reduce((s, [, n]) => s + n, 0);
}
