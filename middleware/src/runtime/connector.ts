/** A running connector: the engine with its schedules plus the HTTP surface. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from '../config';
import { createHttpApp } from '../http/app';
import { createMetrics, type Metrics } from '../http/metrics';
import { lastSuccessfulRun } from '../http/run-history';
import { buildConnector, type BuildOptions, type BuiltConnector } from './build';
import { engineFlowControl } from './flow-control';

export interface RunningConnector extends BuiltConnector {
  url: string;
  metrics: Metrics;
  stop(): Promise<void>;
}

/** Points the metrics' scrape-time gauges at a built connector. */
export function attachMetrics(metrics: Metrics, built: BuiltConnector): void {
  const { store } = built;
  metrics.attach({
    flows: () => built.flows.map((f) => f.definition.name),
    countOpen: () => store.countOpen(),
    lastSuccess: async (flow) => {
      const run = await lastSuccessfulRun(store, flow);
      return run?.finishedAt ? new Date(run.finishedAt) : null;
    },
    paused: async (flow) => (await store.getFlowState(flow)).paused,
    salesforceApiUsage: () => built.salesforce.budget.usage
  });
}

export async function startConnector(
  opts: BuildOptions & { host?: string; logger: Logger }
): Promise<RunningConnector> {
  const metrics = opts.metrics ?? createMetrics();
  const built = await buildConnector({ ...opts, metrics });
  attachMetrics(metrics, built);
  let ready = false;
  const adminTokens = built.config.adminToken ? [built.config.adminToken] : [];
  if (!adminTokens.length) opts.logger.warn('ADMIN_TOKEN is not set: the admin API refuses every request');
  const app = createHttpApp({
    store: built.store,
    control: engineFlowControl(built, () => ready),
    adminTokens,
    logger: opts.logger,
    metrics,
    mcp: built.mcp
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(built.config.port, opts.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await built.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const host = opts.host ?? '127.0.0.1';
      const why = code === 'EADDRINUSE' ? 'is in use' : 'needs privileges to bind';
      throw new ConfigError([`environment: PORT: port ${built.config.port} on ${host} ${why}; set PORT to a free port (or HOST to another address)`]);
    }
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  await built.engine.start();
  await built.streams?.start();
  ready = true;
  // Agent writes an operator approved that a stopped process left unfinished (see AgentGateway.recoverInterrupted).
  const recovery = built.mcp
    ?.recoverInterrupted()
    .catch((err: unknown) => opts.logger.error({ err }, 'could not recover interrupted agent approvals'));
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  opts.logger.info({ url, flows: built.flows.map((f) => f.definition.name) }, 'connector started');
  return {
    ...built,
    url,
    metrics,
    async stop() {
      ready = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await recovery;
      await built.close();
    }
  };
}
