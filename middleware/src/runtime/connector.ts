/** A running connector: the engine with its schedules plus the HTTP surface. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createHttpApp } from '../http/app';
import { createMetrics } from '../http/metrics';
import { buildConnector, type BuildOptions, type BuiltConnector } from './build';
import { engineFlowControl } from './flow-control';

export interface RunningConnector extends BuiltConnector {
  url: string;
  stop(): Promise<void>;
}

export async function startConnector(
  opts: BuildOptions & { host?: string; logger: Logger }
): Promise<RunningConnector> {
  const built = await buildConnector(opts);
  let ready = false;
  const adminTokens = built.config.adminToken ? [built.config.adminToken] : [];
  if (!adminTokens.length) opts.logger.warn('ADMIN_TOKEN is not set: the admin API refuses every request');
  const app = createHttpApp({
    store: built.store,
    control: engineFlowControl(built, () => ready),
    adminTokens,
    logger: opts.logger,
    metrics: createMetrics()
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(built.config.port, opts.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await built.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  await built.engine.start();
  await built.streams?.start();
  ready = true;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  opts.logger.info({ url, flows: built.flows.map((f) => f.definition.name) }, 'connector started');
  return {
    ...built,
    url,
    async stop() {
      ready = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await built.close();
    }
  };
}
