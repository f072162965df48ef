/**
 * The OpenAPI document and the routes the app serves agree: every documented operation is answered by a route (not
 * the catch-all 404), and every route the app registers is documented with its method.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import YAML from 'yaml';
import { AgentGateway, mcpFileSchema, resolveAgentTokens } from '../mcp';
import { openStateStore, type StateStore } from '../store';
import { createHttpApp } from './app';
import type { FlowControl } from './flow-control';
import { createMetrics } from './metrics';

const ADMIN = 'openapi-test-admin-token-0123456789';
const AGENT = 'openapi-test-agent-token-0123456789';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Doc = { paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>> };
const doc = YAML.parse(fs.readFileSync(path.join(__dirname, 'openapi.yaml'), 'utf8')) as Doc;

const unused = () => {
  throw new Error('not called by this test');
};

describe('OpenAPI document', () => {
  let store: StateStore;
  let app: ReturnType<typeof createHttpApp>;

  beforeAll(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
    const problems: string[] = [];
    const mcpConfig = resolveAgentTokens(
      mcpFileSchema.parse({ tokens: [{ name: 'doc-agent', tokenEnv: 'DOC_AGENT', role: 'agent' }] }),
      { DOC_AGENT: AGENT },
      problems,
    );
    expect(problems).toEqual([]);
    const logger = pino({ level: 'silent' });
    const gateway = new AgentGateway(
      { store, engine: { ingest: unused, plan: unused, replay: unused, resolveConflict: unused, status: unused }, salesforce: { queryAll: unused, create: unused }, flows: () => [], definition: () => undefined, logger },
      mcpConfig,
      ADMIN,
    );
    const control = { listFlows: () => [], isReady: () => true } as unknown as FlowControl;
    app = createHttpApp({ store, control, adminTokens: [ADMIN], logger, metrics: createMetrics(), mcp: gateway });
  });
  afterAll(() => store.close());

  const operations = Object.entries(doc.paths).flatMap(([p, ops]) => METHODS.filter((m) => ops[m]).map((m) => [m, p] as const));

  it.each(operations)('%s %s is served', async (method, p) => {
    const url = p.replace('{flow}', 'invoice-status').replace('{id}', p.includes('approvals') ? 'apr-00000000-0000-4000-8000-000000000000' : '1').replace('{key}', 'coupa:invoices:1');
    const token = p === '/mcp' ? AGENT : ADMIN;
    const res = await request(app)[method](url).set('Authorization', `Bearer ${token}`).set('Accept', 'application/json, text/event-stream').send(method === 'post' ? {} : undefined);
    expect(res.body).not.toEqual({ error: 'not_found', message: 'no such endpoint' });
    expect(res.status).not.toBe(401);
  });

  it('documents every route the app registers, with its method', () => {
    type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
    const routes: Array<{ method: string; path: string }> = [];
    const walk = (stack: Layer[]) => {
      for (const layer of stack) {
        if (layer.route) {
          const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
          const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
          const all = layer.route.methods._all ? ['get', 'post', 'delete'] : [];
          for (const rp of paths) for (const m of [...methods, ...all]) routes.push({ method: m, path: rp.replace(/:(\w+)/g, '{$1}') });
        } else if (layer.handle?.stack) walk(layer.handle.stack);
      }
    };
    walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(20);
    // The console's page and files and the redirects to it are not API (GET only); `/` inside the /mcp router is /mcp.
    const consolePaths = ['/', '/admin', '/admin/', '/console.js', '/console.css'];
    const documented = (r: { method: string; path: string }) =>
      (r.method === 'get' && consolePaths.includes(r.path)) ||
      Object.entries(doc.paths).some(([p, ops]) => (r.path === '/' ? p === '/mcp' : p.endsWith(r.path)) && Boolean(ops[r.method as (typeof METHODS)[number]]));
    const missing = routes.filter((r) => !documented(r));
    expect(missing).toEqual([]);
  });
});
