import express, { NextFunction, Request, Response, Router } from 'express';
import { OAuth } from '../oauth';
import { Org } from '../org';
import { Call, Reply, Route } from './types';
import { Dispatcher } from './dispatch';

const SEASONS = ['Winter', 'Spring', 'Summer'];

export function versionsList(max: number): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = 20; v <= max; v++) {
    const i = v - 20;
    out.push({ label: `${SEASONS[i % 3]} '${String(11 + Math.floor(i / 3)).padStart(2, '0')}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

function clientOf(header: string | undefined): string | undefined {
  return /(?:^|[,;]\s*)client=([^,;\s]+)/.exec(header ?? '')?.[1];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function writeReply(res: Response, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status);
  if (reply.body === undefined || reply.status === 204) {
    res.end();
    return;
  }
  if (reply.contentType && typeof reply.body === 'string') {
    res.type(reply.contentType).send(reply.body);
    return;
  }
  res.type('application/json;charset=UTF-8').send(JSON.stringify(reply.body));
}

/**
 * `/services/data`: versions list, then for `/services/data/vNN.N/...` authentication, the daily API counter
 * (403 REQUEST_LIMIT_EXCEEDED when exhausted), `Sforce-Limit-Info`, fault injection and dispatch.
 */
export function restRouter(org: Org, oauth: OAuth, routes: Route[]): { router: Router; dispatcher: Dispatcher } {
  const dispatcher = new Dispatcher(routes);
  const r = Router();
  const max = org.options.maxApiVersion ?? 66;
  r.get(['/services/data', '/services/data/'], (_req, res) => {
    res.json(versionsList(max));
  });
  const body = [express.json({ limit: '50mb', type: ['application/json', 'application/*+json'] }), express.text({ limit: '150mb', type: ['text/csv', 'text/plain'] })];
  r.use('/services/data', ...body, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const m = /^\/v(\d+)\.(\d)(\/.*)?$/.exec(req.path);
      const versionNum = m ? Number(`${m[1]}.${m[2]}`) : NaN;
      if (!m || versionNum < 20 || versionNum > max) {
        res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
        return;
      }
      const session = oauth.authenticate(req.headers.authorization);
      if (!session) {
        res.status(401).json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
        return;
      }
      const path = m[3] ?? '/';
      const endpoint = dispatcher.endpoint(req.method, path);
      if (org.counters.exhausted()) {
        res.setHeader('Sforce-Limit-Info', `api-usage=${org.counters.used}/${org.counters.limit}`);
        res.status(403).json([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
        return;
      }
      org.counters.count(endpoint);
      res.setHeader('Sforce-Limit-Info', `api-usage=${org.counters.used}/${org.counters.limit}`);
      const fault = org.faults.forRequest(req.method, req.path, endpoint);
      if (fault.latencyMs) await sleep(fault.latencyMs);
      if (fault.error) {
        res.status(fault.error.status).json(fault.error.toBody());
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      const call: Call = {
        org,
        oauth,
        session,
        version: `${m[1]}.${m[2]}`,
        versionNum,
        method: req.method,
        path,
        query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v)])),
        body: req.body,
        headers,
        write: { userId: session.userId, api: 'rest', version: `${m[1]}.${m[2]}`, client: clientOf(headers['sforce-call-options']) },
      };
      writeReply(res, await dispatcher.handle(call));
    } catch (e) {
      next(e);
    }
  });
  return { router: r, dispatcher };
}
