/**
 * `npm start`: the live connector when Salesforce and Coupa connections are configured, otherwise the sandbox.
 * Bad configuration stops here with every problem listed (`source: path: reason`).
 */
import { ConfigError, loadConfig } from '../middleware/src/config';
import { MappingConfigError } from '../middleware/src/mapping';
import { runLive } from '../middleware/src/cli/commands/start';
import { startSandbox } from './sandbox/sandbox';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mode === 'live') {
    await runLive(config);
    return;
  }
  const started = Date.now();
  const sandbox = await startSandbox({
    connectorPort: Number(process.env.PORT ?? 3000),
    salesforcePort: Number(process.env.SANDBOX_SALESFORCE_PORT ?? 4410),
    coupaPort: Number(process.env.SANDBOX_COUPA_PORT ?? 4420),
    previewPort: Number(process.env.SANDBOX_PREVIEW_PORT ?? 4430),
    preview: process.env.SANDBOX_PREVIEW !== 'false',
    logLevel: process.env.LOG_LEVEL ?? 'warn'
  });
  const c = sandbox.connector;
  const account = (ref: string) =>
    sandbox.previewUrl ? `${sandbox.previewUrl}/lightning/r/Account/${sandbox.accounts[ref]}/view` : null;
  const lines = [
    '',
    `Coupa ⇄ Salesforce connector sandbox is running (${((Date.now() - started) / 1000).toFixed(1)} s).`,
    '',
    `  Admin API        ${c.url}/api/v1/flows     (Authorization: Bearer ${sandbox.adminToken})`,
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
    `  export ADMIN="${sandbox.adminToken}" API=${c.url}`,
    `  export SF=${sandbox.salesforce.url}/services/data/v62.0 SF_TOKEN="${sandbox.personTokens.salesforce}"`,
    `  export COUPA=${sandbox.coupa.url}/api COUPA_TOKEN="${sandbox.personTokens.coupa}"`,
    `  export OPP=${sandbox.accounts.FabrikamRollout} VENDOR=${sandbox.accounts.OReillyRef} CONTRACT=${sandbox.accounts.ContosoFreight}`,
    '',
    'Ctrl+C stops everything. The sandbox state store is data/sandbox.db (recreated on each start).',
    ''
  ];
  process.stdout.write(lines.join('\n'));
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
