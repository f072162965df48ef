/**
 * A loopback HTTP proxy in front of one system (like a flaky network path or an overloaded API gateway) that injects a
 * seeded mix of faults into a fraction of the requests and forwards the rest untouched.
 *
 * Faults answered by the proxy itself never reach the system (throttles, 5xx, a dropped connection, a gateway's HTML
 * page, an expired session); `drop-after`, `truncated` and `slow` forward the request (so a POST has taken effect) and
 * lose or spoil its answer, which makes a create ambiguous; `lock-row` forwards a Salesforce collection write without
 * the records it answers UNABLE_TO_LOCK_ROW for, so those records are not written, as in a real org.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../middleware/src/engine/fakes';

export const FAULT_KINDS = [
  'throttle-429',
  'throttle-403',
  'server-error',
  'drop-before',
  'drop-after',
  'truncated',
  'html-200',
  'session-expired',
  'lock-row',
  'slow'
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults whose request reached the system: a write happened but its answer was lost or spoilt. */
export const AFTER_THE_SYSTEM: ReadonlySet<FaultKind> = new Set(['drop-after', 'truncated', 'slow']);

export interface FaultProxyOptions {
  target: string;
  /** Whose error shapes to answer with. */
  system: 'salesforce' | 'coupa';
  /** Fraction of matching reads (GET) to fail, 0..1. */
  rate: number;
  /** Fraction of matching writes (POST, PUT, PATCH, DELETE) to fail; default `rate`. */
  writeRate?: number;
  seed: number;
  /** Kinds to draw from; default every kind. Each applicable kind is used once on a read and once on a write before any repeats. */
  kinds?: readonly FaultKind[];
  /** Fraction of requests failed while a kind applicable to them has not been used yet (so every kind is seen early). Default `rate`. */
  coverRate?: number;
  /** Kinds drawn once every kind was used (default `kinds`); leaving out the ones that cost wall time bounds a story. */
  repeatKinds?: readonly FaultKind[];
  /** Only requests whose path matches fail (e.g. skip the OAuth endpoint). */
  match?: (method: string, path: string) => boolean;
  /** `slow`: how long the answer is held back, ms (set it past the client's request timeout). */
  slowMs?: number;
  /** `throttle-429`: the Retry-After sent, seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * Observes each request (path with its query) before anything else; `'hold'` parks it, neither forwarded nor
   * answered, until the proxy closes (the kill tests stop a process at a known point this way).
   */
  onRequest?: (r: ObservedRequest) => 'hold' | void;
  /** Called once the system's answer to a forwarded request (no fault injected) was handed to the client's socket. */
  onAnswered?: (r: ObservedRequest & { status: number }) => void;
}

export interface ObservedRequest {
  method: string;
  path: string;
  body: Buffer;
}

export interface FaultProxy {
  url: string;
  /** Faults injected so far. */
  readonly injected: number;
  readonly forwarded: number;
  /** Faults injected so far, by kind (kinds never injected are absent). */
  readonly byKind: Partial<Record<FaultKind, number>>;
  /** Of those, the ones injected into writes (POST, PUT, PATCH, DELETE). */
  readonly onWrites: Partial<Record<FaultKind, number>>;
  /** Requests that reached the system but whose answer was lost or spoilt, by `METHOD path-without-query`. */
  readonly answersLost: ReadonlyArray<string>;
  /** Stops injecting (the system behind still answers through the proxy). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const COLLECTION_WRITE = /\/composite\/sobjects(\/[^/?]+\/[^/?]+)?(\?|$)/;

function applicable(kind: FaultKind, system: 'salesforce' | 'coupa', method: string, path: string): boolean {
  if (kind === 'lock-row')
    return system === 'salesforce' && (method === 'POST' || method === 'PATCH') && COLLECTION_WRITE.test(path);
  return true;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(opts.seed);
  const target = new URL(opts.target);
  const kinds = opts.kinds ?? FAULT_KINDS;
  const unused = { read: new Set<FaultKind>(kinds), write: new Set<FaultKind>(kinds) };
  const state = { injected: 0, forwarded: 0, paused: false };
  const byKind: Partial<Record<FaultKind, number>> = {};
  const onWrites: Partial<Record<FaultKind, number>> = {};
  const answersLost: string[] = [];
  const self = { url: '' };
  const slowMs = opts.slowMs ?? 2_500;
  const pending = new Set<ReturnType<typeof setTimeout>>();

  const pick = (method: string, path: string): FaultKind | undefined => {
    if (state.paused || !(opts.match?.(method, path) ?? true)) return undefined;
    const side = method === 'GET' ? 'read' : 'write';
    const fresh = [...unused[side]].filter((k) => applicable(k, opts.system, method, path));
    const rate = fresh.length
      ? (opts.coverRate ?? opts.rate)
      : side === 'read'
        ? opts.rate
        : (opts.writeRate ?? opts.rate);
    if (random() >= rate) return undefined;
    if (fresh.length) return fresh[0];
    const usable = (opts.repeatKinds ?? kinds).filter((k) => applicable(k, opts.system, method, path));
    return usable.length ? usable[Math.floor(random() * usable.length)] : undefined;
  };

  /** Forwards `body` to the system; resolves with the answer (absolute URLs pointed back at the proxy). */
  const forward = (
    req: http.IncomingMessage,
    body: Buffer
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {
        ...req.headers,
        host: target.host,
        'accept-encoding': 'identity',
        'content-length': String(body.length)
      };
      delete headers['transfer-encoding'];
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (up) => {
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('error', reject);
          up.on('end', () => {
            let out = Buffer.concat(chunks);
            if (String(up.headers['content-type'] ?? '').includes('json'))
              out = Buffer.from(out.toString('utf8').split(target.origin).join(self.url));
            const answerHeaders: http.IncomingHttpHeaders = { ...up.headers, 'content-length': String(out.length) };
            delete answerHeaders['transfer-encoding'];
            resolve({ status: up.statusCode ?? 502, headers: answerHeaders, body: out });
          });
        }
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const send = (res: http.ServerResponse, a: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }) => {
    if (res.destroyed) return;
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  };

  const inject = async (
    kind: FaultKind,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    n: number
  ): Promise<void> => {
    const method = req.method ?? 'GET';
    const where = `${method} ${(req.url ?? '/').split('?')[0]}`;
    switch (kind) {
      case 'throttle-429':
      case 'throttle-403':
      case 'server-error':
      case 'html-200':
      case 'session-expired':
        return answerForFault(opts.system, kind, res, n, opts.retryAfterSeconds ?? 1);
      case 'drop-before':
        res.socket?.destroy();
        return;
      case 'lock-row':
        return lockRows(req, res, body);
    }
    const answer = await forward(req, body);
    answersLost.push(where);
    if (kind === 'drop-after') {
      res.socket?.destroy();
    } else if (kind === 'truncated') {
      const half = answer.body.subarray(0, Math.floor(answer.body.length / 2));
      if (n % 2) {
        // A short body with a matching length: the client reads a "complete" answer that is cut JSON.
        send(res, { ...answer, headers: { ...answer.headers, 'content-length': String(half.length) }, body: half });
      } else {
        // The full length announced, half sent, the connection closed: the client sees the body end early.
        res.writeHead(answer.status, answer.headers);
        res.write(half, () => res.socket?.destroy());
      }
    } else {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          pending.delete(t);
          resolve();
        }, slowMs);
        pending.add(t);
      });
      send(res, answer);
    }
  };

  /** UNABLE_TO_LOCK_ROW for a random part of a collection write; the rest is written and answered by the system. */
  const lockRows = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> => {
    const parsed = JSON.parse(body.toString('utf8')) as { records: unknown[] } & Record<string, unknown>;
    const locked = parsed.records.map(() => random() < 0.5);
    if (!locked.some(Boolean)) locked[0] = true;
    const kept = parsed.records.filter((_r, i) => !locked[i]);
    let results: unknown[] = [];
    if (kept.length) {
      const answer = await forward(req, Buffer.from(JSON.stringify({ ...parsed, records: kept })));
      if (answer.status !== 200) return send(res, answer);
      results = JSON.parse(answer.body.toString('utf8')) as unknown[];
    }
    const merged = locked.map((l, i) =>
      l
        ? {
            success: false,
            errors: [
              {
                statusCode: 'UNABLE_TO_LOCK_ROW',
                message:
                  'unable to obtain exclusive access to this record or 1 records: ' +
                  String((parsed.records[i] as { Id?: unknown }).Id ?? ''),
                fields: []
              }
            ]
          }
        : results.shift()
    );
    const out = Buffer.from(JSON.stringify(merged));
    send(res, {
      status: 200,
      headers: { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(out.length) },
      body: out
    });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const observed = { method, path: req.url ?? '/', body };
      if (opts.onRequest?.(observed) === 'hold') return;
      const kind = pick(method, req.url ?? '/');
      const done = kind
        ? (() => {
            state.injected++;
            byKind[kind] = (byKind[kind] ?? 0) + 1;
            unused[method === 'GET' ? 'read' : 'write'].delete(kind);
            if (method !== 'GET') onWrites[kind] = (onWrites[kind] ?? 0) + 1;
            if (process.env.FAULT_PROXY_LOG)
              process.stderr.write(`${opts.system} ${kind} ${method} ${(req.url ?? '/').split('?')[0]}\n`);
            return inject(kind, req, res, body, state.injected);
          })()
        : (() => {
            state.forwarded++;
            return forward(req, body).then((a) => {
              if (opts.onAnswered) res.on('finish', () => opts.onAnswered?.({ ...observed, status: a.status }));
              send(res, a);
            });
          })();
      done.catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  self.url = `http://127.0.0.1:${port}`;
  return {
    url: self.url,
    get injected() {
      return state.injected;
    },
    get forwarded() {
      return state.forwarded;
    },
    byKind,
    onWrites,
    answersLost,
    pause: () => {
      state.paused = true;
    },
    resume: () => {
      state.paused = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of pending) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

/** The answers of faults that never reach the system, in each system's documented shapes. */
function answerForFault(
  system: 'salesforce' | 'coupa',
  kind: FaultKind,
  res: http.ServerResponse,
  n: number,
  retryAfterSeconds: number
): void {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const html = (status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/html' });
    res.end(`<!DOCTYPE html><html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`);
  };
  const sf = (status: number, errorCode: string, message: string, headers?: Record<string, string>) =>
    json(status, [{ message, errorCode }], headers);
  if (system === 'salesforce') {
    if (kind === 'throttle-429')
      return sf(429, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.', {
        'Retry-After': String(retryAfterSeconds)
      });
    if (kind === 'throttle-403')
      return sf(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.');
    if (kind === 'server-error')
      return n % 2
        ? sf(503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Please try again later.')
        : sf(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred.');
    if (kind === 'session-expired') return sf(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    return html(200, 'Salesforce is down for maintenance');
  }
  if (kind === 'throttle-429')
    return json(429, { errors: ['Rate limit exceeded'] }, { 'Retry-After': String(retryAfterSeconds) });
  if (kind === 'throttle-403') return json(403, { errors: ['API rate limit exceeded. Please retry later.'] });
  if (kind === 'server-error')
    return n % 2
      ? html(503, '503 Service Temporarily Unavailable')
      : json(500, { errors: ["We're sorry, but something went wrong."] });
  if (kind === 'session-expired')
    return json(401, { error: 'invalid_token', error_description: 'The access token expired.' });
  return html(200, 'Coupa is down for maintenance');
}
