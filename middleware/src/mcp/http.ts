/** The gateway over HTTP: `/mcp` (Streamable HTTP, stateless, agent tokens only) and the operators' approval routes. */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from 'pino';
import { HttpError } from '../http/errors';
import type { ApprovalStatus } from '../store';
import type { AgentGateway, Principal } from './gateway';
import { createMcpServer } from './server';

const APPROVAL_ID = /^apr-[a-f0-9-]{36}$/;

/** Bearer agent token → principal; the admin token is refused unless `mcp.acceptAdminToken`. Checked before any body is read. */
function agentAuth(gateway: AgentGateway, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const result = gateway.authenticate(match?.[1]);
    if (!result.ok) {
      res.set('WWW-Authenticate', 'Bearer realm="coupa-connector-mcp"');
      if (result.reason === 'admin-token-refused') {
        logger.warn('the admin token was presented at /mcp; it is not an agent token (mcp.acceptAdminToken is off)');
        res.status(403).json({ error: 'forbidden', message: 'the admin token is not an agent token; configure an agent token under mcp.tokens' });
        return;
      }
      res.status(401).json({ error: 'unauthorized', message: 'a valid agent bearer token is required' });
      return;
    }
    res.locals.principal = result.principal;
    next();
  };
}

export function mcpRoutes(gateway: AgentGateway, logger: Logger): Router {
  const router = Router();
  router.post('/', agentAuth(gateway, logger), express.json({ limit: '256kb' }), async (req, res) => {
    const principal = res.locals.principal as Principal;
    // Stateless: one server and transport per request; nothing of one call outlives it.
    const server = createMcpServer(gateway, principal, 'http');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // No server-initiated streams and no sessions in stateless mode.
  router.all('/', agentAuth(gateway, logger), (_req, res) => {
    res.set('Allow', 'POST').status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  });
  return router;
}

const STATUSES: ApprovalStatus[] = ['pending', 'approved', 'rejected', 'succeeded', 'failed'];

/** Operators' side of human-in-the-loop (mounted under /api/v1 behind the admin token). */
export function approvalRoutes(gateway: AgentGateway): Router {
  const router = Router();
  router.get('/approvals', async (req, res) => {
    const q = typeof req.query.status === 'string' ? req.query.status : 'pending';
    if (q !== 'all' && !STATUSES.includes(q as ApprovalStatus)) throw new HttpError(400, 'invalid_request', `status must be all or one of ${STATUSES.join(', ')}`);
    const limit = Math.min(Math.max(Number(req.query.limit) || 100, 1), 1000);
    res.json({ approvals: await gateway.listApprovals({ status: q === 'all' ? undefined : (q as ApprovalStatus), limit }) });
  });
  router.get('/approvals/:id', async (req, res) => {
    const a = APPROVAL_ID.test(req.params.id) ? await gateway.getApproval(req.params.id) : null;
    if (!a) throw new HttpError(404, 'not_found', `no approval ${req.params.id}`);
    res.json(a);
  });
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/approvals/:id/${decision}`, async (req, res) => {
      const reason = req.body?.reason;
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) {
        throw new HttpError(400, 'invalid_request', 'reason must be a string of at most 1000 characters');
      }
      const out = APPROVAL_ID.test(req.params.id) ? await gateway.decide(req.params.id, decision, res.locals.actor, reason) : null;
      if (!out) throw new HttpError(404, 'not_found', `no approval ${req.params.id}`);
      if ('conflict' in out) throw new HttpError(409, 'conflict', `approval ${req.params.id} is already ${out.conflict.status}`);
      res.json(out.approval);
    });
  }
  return router;
}
