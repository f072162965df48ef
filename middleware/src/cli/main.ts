/** `coupa-sf` command line: start, sync, doctor, scopes, permissions, replay, quarantine, credentials. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig, type ConnectorConfig } from '../config';
import { createLogger } from '../log';
import { buildConnector, openStore, type BuiltConnector } from '../runtime/build';
import type { StateStore } from '../store';
import { Vault } from '../vault';
import { withSandboxAgentToken } from '../mcp/config';
import { serveStdio, STDIO_TOKEN_ENV } from '../mcp/stdio';
import { doctor, formatDoctorReport } from './commands/doctor';
import { listQuarantineCommand, releaseQuarantineCommand } from './commands/quarantine';
import { printPermissions, permissionsReport } from './commands/permissions';
import { printScopes, scopesReport } from './commands/scopes';
import { runLive } from './commands/start';
import { syncFlow } from './commands/sync';
import { readSandboxSettings, sandboxEnv } from './sandbox-settings';

const out = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

/** The package's version (package.json at the repository root). */
export function connectorVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The configuration a command acts with: the environment's connections when configured; otherwise those of the
 * sandbox running now (its settings file, written by `npm start`), said on standard error.
 */
export function commandConfig(env: NodeJS.ProcessEnv = process.env, say: (line: string) => void = note): ConnectorConfig {
  const config = loadConfig({ env });
  if (config.mode === 'live') return config;
  const found = readSandboxSettings(config.sandboxSettingsFile);
  if (found.status !== 'running') {
    const why = found.status === 'absent' ? `no sandbox is running (${config.sandboxSettingsFile} does not exist)` : found.reason;
    throw new ConfigError([
      `environment: SALESFORCE_LOGIN_URL and COUPA_BASE_URL: this command needs both connections configured, or a running sandbox (npm start); ${why}`
    ]);
  }
  const s = found.settings;
  say(`using the sandbox running at ${s.connectorUrl} (settings: ${config.sandboxSettingsFile})`);
  const sandbox = loadConfig({ env: { ...env, ...sandboxEnv(s) }, configFile: s.configFile });
  for (const [flow, options] of Object.entries(s.flowOptions)) {
    const f = sandbox.flows[flow as keyof typeof sandbox.flows];
    if (f) f.options = { ...options, ...f.options };
  }
  if (s.agentToken) sandbox.mcp = withSandboxAgentToken(sandbox.mcp, s.agentToken);
  return sandbox;
}

/** The agent token of the sandbox running now, when no connection is configured (`npm start` stores it). */
function runningSandboxAgentToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const config = loadConfig({ env });
  if (config.mode === 'live') return undefined;
  const found = readSandboxSettings(config.sandboxSettingsFile);
  return found.status === 'running' ? found.settings.agentToken : undefined;
}

async function withConnector<T>(
  fn: (c: BuiltConnector, config: ConnectorConfig) => Promise<T>,
  build: { validateMappings?: boolean; connect?: boolean } = {}
): Promise<T> {
  const config = commandConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, destination: process.stderr });
  const connector = await buildConnector({ config, logger, ...build });
  try {
    return await fn(connector, config);
  } finally {
    await connector.close();
  }
}

/** The state store alone (no connections needed), in any mode. */
async function withStore<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // With no connections configured, the running sandbox's state store (if one runs), else the configured file.
  const running = config.mode === 'sandbox' && readSandboxSettings(config.sandboxSettingsFile).status === 'running';
  const store = await openStore(running ? commandConfig() : config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function withVault<T>(fn: (vault: Vault) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (!config.masterKey)
    throw new ConfigError(['environment: CONNECTOR_MASTER_KEY: required to read or write stored credentials']);
  const store = await openStore(config);
  try {
    return await fn(await Vault.open(store, config.masterKey));
  } finally {
    await store.close();
  }
}

/** A secret from a file or standard input, never from the command line (where `ps` and shell history see it). */
function readSecret(file?: string): string {
  const text = fs.readFileSync(file ?? 0, 'utf8').replace(/\r?\n$/, '');
  if (!text) throw new Error('no secret given on standard input');
  return text;
}

export function buildCli(): Command {
  const program = new Command('coupa-sf')
    .description('Coupa ⇄ Salesforce connector')
    .version(connectorVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the connector: flows on their schedules plus the admin API')
    .action(async () => runLive(loadConfig()));

  program
    .command('sync <flow>')
    .description('run one flow once (both directions of a two-way flow)')
    .option('--dry-run', 'read and map only: print each payload, write nothing, keep the checkpoint')
    .option('--limit <n>', 'records to read in a dry run', (v) => Number(v), 50)
    .action(async (flow: string, opts: { dryRun?: boolean; limit: number }) => {
      process.exitCode = await withConnector((c) =>
        syncFlow(c, flow, opts, out, createLogger({ destination: process.stderr }))
      );
    });

  program
    .command('doctor')
    .description('check connectivity, Coupa scopes, Salesforce access and mappings: every check, every failure with what to do')
    .action(async () => {
      const checks = await withConnector(doctor, { connect: false, validateMappings: false });
      for (const line of formatDoctorReport(checks)) out(line);
      process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
    });

  program
    .command('scopes')
    .description('the Coupa OAuth scopes the enabled flows need (one per line), to grant to the OAuth client in Coupa')
    .option('--config <file>', 'read this connector.yaml instead of CONNECTOR_CONFIG or config/connector.yaml')
    .option('--all', 'every flow, enabled or not')
    .option('--by-flow', 'each scope followed by the flows that need it')
    .action((opts: { config?: string; all?: boolean; byFlow?: boolean }) => {
      // Only the flow settings are read: no connection or secret is needed, and none is printed.
      const config = loadConfig({ configFile: opts.config });
      const source = config.configFile ? path.relative(process.cwd(), config.configFile) || config.configFile : 'the defaults (no connector.yaml)';
      printScopes(scopesReport(config, { all: opts.all }), source, out, note, { byFlow: opts.byFlow });
    });

  program
    .command('permissions')
    .description("the Salesforce objects and fields the enabled flows need, with the rights and the flows that need them")
    .option('--config <file>', 'read this connector.yaml instead of CONNECTOR_CONFIG or config/connector.yaml')
    .option('--all', 'every flow, enabled or not')
    .action((opts: { config?: string; all?: boolean }) => {
      const config = loadConfig({ configFile: opts.config });
      const source = config.configFile ? path.relative(process.cwd(), config.configFile) || config.configFile : 'the defaults (no connector.yaml)';
      printPermissions(permissionsReport(config, { all: opts.all }), source, out, note);
    });

  program
    .command('replay <deadLetterId>')
    .description('replay a dead letter through its flow')
    .action(async (id: string) => {
      const result = await withConnector((c) => c.engine.replay(Number(id), 'cli'));
      out(
        result.ok ? `dead letter ${id} replayed` : `dead letter ${id} failed again: ${result.error ?? 'unknown error'}`
      );
      process.exitCode = result.ok ? 0 : 1;
    });

  program
    .command('mcp')
    .description('serve the agent gateway (MCP tools) over stdio; the agent token comes from COUPA_SF_MCP_TOKEN')
    .action(async () => {
      // Against the running sandbox, its agent token unless one is given.
      const sandboxToken = process.env[STDIO_TOKEN_ENV] ? undefined : runningSandboxAgentToken();
      const env = sandboxToken ? { ...process.env, [STDIO_TOKEN_ENV]: sandboxToken } : process.env;
      await withConnector((c) => serveStdio(c.mcp, env), { validateMappings: false });
    });

  const quarantine = program
    .command('quarantine')
    .description('records the ping-pong breaker stopped syncing, and releasing them');
  quarantine
    .command('list')
    .description('quarantined records: flow (link group), record key, since when, why')
    .option('--flow <flow>', 'only this flow (link group)')
    .action(async (opts: { flow?: string }) => {
      process.exitCode = await withStore((store) => listQuarantineCommand(store, out, opts.flow));
    });
  quarantine
    .command('release <flow> <recordKey>')
    .description('release a quarantined record (audited); it syncs again on its next change')
    .action(async (flow: string, recordKey: string) => {
      process.exitCode = await withStore((store) => releaseQuarantineCommand(store, flow, recordKey, out));
    });

  const credentials = program.command('credentials').description('manage secrets in the encrypted credential store');
  credentials
    .command('set <name>')
    .description('store a secret read from standard input (or --file), e.g. coupa.client_secret')
    .option('--file <path>', 'read the secret from this file')
    .action(async (name: string, opts: { file?: string }) => {
      const secret = readSecret(opts.file);
      await withVault((v) => v.set(name, secret, 'cli'));
      out(`stored ${name}`);
    });
  credentials
    .command('list')
    .description('names and update times of stored secrets (never their values)')
    .action(async () => {
      const list = await withVault((v) => v.list());
      for (const c of list) out(`${c.name}\tkey v${c.keyVersion}\tupdated ${c.updatedAt}`);
    });
  credentials
    .command('rotate')
    .description('re-encrypt every secret under NEW_CONNECTOR_MASTER_KEY')
    .action(async () => {
      const next = process.env.NEW_CONNECTOR_MASTER_KEY;
      if (!next) throw new ConfigError(['environment: NEW_CONNECTOR_MASTER_KEY: required for rotation']);
      const result = await withVault((v) => v.rotate(next, 'cli'));
      out(
        `re-encrypted ${result.rotated} secret(s) under key version ${result.keyVersion}; set CONNECTOR_MASTER_KEY to the new key`
      );
    });
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    });
}
