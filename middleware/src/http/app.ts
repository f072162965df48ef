/** The connector's HTTP surface: health, metrics, the admin API and its OpenAPI description. */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AgentGateway } from '../mcp/gateway';
import { approvalRoutes, mcpRoutes } from '../mcp/http';
import type { StateStore } from '../store/state-store';
import { requireToken } from './auth';
import { consoleRoutes } from './console';
import { errorHandler } from './errors';
import type { FlowControl } from './flow-control';
import type { Metrics } from './metrics';
import { flowRoutes } from './routes/flows';
import { recordRoutes } from './routes/records';

export interface HttpAppDeps {
  store: StateStore;
  control: FlowControl;
  adminTokens: readonly string[];
  logger: Logger;
  metrics: Metrics;
  /** The agent gateway: /mcp for agent tokens, /api/v1/approvals for operators. */
  mcp?: AgentGateway | null;
}

const OPENAPI = path.join(__dirname, 'openapi.yaml');

export function createHttpApp({ store, control, adminTokens, logger, metrics, mcp }: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.getFlowState('__readiness__');
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'state store unreachable' });
      return;
    }
    if (!control.isReady()) {
      res.status(503).json({ status: 'starting' });
      return;
    }
    res.json({ status: 'ready' });
  });

  // The console: its page and assets carry no data (the API calls it makes need the token).
  app.get(['/', '/admin', '/admin/'], (_req, res) => {
    res.redirect(302, '/console');
  });
  app.use('/console', consoleRoutes());

  // Agent tokens only: the admin token is refused there unless configured, and agent tokens never reach /api.
  if (mcp) app.use('/mcp', mcpRoutes(mcp, logger));

  const auth = requireToken(adminTokens);
  // The token is checked before a body is read: without one, nothing is parsed, decompressed or buffered.
  app.use('/api', auth, express.json({ limit: '1mb' }));
  app.get('/metrics', auth, async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.get('/api/v1/openapi.yaml', auth, (_req, res) => {
    res.type('application/yaml').send(fs.readFileSync(OPENAPI, 'utf8'));
  });
  app.use('/api/v1/flows', auth, flowRoutes(store, control));
  app.use('/api/v1', auth, recordRoutes(store, control));
  if (mcp) app.use('/api/v1', auth, approvalRoutes(mcp));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use(errorHandler(logger));
  return app;
}
