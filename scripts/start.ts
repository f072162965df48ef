/**
 * `npm start`: the live connector when Salesforce and Coupa connections are configured, otherwise the sandbox.
 * Bad configuration stops here with every problem listed (`source: path: reason`).
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../middleware/src/config';
import { MappingConfigError } from '../middleware/src/mapping';
import { runLive } from '../middleware/src/cli/commands/start';
import { sandboxPortsFromEnv } from './sandbox/ports';
import { startSandbox } from './sandbox/sandbox';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mode === 'live') {
    await runLive(config);
    return;
  }
  const started = Date.now();
  const ports = sandboxPortsFromEnv();
  const sandbox = await startSandbox({
    connectorPort: ports.connector,
    salesforcePort: ports.salesforce,
    coupaPort: ports.coupa,
    previewPort: ports.preview,
    preview: ports.previewOn,
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    adminToken: config.adminToken,
    settingsFile: config.sandboxSettingsFile,
    conflictStory: true
  });
  // A token the operator chose is not echoed back; a generated one is shown so the sandbox can be used at once.
  const token = config.adminToken ? '$ADMIN_TOKEN' : sandbox.adminToken;
  const relative = path.relative(process.cwd(), config.sandboxSettingsFile);
  const settingsShown = relative && !relative.startsWith('..') ? relative : config.sandboxSettingsFile;
  const c = sandbox.connector;
  const account = (ref: string) =>
    sandbox.previewUrl ? `${sandbox.previewUrl}/lightning/r/Account/${sandbox.accounts[ref]}/view` : null;
  const lines = [
    '',
    `Coupa ⇄ Salesforce connector sandbox is running (${((Date.now() - started) / 1000).toFixed(1)} s).`,
    '',
    `  Admin console    ${c.url}/console${config.adminToken ? '   (sign in with $ADMIN_TOKEN)' : `#token=${sandbox.adminToken}`}`,
    `  Admin API        ${c.url}/api/v1/flows     (Authorization: Bearer ${token})`,
    `  Agent gateway    ${c.url}/mcp     (MCP; Authorization: Bearer ${sandbox.agentToken}; writes wait for approval in the console)`,
    `  Health, metrics  ${c.url}/healthz  ${c.url}/metrics`,
    `  Salesforce emu   ${sandbox.salesforce.url}    (REST, SOQL, Bulk 2.0, CometD)`,
    `  Coupa emu        ${sandbox.coupa.url}/api    (control: ${sandbox.coupa.url}/__control)`,
    sandbox.previewUrl
      ? `  LWC preview      ${account('NorthwindRef')}`
      : '  LWC preview      off (SANDBOX_PREVIEW=false)',
    '',
    `  Flows: ${c.flows.map((f) => f.definition.name).join(', ') || '(none registered)'}`,
    '',
    'Try it (copy into another shell; README "Watching the flows" explains each step):',
    `  export ADMIN="${token}" API=${c.url}`,
    `  export SF=${sandbox.salesforce.url}/services/data/v62.0 SF_TOKEN="${sandbox.personTokens.salesforce}"`,
    `  export COUPA=${sandbox.coupa.url}/api COUPA_TOKEN="${sandbox.personTokens.coupa}"`,
    `  export OPP=${sandbox.accounts.FabrikamRollout} VENDOR=${sandbox.accounts.OReillyRef} CONTRACT=${sandbox.accounts.ContosoFreight} MSA=${sandbox.accounts.NorthwindMsa}`,
    '',
    `CLI against this sandbox: npx coupa-sf doctor | sync <flow> --dry-run | replay <id> | quarantine list | mcp (settings in ${settingsShown}, mode 0600).`,
    'Ctrl+C stops everything. The sandbox state store is data/sandbox.db (recreated on each start).',
    ''
  ];
  process.stdout.write(lines.join('\n'));
  sandbox.conflictReady?.then(
    ({ conflicts }) =>
      process.stdout.write(
        `Needs a person: ${conflicts.length === 1 ? 'a conflict' : `${conflicts.length} conflicts`} on the Northwind Traders master supply agreement (${[...new Set(conflicts.map((x) => x.field))].join(', ')} edited in both systems); resolve it in the console: ${c.url}/console#/conflicts\n`
      ),
    (err: Error) => process.stdout.write(`The sandbox's contract conflict was not staged: ${err.message}\n`)
  );
  sandbox.previewReady?.then(
    () => process.stdout.write(`LWC preview ready: ${account('NorthwindRef')}\n`),
    (err: Error) => process.stdout.write(`LWC preview unavailable: ${err.message}\n`)
  );
  const stop = async () => {
    await sandbox.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof MappingConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
