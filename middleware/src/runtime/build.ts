/** Wires config → state store → vault → clients → mappings → flows → engine. No HTTP here (see connector.ts). */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, resolveSecrets, type ConnectorConfig } from '../config';
import { COUPA_SCHEMA, CoupaClient } from '../coupa';
import { SyncEngine, engineOptionsFromConfig, registerOptionsFromConfig, type FlowDefinition } from '../engine';
import { FLOW_MODULES, scopesFor, type FlowModule } from '../flows';
import type { Metrics } from '../http/metrics';
import { DEFAULT_MAPPINGS_DIR, type FlowDeps } from '../flows/deps';
import { assertMappingsValid, loadMappingDir, type CompiledMapping } from '../mapping';
import { CometdStream, DEFAULT_CLIENT_NAME, PubSubSubscriber, SalesforceClient, type ChangeStream, type SalesforceAuth } from '../salesforce';
import { DEFAULT_SQLITE_PATH, openStateStore, type StateStore } from '../store';
import { Vault } from '../vault';
import { AgentGateway } from '../mcp/gateway';
import { StreamTriggers } from './stream-triggers';

export interface BuildOptions {
  config: ConnectorConfig;
  logger: Logger;
  modules?: FlowModule[];
  mappingsDir?: string;
  /** Validate mappings against the live describe and the Coupa schema (default true). */
  validateMappings?: boolean;
  /**
   * Log in to Salesforce while building (default true). `doctor` builds without it (and without mapping
   * validation) so that it can check each system itself and report every failure.
   */
  connect?: boolean;
  clientName?: string;
  /** When given, API calls and finished runs are counted here (the running connector's /metrics). */
  metrics?: Metrics;
}

export interface RegisteredFlow {
  module: FlowModule;
  definition: FlowDefinition<any, any>;
  enabled: boolean;
  schedule: string | null;
}

export interface BuiltConnector {
  config: ConnectorConfig;
  store: StateStore;
  vault: Vault | null;
  salesforce: SalesforceClient;
  coupa: CoupaClient;
  engine: SyncEngine;
  flows: RegisteredFlow[];
  mappings: CompiledMapping[];
  /** What mapping validation could not check (e.g. expression values for a restricted picklist): `doctor` lists them. */
  mappingWarnings: Array<{ file: string; path: string; message: string }>;
  /** Change-event subscriptions of the streamed flows (null when streaming is off); started with the engine. */
  streams: StreamTriggers | null;
  /** The agent gateway (MCP tools over the engine); null when `mcp.enabled` is false. */
  mcp: AgentGateway | null;
  close(): Promise<void>;
}

/** A change-event subscription on the configured transport. */
export function changeStreamFactory(config: ConnectorConfig, salesforce: SalesforceClient): (channel: string) => ChangeStream {
  const reauthenticate = async () => {
    await salesforce.connect();
  };
  if (config.streaming.transport === 'cometd') return (channel) => new CometdStream(salesforce.conn, channel, reauthenticate);
  const endpoint = config.salesforce?.pubsubUrl;
  if (!endpoint) throw new ConfigError(['environment: SALESFORCE_PUBSUB_URL: required for the pubsub transport']);
  const { batchSize } = config.streaming;
  return (topic) =>
    new PubSubSubscriber({
      endpoint,
      topic,
      batchSize,
      auth: async (refresh) => {
        if (refresh || !salesforce.conn.accessToken) await reauthenticate();
        const { conn } = salesforce;
        return { accessToken: conn.accessToken ?? '', instanceUrl: conn.instanceUrl, tenantId: conn.userInfo?.organizationId ?? '' };
      },
    });
}

export async function openStore(config: ConnectorConfig): Promise<StateStore> {
  if (config.databaseUrl) return openStateStore({ databaseUrl: config.databaseUrl });
  const file = config.sqlitePath ?? DEFAULT_SQLITE_PATH;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return openStateStore({ sqlitePath: file });
}

export function salesforceAuth(config: ConnectorConfig): SalesforceAuth {
  const sf = config.salesforce;
  if (!sf) throw new ConfigError(['environment: SALESFORCE_LOGIN_URL: required for a live connector']);
  if (sf.auth.kind === 'jwt') {
    return {
      flow: 'jwt',
      loginUrl: sf.loginUrl,
      clientId: sf.auth.clientId,
      username: sf.auth.username,
      privateKey: fs.readFileSync(sf.auth.privateKeyFile, 'utf8')
    };
  }
  return {
    flow: 'client-credentials',
    loginUrl: sf.loginUrl,
    clientId: sf.auth.clientId,
    clientSecret: sf.auth.clientSecret ?? ''
  };
}

export async function buildConnector(opts: BuildOptions): Promise<BuiltConnector> {
  const { logger } = opts;
  const store = await openStore(opts.config);
  try {
    const vault = opts.config.masterKey ? await Vault.open(store, opts.config.masterKey) : null;
    const config = await resolveSecrets(opts.config, vault);
    if (!config.coupa) throw new ConfigError(['environment: COUPA_BASE_URL: required for a live connector']);
    const modules = opts.modules ?? FLOW_MODULES;
    const enabledModules = modules.filter((m) => config.flows[m.name]?.enabled !== false);

    const clientName = opts.clientName ?? DEFAULT_CLIENT_NAME;
    const salesforce = new SalesforceClient({
      auth: salesforceAuth(config),
      clientName,
      bulkThreshold: config.limits.salesforce.bulkThreshold,
      collectionSize: config.limits.salesforce.collectionSize,
      apiReserve: { fraction: config.limits.salesforce.apiReservePercent / 100 },
      timeoutMs: config.limits.salesforce.requestTimeoutSeconds * 1000,
      onCall: opts.metrics?.apiCallRecorder('salesforce')
    });
    const coupa = new CoupaClient({
      baseUrl: config.coupa.baseUrl,
      clientId: config.coupa.clientId,
      clientSecret: config.coupa.clientSecret ?? '',
      scopes: scopesFor(enabledModules),
      rateLimit: {
        ratePerSecond: config.limits.coupa.rateLimit.requestsPerSecond,
        burst: config.limits.coupa.rateLimit.burst
      },
      timeoutMs: config.limits.coupa.requestTimeoutSeconds * 1000,
      pageSize: config.limits.coupa.pageSize,
      onCall: opts.metrics?.apiCallRecorder('coupa')
    });

    const mappingsDir = opts.mappingsDir ?? DEFAULT_MAPPINGS_DIR;
    const mappings = fs.existsSync(mappingsDir) ? loadMappingDir(mappingsDir) : [];
    // Logging in up front both checks the connection and gives jsforce its instance URL before any flow runs.
    const connect = opts.connect !== false;
    if (connect) await salesforce.connect();
    const mappingWarnings: BuiltConnector['mappingWarnings'] = [];
    if (connect && opts.validateMappings !== false && mappings.length) {
      // Only "no such object" means the object is missing; any other failure (network, auth) stops start-up as itself.
      const describe = (sobject: string) =>
        salesforce.describe(sobject).catch((err: { code?: string; errorCode?: string }) => {
          if ((err.code ?? err.errorCode) === 'NOT_FOUND') return undefined;
          throw err;
        });
      const warnings = await assertMappingsValid(mappings, { coupaSchema: COUPA_SCHEMA, describe });
      // Notes, not faults: one line at start; each one at debug and in `coupa-sf doctor`.
      for (const w of warnings) {
        mappingWarnings.push({ file: w.file, path: w.path, message: w.message });
        logger.debug({ file: w.file, path: w.path }, w.message);
      }
      logger.info({ mappings: mappings.length, notes: warnings.length }, 'mappings valid against the describe and the Coupa schema (notes: coupa-sf doctor)');
    }

    const engine = new SyncEngine({
      store,
      logger,
      ...engineOptionsFromConfig(config.engine, config.limits),
      ...(opts.metrics ? { onRunFinished: opts.metrics.recordRun } : {})
    });
    const byName = new Map(mappings.map((m) => [m.name, m]));
    const flows: RegisteredFlow[] = [];
    const streaming = config.streaming;
    const streamed: Array<{ definition: FlowDefinition<any, any>; followUps: string[] }> = [];
    for (const module of modules) {
      const flowConfig = config.flows[module.name];
      const deps: FlowDeps = {
        coupa,
        salesforce,
        store,
        logger: logger.child({ flow: module.name }),
        mappings: byName,
        options: flowConfig.options,
        coupaBaseUrl: config.coupa.baseUrl,
        salesforceClientName: clientName
      };
      const definitions = module.build(deps);
      // The module's flow that reads Salesforce streams; its poll becomes the safety net. Companions reading Coupa in
      // its link group (status write-back, the other direction) run at once after it created records.
      const main = streaming.enabled && flowConfig.enabled && (streaming.flows as string[]).includes(module.name)
        ? definitions.find((d) => d.source.system === 'salesforce')
        : undefined;
      if (main) {
        const group = main.linkGroup ?? main.name;
        streamed.push({ definition: main, followUps: definitions.filter((d) => (d.linkGroup ?? d.name) === group && d.source.system === 'coupa').map((d) => d.name) });
      }
      for (const [i, definition] of definitions.entries()) {
        const reg = registerOptionsFromConfig(flowConfig);
        // connector.yaml's schedule is the module's main (first) flow's; companion flows (status write-back,
        // the other direction) keep the schedule the flow derived from its options, when it has one.
        if (i > 0 && 'schedule' in definition.trigger && definition.trigger.schedule) delete reg.schedule;
        if (definition === main) reg.schedule = streaming.safetyNetSchedule;
        engine.register(definition, reg);
        const schedule =
          reg.schedule ?? ('schedule' in definition.trigger ? (definition.trigger.schedule ?? null) : null);
        flows.push({ module, definition, enabled: flowConfig.enabled, schedule });
      }
    }
    const streams = streamed.length
      ? new StreamTriggers({
          engine,
          store,
          logger: logger.child({ component: 'streams' }),
          flows: streamed,
          transport: changeStreamFactory(config, salesforce),
          ownClientName: clientName,
          retry: { baseDelayMs: config.engine.baseDelayMs, maxDelayMs: config.engine.maxDelayMs },
          onLag: opts.metrics?.recordStreamLag,
        })
      : null;
    const mcp = config.mcp.enabled
      ? new AgentGateway(
          {
            store,
            engine,
            salesforce,
            logger: logger.child({ component: 'mcp' }),
            flows: () =>
              flows.map((f) => ({
                name: f.definition.name,
                enabled: f.enabled,
                trigger: f.definition.trigger.kind,
                schedule: f.schedule,
                source: { system: f.definition.source.system, object: f.definition.source.object },
                target: { system: f.definition.target.system, object: f.definition.target.object },
                group: f.definition.linkGroup ?? f.definition.name,
              })),
            definition: (name) => flows.find((f) => f.definition.name === name)?.definition,
          },
          config.mcp,
          config.adminToken,
        )
      : null;
    return {
      config,
      store,
      vault,
      mcp,
      salesforce,
      coupa,
      engine,
      flows,
      mappings,
      mappingWarnings,
      streams,
      async close() {
        await streams?.stop();
        await engine.stop();
        await store.close();
      }
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
