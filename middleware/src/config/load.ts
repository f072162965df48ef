import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { registerSecret } from '../log';
import { envSchema, type EnvConfig } from './env-schema';
import { ConfigError, describeIssues } from './errors';
import { connectorFileSchema, type ConnectorFileConfig } from './file-schema';
import { resolveAgentTokens, type McpConfig } from '../mcp/config';

export type SalesforceAuth =
  | { kind: 'client-credentials'; clientId: string; clientSecret?: string }
  | { kind: 'jwt'; clientId: string; username: string; privateKeyFile: string };

export interface SalesforceSettings {
  loginUrl: string;
  auth: SalesforceAuth;
  /** Pub/Sub API endpoint (SALESFORCE_PUBSUB_URL; default Salesforce's global endpoint). */
  pubsubUrl: string;
}

export const DEFAULT_PUBSUB_URL = 'https://api.pubsub.salesforce.com:7443';

export interface CoupaSettings {
  baseUrl: string;
  clientId: string;
  clientSecret?: string;
}

export interface ConnectorConfig {
  /** `sandbox` when no Salesforce or Coupa connection is configured: `npm start` runs the emulators. */
  mode: 'sandbox' | 'live';
  salesforce: SalesforceSettings | null;
  coupa: CoupaSettings | null;
  flows: ConnectorFileConfig['flows'];
  engine: ConnectorFileConfig['engine'];
  /** Change Data Capture triggers for the Salesforce-triggered flows. */
  streaming: ConnectorFileConfig['streaming'];
  /** The agent gateway (MCP); agent tokens' secrets come from the environment variables the file names. */
  mcp: McpConfig;
  /** API budget settings from connector.yaml (apply to the emulators in sandbox mode too). */
  limits: { salesforce: ConnectorFileConfig['salesforce']; coupa: ConnectorFileConfig['coupa'] };
  databaseUrl?: string;
  sqlitePath?: string;
  port: number;
  /** Address the admin API listens on (`HOST`, default 127.0.0.1). */
  host: string;
  masterKey?: string;
  adminToken?: string;
  logLevel: EnvConfig['LOG_LEVEL'];
  /** `LOG_FORMAT`: auto (pretty on a terminal), json or pretty. */
  logFormat: EnvConfig['LOG_FORMAT'];
  /** The running sandbox's connection settings file (written by `npm start`, read by the CLI), absolute. */
  sandboxSettingsFile: string;
  /** The connector.yaml that was read, or null when defaults were used. */
  configFile: string | null;
}

export const DEFAULT_CONFIG_FILE = path.join('config', 'connector.yaml');

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of connector.yaml; defaults to `CONNECTOR_CONFIG` or `config/connector.yaml` under `cwd`. */
  configFile?: string;
  cwd?: string;
}

function readFileConfig(file: string, label: string, problems: string[]): ConnectorFileConfig | null {
  let raw: unknown = {};
  if (fs.existsSync(file)) {
    const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: true });
    if (doc.errors.length) {
      problems.push(...doc.errors.map((e) => `${label}: ${e.message.split('\n')[0]}`));
      return null;
    }
    raw = doc.toJS() ?? {};
  }
  const parsed = connectorFileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...describeIssues(label, parsed.error.issues));
    return null;
  }
  return parsed.data;
}

function salesforceFrom(env: EnvConfig, cwd: string, masterKeySet: boolean, problems: string[]): SalesforceSettings | null {
  const vars = ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET', 'SALESFORCE_USERNAME', 'SALESFORCE_PRIVATE_KEY_FILE'] as const;
  if (!vars.some((v) => env[v] !== undefined)) return null;
  const missing = (name: string, why: string) => problems.push(`environment: ${name}: required ${why}`);
  if (!env.SALESFORCE_LOGIN_URL) missing('SALESFORCE_LOGIN_URL', 'when any SALESFORCE_* variable is set');
  if (!env.SALESFORCE_CLIENT_ID) missing('SALESFORCE_CLIENT_ID', 'for both the client-credentials and the JWT bearer flow');
  const jwt = env.SALESFORCE_USERNAME !== undefined || env.SALESFORCE_PRIVATE_KEY_FILE !== undefined;
  if (jwt) {
    if (!env.SALESFORCE_USERNAME) missing('SALESFORCE_USERNAME', 'with SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow)');
    if (!env.SALESFORCE_PRIVATE_KEY_FILE) missing('SALESFORCE_PRIVATE_KEY_FILE', 'with SALESFORCE_USERNAME (JWT bearer flow)');
    else if (!fs.existsSync(path.resolve(cwd, env.SALESFORCE_PRIVATE_KEY_FILE))) {
      problems.push(`environment: SALESFORCE_PRIVATE_KEY_FILE: file not found: ${env.SALESFORCE_PRIVATE_KEY_FILE}`);
    }
  } else if (!env.SALESFORCE_CLIENT_SECRET && !masterKeySet) {
    missing('SALESFORCE_CLIENT_SECRET', '(client-credentials flow) unless it is in the credential store (needs CONNECTOR_MASTER_KEY)');
  }
  if (!env.SALESFORCE_LOGIN_URL || !env.SALESFORCE_CLIENT_ID) return null;
  const auth: SalesforceAuth = jwt
    ? {
        kind: 'jwt',
        clientId: env.SALESFORCE_CLIENT_ID,
        username: env.SALESFORCE_USERNAME ?? '',
        privateKeyFile: path.resolve(cwd, env.SALESFORCE_PRIVATE_KEY_FILE ?? ''),
      }
    : { kind: 'client-credentials', clientId: env.SALESFORCE_CLIENT_ID, clientSecret: env.SALESFORCE_CLIENT_SECRET };
  return { loginUrl: env.SALESFORCE_LOGIN_URL.replace(/\/+$/, ''), auth, pubsubUrl: env.SALESFORCE_PUBSUB_URL?.replace(/\/+$/, '') ?? DEFAULT_PUBSUB_URL };
}

function coupaFrom(env: EnvConfig, masterKeySet: boolean, problems: string[]): CoupaSettings | null {
  const vars = ['COUPA_BASE_URL', 'COUPA_CLIENT_ID', 'COUPA_CLIENT_SECRET'] as const;
  if (!vars.some((v) => env[v] !== undefined)) return null;
  if (!env.COUPA_BASE_URL) problems.push('environment: COUPA_BASE_URL: required when any COUPA_* variable is set');
  if (!env.COUPA_CLIENT_ID) problems.push('environment: COUPA_CLIENT_ID: required when any COUPA_* variable is set');
  if (!env.COUPA_CLIENT_SECRET && !masterKeySet) {
    problems.push('environment: COUPA_CLIENT_SECRET: required unless it is in the credential store (needs CONNECTOR_MASTER_KEY)');
  }
  if (!env.COUPA_BASE_URL || !env.COUPA_CLIENT_ID) return null;
  return { baseUrl: env.COUPA_BASE_URL.replace(/\/+$/, ''), clientId: env.COUPA_CLIENT_ID, clientSecret: env.COUPA_CLIENT_SECRET };
}

/**
 * Reads the environment and connector.yaml, validates both and returns the typed config.
 * Throws one ConfigError listing every problem (`source: path: reason`); secrets never appear in it.
 */
export function loadConfig(opts: LoadConfigOptions = {}): ConnectorConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: string[] = [];

  const envParsed = envSchema.safeParse(env);
  if (!envParsed.success) problems.push(...describeIssues('environment', envParsed.error.issues));

  const configFile = opts.configFile ?? env.CONNECTOR_CONFIG ?? DEFAULT_CONFIG_FILE;
  const absFile = path.resolve(cwd, configFile);
  if (opts.configFile !== undefined && !fs.existsSync(absFile)) problems.push(`${configFile}: file not found`);
  const file = readFileConfig(absFile, configFile, problems);

  if (!envParsed.success || !file) throw new ConfigError(problems);
  const e = envParsed.data;
  const masterKeySet = e.CONNECTOR_MASTER_KEY !== undefined;
  const salesforce = salesforceFrom(e, cwd, masterKeySet, problems);
  const coupa = coupaFrom(e, masterKeySet, problems);
  if ((salesforce === null) !== (coupa === null) && problems.length === 0) {
    problems.push(
      salesforce
        ? 'environment: COUPA_BASE_URL: required when Salesforce is configured (both systems or neither, for the sandbox)'
        : 'environment: SALESFORCE_LOGIN_URL: required when Coupa is configured (both systems or neither, for the sandbox)',
    );
  }
  const mcp = resolveAgentTokens(file.mcp, env, problems);
  if (e.ADMIN_TOKEN && mcp.tokens.some((t) => t.secret === e.ADMIN_TOKEN)) {
    problems.push('mcp.tokens: an agent token equals ADMIN_TOKEN; agent tokens must be distinct (to let agents use the admin token, set mcp.acceptAdminToken)');
  }
  if (problems.length) throw new ConfigError(problems);

  for (const secret of [e.SALESFORCE_CLIENT_SECRET, e.COUPA_CLIENT_SECRET, e.CONNECTOR_MASTER_KEY, e.ADMIN_TOKEN, ...mcp.tokens.map((t) => t.secret)]) {
    registerSecret(secret);
  }
  if (e.DATABASE_URL) registerSecret(passwordOf(e.DATABASE_URL));

  return {
    mode: salesforce && coupa ? 'live' : 'sandbox',
    salesforce,
    coupa,
    flows: file.flows,
    engine: file.engine,
    streaming: file.streaming,
    mcp,
    limits: { salesforce: file.salesforce, coupa: file.coupa },
    databaseUrl: e.DATABASE_URL,
    sqlitePath: e.SQLITE_PATH,
    port: e.PORT,
    host: e.HOST,
    masterKey: e.CONNECTOR_MASTER_KEY,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    sandboxSettingsFile: path.resolve(cwd, e.SANDBOX_SETTINGS_FILE ?? path.join('data', 'sandbox.json')),
    configFile: fs.existsSync(absFile) ? absFile : null,
  };
}

function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** Vault names for secrets that may live in the credential store instead of the environment. */
export const CREDENTIAL_NAMES = {
  salesforceClientSecret: 'salesforce.client_secret',
  coupaClientSecret: 'coupa.client_secret',
} as const;

/**
 * Fills secrets missing from the environment from the credential store. Throws a ConfigError naming
 * each credential that is still missing.
 */
export async function resolveSecrets(
  config: ConnectorConfig,
  vault: { get(name: string): Promise<string | null> } | null,
): Promise<ConnectorConfig> {
  const problems: string[] = [];
  const fromVault = async (name: string, envVar: string): Promise<string | undefined> => {
    const value = vault ? await vault.get(name) : null;
    if (value === null) {
      problems.push(`credentials: ${name}: missing (set ${envVar} or run \`coupa-sf credentials set ${name}\`)`);
      return undefined;
    }
    registerSecret(value);
    return value;
  };
  let salesforce = config.salesforce;
  if (salesforce?.auth.kind === 'client-credentials' && !salesforce.auth.clientSecret) {
    const clientSecret = await fromVault(CREDENTIAL_NAMES.salesforceClientSecret, 'SALESFORCE_CLIENT_SECRET');
    salesforce = { ...salesforce, auth: { ...salesforce.auth, clientSecret } };
  }
  let coupa = config.coupa;
  if (coupa && !coupa.clientSecret) {
    coupa = { ...coupa, clientSecret: await fromVault(CREDENTIAL_NAMES.coupaClientSecret, 'COUPA_CLIENT_SECRET') };
  }
  if (problems.length) throw new ConfigError(problems);
  return { ...config, salesforce, coupa };
}
