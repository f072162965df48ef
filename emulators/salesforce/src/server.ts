import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { Bulk2 } from './bulk2';
import { controlRouter } from './control';
import { OAuth } from './oauth';
import { SalesforceEmulatorOptions } from './options';
import { Org } from './org';
import { restRouter } from './rest/api';
import { collectionRoutes } from './rest/collections';
import { compositeRoutes } from './rest/composite';
import { Dispatcher } from './rest/dispatch';
import { miscRoutes } from './rest/misc';
import { Cursors, queryRoutes } from './rest/query';
import { sobjectRoutes } from './rest/sobjects';
import { Route } from './rest/types';
import { PubSubServer } from './pubsub';
import { Streaming } from './streaming';

export interface EmulatorServer {
  org: Org;
  oauth: OAuth;
  cursors: Cursors;
  bulk2: Bulk2;
  streaming: Streaming;
  /** The Pub/Sub API server, when `options.pubsub` is on. */
  pubsub: PubSubServer | null;
  server: http.Server;
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function createServer(options: SalesforceEmulatorOptions): EmulatorServer {
  const org = new Org(options);
  const oauth = new OAuth(org);
  const cursors = new Cursors(org);
  const bulk2 = new Bulk2(org);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.log) {
    const log = options.log;
    app.use((req, res, next) => {
      res.on('finish', () => log(`${req.method} ${req.path} ${res.statusCode}`));
      next();
    });
  }
  const routes: Route[] = [];
  const dispatcherRef: { d?: Dispatcher } = {};
  routes.push(...miscRoutes, ...queryRoutes(cursors), ...sobjectRoutes, ...collectionRoutes, ...bulk2.routes());
  routes.push(
    ...compositeRoutes({
      handle: (c) => (dispatcherRef.d as Dispatcher).handle(c),
    } as Dispatcher),
  );
  const rest = restRouter(org, oauth, routes);
  dispatcherRef.d = rest.dispatcher;
  const server = http.createServer(app);
  const sockets = new Set<Socket>();
  let closing = false;
  server.on('connection', (socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const streaming = new Streaming(org, oauth);
  streaming.attach(server);
  const pubsubOpts = options.pubsub === true ? {} : options.pubsub || null;
  const pubsub = pubsubOpts ? new PubSubServer(org, oauth, { host: options.host, ...pubsubOpts }) : null;
  app.use(oauth.router());
  if (options.testMode ?? true) app.use('/__control', controlRouter({ org, oauth, cursors, bulk2, streaming, pubsub }));
  app.use(rest.router);
  app.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') {
      res.status(400).json([{ message: `Unexpected character: was expecting JSON: ${err.message}`, errorCode: 'JSON_PARSER_ERROR' }]);
      return;
    }
    if (err.type === 'entity.too.large') {
      res.status(413).json([{ message: 'Request entity too large', errorCode: 'REQUEST_ENTITY_TOO_LARGE' }]);
      return;
    }
    res.status(500).json([{ message: `An unexpected error occurred: ${err.message}`, errorCode: 'UNKNOWN_EXCEPTION' }]);
  });
  app.use((_req, res) => {
    res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  const es: EmulatorServer = {
    org,
    oauth,
    cursors,
    bulk2,
    streaming,
    pubsub,
    server,
    url: '',
    listen: () =>
      new Promise((resolve, reject) => {
        // Node's default 5 s keep-alive lets a slow client reuse a socket the server is closing (ECONNRESET).
        server.keepAliveTimeout = 65_000;
        server.once('error', reject);
        server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
          const addr = server.address() as AddressInfo;
          // A wildcard bind address is not something a client can connect to; advertise loopback instead.
          const address = addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
          const host = address.includes(':') ? `[${address}]` : address;
          es.url = (options.publicUrl ?? `http://${host}:${addr.port}`).replace(/\/$/, '');
          oauth.baseUrl = es.url;
          if (!pubsub) return resolve(es.url);
          pubsub.listen().then(() => resolve(es.url), reject);
        });
      }),
    close: async () => {
      bulk2.stop();
      await streaming.close();
      await pubsub?.close();
      // Long-polling CometD requests are not all tracked by closeAllConnections(); destroy every socket ourselves.
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  return es;
}
