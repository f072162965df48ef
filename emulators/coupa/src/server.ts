import express, { type NextFunction, type Request, type Response } from 'express';
import type { Control } from './control';
import { controlRouter } from './control';
import type { Emulator } from './emulator';
import { CoupaError, badRequest, notFound } from './errors';
import { dashKeys } from './keys';
import type { OAuth } from './oauth';
import { parseFields, project } from './query/fields';
import { runQuery } from './query/paging';
import type { TokenBucket } from './ratelimit';
import { renderRecord, renderShape, type ReturnObject } from './render';
import type { ActionDef, ResourceDef, SubResourceDef } from './resources/types';
import type { Rec } from './store';

interface Ctx {
  req: Request;
  params: URLSearchParams;
  body: Record<string, unknown>;
  shift: number;
}

type Result = { status: number; body?: unknown } | undefined;
type Handler = (ctx: Ctx) => Result;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createApp(emu: Emulator, oauth: OAuth, bucket: TokenBucket | undefined, control: Control): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post('/oauth2/token', express.urlencoded({ extended: false }), oauth.tokenEndpoint);
  if (emu.options.testControl) app.use('/__control', express.json({ limit: '20mb' }), controlRouter(control));

  app.use('/api', (req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) {
      res.status(415).json({ errors: { base: ['Content-Type must be application/json (the emulator does not speak XML)'] } });
      return;
    }
    next();
  });
  app.use('/api', express.json({ limit: '20mb', strict: false }));
  app.use('/api', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err) {
      res.status(400).json({ errors: { base: ['Request body is not valid JSON'] } });
      return;
    }
    next();
  });

  const handle = (method: string, pattern: string, scope: string | string[] | ((ctx: Ctx) => string | string[]), fn: Handler) => {
    const endpoint = `${method} ${pattern}`;
    emu.routes.push({ method, pattern });
    const register = (app as any)[method.toLowerCase()].bind(app) as (p: string, h: (req: Request, res: Response) => void) => void;
    register(pattern, async (req: Request, res: Response) => {
      let status = 500;
      let throttled = false;
      try {
        const faults = emu.faults.match(method, req.path);
        for (const f of faults) if (f.kind === 'latency') await sleep(f.ms ?? 0);
        if (faults.some((f) => f.kind === 'drop')) {
          emu.counters.record(endpoint, 0);
          req.socket.destroy();
          return;
        }
        const rl = emu.options.rateLimit;
        if (bucket && rl && rl.throttle === 'queue') {
          const wait = bucket.reserve();
          if (wait > 0) {
            emu.counters.queued();
            await sleep(wait);
          }
        } else if (bucket && rl && !bucket.take()) {
          throttled = true;
          if (rl.retryAfterHeader) res.set('Retry-After', '1');
          if (rl.throttle === '403') throw new CoupaError(403, 'base', ['Forbidden'], { errors: { base: ['Rate limit exceeded: too many requests, slow down'] } });
          throw new CoupaError(429, 'base', ['Too Many Requests'], { errors: { base: ['Rate limit exceeded'] } });
        }
        const statusFault = faults.find((f) => f.kind === 'status');
        if (statusFault) {
          const s = statusFault.status ?? 503;
          throw new CoupaError(s, 'base', ['Injected fault'], { errors: { base: [`Injected fault ${s}`] } });
        }
        if (emu.options.requireJsonAccept && !/application\/json/i.test(String(req.headers.accept ?? ''))) {
          throw new CoupaError(406, 'base', [], { errors: { base: ['Send Accept: application/json (Coupa answers XML otherwise; the emulator only speaks JSON)'] } });
        }
        const auth = oauth.authenticate(req);
        if ('error' in auth) {
          res.set('WWW-Authenticate', `Bearer realm="Coupa", error="invalid_token", error_description="${auth.error}"`);
          throw new CoupaError(401, 'base', [], { error: 'invalid_token', error_description: auth.error });
        }
        if (faults.some((f) => f.kind === 'expire-token')) {
          if (auth.token) oauth.revoke(auth.token);
          res.set('WWW-Authenticate', 'Bearer realm="Coupa", error="invalid_token", error_description="The access token expired."');
          throw new CoupaError(401, 'base', [], { error: 'invalid_token', error_description: 'The access token expired.' });
        }
        const params = new URL(req.originalUrl, 'http://x').searchParams;
        const ctx: Ctx = {
          req,
          params,
          body: (req.body && typeof req.body === 'object' ? dashKeys(req.body) : {}) as Record<string, unknown>,
          shift: faults.find((f) => f.kind === 'shift')?.by ?? 0,
        };
        const need = typeof scope === 'function' ? scope(ctx) : scope;
        const needs = Array.isArray(need) ? need : [need];
        if (!needs.some((s) => auth.scopes.has(s))) {
          const s = emu.options.insufficientScopeStatus;
          res.set('WWW-Authenticate', `Bearer realm="Coupa", error="insufficient_scope", scope="${needs.join(' ')}"`);
          throw new CoupaError(s, 'base', [], {
            error: 'insufficient_scope',
            error_description: `The request requires higher privileges than provided by the access token (needs ${needs.join(' or ')}).`,
          });
        }
        const result = fn(ctx);
        if (faults.some((f) => f.kind === 'drop-after')) {
          emu.counters.record(endpoint, 0);
          req.socket.destroy();
          return;
        }
        const lost = faults.find((f) => f.kind === 'status-after');
        if (lost) {
          const s = lost.status ?? 502;
          throw new CoupaError(s, 'base', ['Injected fault'], { errors: { base: [`Injected fault ${s} after processing`] } });
        }
        status = result?.status ?? 200;
        if (result?.body === undefined) res.status(status).end();
        else res.status(status).json(result.body);
      } catch (e) {
        if (e instanceof CoupaError) {
          status = e.status;
          res.status(status).json(e.toBody());
        } else {
          status = 500;
          emu.options.log(`internal error on ${endpoint}: ${(e as Error).stack}`);
          res.status(500).json({ errors: { base: ['Internal Server Error'] } });
        }
      }
      emu.counters.record(endpoint, status, throttled);
    });
  };

  const returnObject = (ctx: Ctx, def: ResourceDef, write: boolean): ReturnObject => {
    const v = ctx.params.get('return_object');
    if (v === null) return 'full';
    const allowed = write ? ['none', 'limited', 'shallow'] : ['limited', 'shallow'];
    if (!allowed.includes(v)) throw badRequest(def.errorKey, `return_object must be one of ${allowed.join(', ')}`);
    return v as ReturnObject;
  };

  const output = (ctx: Ctx, def: ResourceDef, rec: Rec, write: boolean, status = 200): Result => {
    const mode = returnObject(ctx, def, write);
    const fields = parseFields(ctx.params.get('fields'), def.errorKey);
    const body = renderRecord(emu, def, rec, fields ? 'full' : mode);
    if (body === undefined) return { status };
    return { status, body: fields ? project(body, fields) : body };
  };

  const idOf = (ctx: Ctx, def: ResourceDef, name = 'id'): number => {
    const raw = ctx.req.params[name] as string;
    if (!/^\d+$/.test(raw)) throw notFound(def.errorKey);
    return Number(raw);
  };

  const runAction = (ctx: Ctx, def: ResourceDef, action: ActionDef, rec: Rec | undefined): Result => {
    const r = action.run({ emu, body: ctx.body, query: ctx.params }, rec);
    if (r && 'status' in r && 'body' in r && !('id' in r)) return r as { status: number; body: unknown };
    return output(ctx, def, r as Rec, true, action.status ?? 200);
  };

  for (const def of emu.allResources()) {
    const base = `/api/${def.name}`;
    for (const [name, action] of Object.entries(def.collectionActions ?? {})) {
      handle(action.method, `${base}/${name}`, action.scope, (ctx) => runAction(ctx, def, action, undefined));
    }
    if (def.routes.list) {
      handle('GET', base, def.scopes.read, (ctx) => {
        const mode = returnObject(ctx, def, false);
        const fields = parseFields(ctx.params.get('fields'), def.errorKey);
        const rows = runQuery(emu, def, ctx.params, ctx.shift).map((r) => renderRecord(emu, def, r, fields ? 'full' : mode));
        return { status: 200, body: fields ? rows.map((r) => project(r, fields)) : rows };
      });
    }
    if (def.routes.create) {
      handle('POST', base, def.scopes.create ?? def.scopes.write, (ctx) => {
        const rec = emu.create(def.name, ctx.body);
        return output(ctx, def, rec, true, emu.options.createStatus);
      });
    }
    for (const [name, action] of Object.entries(def.memberActions ?? {})) {
      handle(action.method, `${base}/:id/${name}`, action.scope, (ctx) => runAction(ctx, def, action, emu.find(def.name, idOf(ctx, def))));
    }
    for (const sub of def.subResources ?? []) mountSubResource(def, sub);
    if (def.routes.show) {
      handle('GET', `${base}/:id`, def.scopes.read, (ctx) => output(ctx, def, emu.find(def.name, idOf(ctx, def)), false));
    }
    if (def.routes.update) {
      for (const method of ['PUT', 'PATCH']) {
        handle(method, `${base}/:id`, def.scopes.write, (ctx) => {
          const id = idOf(ctx, def);
          const exported = ctx.params.get('exported');
          if (def.exportable && exported !== null) {
            // The exported flag "requires its own request. Any other changes included may be ignored."
            const rec = structuredClone(emu.find(def.name, id));
            const flag = exported === 'true' || exported === '1';
            rec.exported = flag;
            if (flag) rec['last-exported-at'] = emu.now();
            return output(ctx, def, emu.save(def.name, rec), true);
          }
          return output(ctx, def, emu.update(def.name, id, ctx.body), true);
        });
      }
    }
    if (def.routes.delete) {
      handle('DELETE', `${base}/:id`, def.scopes.delete ?? def.scopes.write, (ctx) => {
        const rec = emu.find(def.name, idOf(ctx, def));
        const refusal = def.canDelete?.(emu, rec);
        if (refusal) throw badRequest(def.errorKey, refusal);
        emu.collection(def.name).delete(rec.id);
        return { status: 200 };
      });
    }
  }

  function mountSubResource(def: ResourceDef, sub: SubResourceDef): void {
    const base = `/api/${def.name}/:parent_id/${sub.path}`;
    const embed = def.embeds![sub.field];
    const parent = (ctx: Ctx) => emu.find(def.name, idOf(ctx, def, 'parent_id'));
    const renderItem = (item: Rec) => renderShape(emu, embed, item, 0, false);
    const findItem = (p: Rec, ctx: Ctx) => {
      const id = Number(ctx.req.params.id);
      const item = ((p[sub.field] as Rec[]) ?? []).find((i) => i.id === id);
      if (!item) throw notFound(sub.errorKey);
      return item;
    };
    if (sub.routes.list) handle('GET', base, sub.scopes.read, (ctx) => ({ status: 200, body: ((parent(ctx)[sub.field] as Rec[]) ?? []).map(renderItem) }));
    if (sub.routes.create) {
      handle('POST', base, sub.scopes.write, (ctx) => {
        const p = parent(ctx);
        const before = new Set(((p[sub.field] as Rec[]) ?? []).map((i) => i.id));
        const updated = emu.update(def.name, p.id, { [sub.field]: [ctx.body] });
        const created = (updated[sub.field] as Rec[]).find((i) => !before.has(i.id))!;
        return { status: emu.options.createStatus, body: renderItem(created) };
      });
    }
    if (sub.routes.show) handle('GET', `${base}/:id`, sub.scopes.read, (ctx) => ({ status: 200, body: renderItem(findItem(parent(ctx), ctx)) }));
    if (sub.routes.update) {
      for (const method of ['PUT', 'PATCH']) {
        handle(method, `${base}/:id`, sub.scopes.write, (ctx) => {
          const p = parent(ctx);
          const item = findItem(p, ctx);
          const updated = emu.update(def.name, p.id, { [sub.field]: [{ ...ctx.body, id: item.id }] });
          return { status: 200, body: renderItem((updated[sub.field] as Rec[]).find((i) => i.id === item.id)!) };
        });
      }
    }
    if (sub.routes.delete) {
      handle('DELETE', `${base}/:id`, sub.scopes.write, (ctx) => {
        const p = parent(ctx);
        const item = findItem(p, ctx);
        emu.update(def.name, p.id, { [sub.field]: [{ id: item.id, _delete: true }] }, { system: true });
        return { status: 200 };
      });
    }
  }

  app.use((req: Request, res: Response) => {
    res.status(404).json({ errors: { base: [`No route matches ${req.method} ${req.path}`] } });
  });
  return app;
}
