/**
 * The middleware side of the 100k backfill, in a process of its own so its peak RSS is the connector's alone (the
 * emulators run in the parent). Built by the runtime's own buildConnector from connector.yaml and the environment,
 * exactly as `npm start` with credentials would, with only invoice-status registered, in a Node process started as
 * bin/coupa-sf.js starts the connector (bin/connector-node.js). Prints one JSON line.
 */
import pino from 'pino';
import { loadConfig } from '../../middleware/src/config';
import { FLOW_MODULES } from '../../middleware/src/flows';
import { buildConnector } from '../../middleware/src/runtime/build';
import { CONFIG_FILE } from './config';

async function main(): Promise<void> {
  const config = loadConfig({ configFile: CONFIG_FILE });
  const logger = pino({ level: 'silent' });
  const modules = FLOW_MODULES.filter((m) => m.name === 'invoice-status');
  const connector = await buildConnector({ config, logger, modules, validateMappings: false });
  try {
    // Where the memory goes: the process once built (code, clients, store) and the peak of each part during the run.
    const atStart = process.memoryUsage();
    const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
    const sample = () => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
    };
    const sampler = setInterval(sample, 100);
    const t0 = performance.now();
    const summary = await connector.engine.runNow('invoice-status');
    const ms = performance.now() - t0;
    clearInterval(sampler);
    sample();
    const memory = { atStart: { rss: atStart.rss, heapUsed: atStart.heapUsed, external: atStart.external }, peak };
    process.stdout.write(
      `${JSON.stringify({ ms, summary, maxRssBytes: process.resourceUsage().maxRSS * 1024, memory, node: process.version })}\n`
    );
  } finally {
    await connector.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
