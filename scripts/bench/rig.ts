/**
 * Both emulators in-process, the real clients, a state store and a SyncEngine, wired the way the runtime wires
 * them. Shared by the benchmark and the end-to-end harness (test/e2e/harness.ts builds on it).
 */
import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
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
import { SyncEngine, type SyncEngineOptions } from '../../middleware/src/engine';
import type { FlowDeps } from '../../middleware/src/flows/deps';
import { loadMappingDir, type CompiledMapping } from '../../middleware/src/mapping';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { openStateStore, type StateStore } from '../../middleware/src/store';

export const SF_CLIENT_ID = 'e2e-connector';
export const SF_CLIENT_SECRET = 'e2e-connector-secret';
export const CLIENT_NAME = 'coupa-sf-connector';
export const MAPPINGS_DIR = path.join(__dirname, '..', '..', 'config', 'mappings');

export interface RigOptions {
  coupa?: CoupaEmulatorOptions;
  salesforce?: Partial<SalesforceEmulatorOptions>;
  /** Mappings by name; default: every file in config/mappings. */
  mappings?: CompiledMapping[];
  /** State store; default a fresh in-memory SQLite store. Closed by `close()`. */
  store?: StateStore;
  /** Engine retry and ping-pong settings; default: fast retries for tests. */
  engine?: Omit<SyncEngineOptions, 'store' | 'logger'>;
  /** Client retry backoff; default 1–20 ms (tests). Undefined keeps each client's own default. */
  backoff?: { baseMs: number; maxMs: number } | null;
  /** Coupa client token bucket (default 25/s, burst 20: Coupa's published limit and connector.yaml's default). */
  coupaRate?: { ratePerSecond: number; burst: number };
  /** Salesforce client: records above which writes use Bulk API 2.0 (client default when unset). */
  bulkThreshold?: number;
  /**
   * The engine's clock follows the emulators' (`advance` moves both), as a connector's clock follows the real systems'
   * when time passes; otherwise time advanced in the emulators looks to the engine like clock skew.
   */
  engineOnEmulatorClock?: boolean;
  logLevel?: string;
}

export interface Rig {
  sfEmu: RunningSalesforceEmulator;
  coupaEmu: CoupaEmulator;
  salesforce: SalesforceClient;
  coupa: CoupaClient;
  store: StateStore;
  engine: SyncEngine;
  logger: Logger;
  mappings: Map<string, CompiledMapping>;
  /** Dependencies for building a flow, with that flow's `options`. */
  deps(options?: Record<string, unknown>): FlowDeps;
  close(): Promise<void>;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const [sfEmu, coupaEmu] = await Promise.all([
    startSalesforceEmulator({ clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET, ...opts.salesforce }),
    startCoupaEmulator({ seed: 0, ...opts.coupa })
  ]);
  const backoff = opts.backoff === undefined ? { baseMs: 1, maxMs: 20 } : (opts.backoff ?? undefined);
  const salesforce = new SalesforceClient({
    auth: { flow: 'client-credentials', loginUrl: sfEmu.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET },
    clientName: CLIENT_NAME,
    ...(backoff ? { backoff } : {}),
    ...(opts.bulkThreshold !== undefined ? { bulkThreshold: opts.bulkThreshold } : {})
  });
  const rate = opts.coupaRate ?? { ratePerSecond: 25, burst: 20 };
  const coupa = new CoupaClient({
    baseUrl: coupaEmu.url,
    clientId: coupaEmu.clientId,
    clientSecret: coupaEmu.clientSecret,
    scopes: allScopes(),
    bucket: new TokenBucket(rate),
    ...(backoff ? { backoff } : {})
  });
  const store = opts.store ?? (await openStateStore({ sqlitePath: ':memory:' }));
  const logger = pino({ level: opts.logLevel ?? 'silent' });
  const engine = new SyncEngine({
    store,
    logger,
    ...(opts.engine ?? { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, rateLimitedDelayMs: 250 } }),
    ...(opts.engineOnEmulatorClock ? { now: () => new Date(coupaEmu.emulator.clock.now()) } : {})
  });
  const mappingList = opts.mappings ?? (fs.existsSync(MAPPINGS_DIR) ? loadMappingDir(MAPPINGS_DIR) : []);
  const mappings = new Map(mappingList.map((m) => [m.name, m]));

  // The runtime logs in before any flow runs; so does the rig.
  await salesforce.connect();

  return {
    sfEmu,
    coupaEmu,
    salesforce,
    coupa,
    store,
    engine,
    logger,
    mappings,
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
    async close() {
      await engine.stop();
      await store.close();
      await Promise.all([sfEmu.close(), coupaEmu.close()]);
    }
  };
}
