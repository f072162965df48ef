/**
 * A loopback HTTP proxy that answers a seeded fraction of requests itself with 429 or 5xx, before they reach the
 * system behind it (so the failed request had no effect), and forwards the rest untouched — like a flaky network
 * path or an overloaded API gateway in front of each system.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../middleware/src/engine/fakes';

export interface FaultProxyOptions {
  target: string;
  /** Fraction of matching requests to fail, 0..1. */
  rate: number;
  seed: number;
  /** Only requests whose path matches fail (e.g. skip the OAuth endpoint). */
  match?: (method: string, path: string) => boolean;
  /** Answer for an injected failure. */
  respond: (res: http.ServerResponse, n: number) => void;
}

export interface FaultProxy {
  url: string;
  injected: number;
  forwarded: number;
  close(): Promise<void>;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(opts.seed);
  const target = new URL(opts.target);
  const state = { injected: 0, forwarded: 0 };
  const self = { url: '' };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if ((opts.match?.(req.method ?? 'GET', path) ?? true) && random() < opts.rate) {
      state.injected++;
      req.resume();
      opts.respond(res, state.injected);
      return;
    }
    state.forwarded++;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: target.host, 'accept-encoding': 'identity' }
      },
      (up) => {
        if (!String(up.headers['content-type'] ?? '').includes('json')) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        // Absolute URLs in answers (Salesforce's instance_url and identity URL) must point back at the proxy.
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(target.origin).join(self.url));
          res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      }
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

/** Salesforce's shapes for an overloaded org: 503 SERVER_UNAVAILABLE or 429 REQUEST_LIMIT_EXCEEDED-style. */
export function salesforceFailure(res: http.ServerResponse, n: number): void {
  const [status, errorCode, message] =
    n % 2
      ? [503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable.']
      : [500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred.'];
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify([{ errorCode, message }]));
}

/** Coupa's shapes: 429 without Retry-After, or a 503 with an HTML body from its load balancer. */
export function coupaFailure(res: http.ServerResponse, n: number): void {
  if (n % 2) {
    res.writeHead(429, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: ['Rate limit exceeded'] }));
  } else {
    res.writeHead(503, { 'Content-Type': 'text/html' });
    res.end('<html><body>503 Service Temporarily Unavailable</body></html>');
  }
}
