import type http from 'node:http';
import { StoredEvent, changeChannel } from './cdc';
import { OAuth } from './oauth';
import { Org } from './org';

/* faye ships no type declarations; these are the parts used here. */
interface BayeuxMessage {
  channel: string;
  clientId?: string;
  subscription?: string;
  successful?: boolean;
  error?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  supportedConnectionTypes?: string[];
  data?: unknown;
}
type Next = (m: BayeuxMessage) => void;
interface FayeAdapter {
  attach(server: http.Server): void;
  addExtension(ext: { incoming?: (m: BayeuxMessage, req: http.IncomingMessage | undefined, cb: Next) => void; outgoing?: (m: BayeuxMessage, req: http.IncomingMessage | undefined, cb: Next) => void }): void;
  close(): void;
  _server: { _engine: { publish(m: { channel: string; data: unknown }): void; _engine: { _messages: Map<string, unknown[]>; emptyQueue(clientId: string): void } } };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const faye = require('faye') as { NodeAdapter: new (opts: { mount: string; timeout: number }) => FayeAdapter };

const AUTH_FAILURE = '401::Authentication invalid';

/**
 * Streaming API (CometD/Bayeux long polling at `/cometd/NN.N`) carrying Change Data Capture events, with
 * `Authorization: OAuth` checks, long-polling only, and the `replay` extension (-1 new only, -2 all retained, or after an id).
 */
export class Streaming {
  private readonly adapter: FayeAdapter;
  private readonly clientSessions = new Map<string, string>();

  constructor(
    private readonly org: Org,
    private readonly oauth: OAuth,
  ) {
    this.adapter = new faye.NodeAdapter({ mount: '/cometd', timeout: 110 });
    this.adapter.addExtension({ incoming: (m, req, cb) => this.incoming(m, req, cb), outgoing: (m, req, cb) => this.outgoing(m, req, cb) });
    org.changes.onEvent((e) => this.publish(e));
  }

  attach(server: http.Server): void {
    this.adapter.attach(server);
  }

  async close(): Promise<void> {
    this.adapter.close();
  }

  private validChannel(channel: string): boolean {
    if (channel === '/data/ChangeEvents') return true;
    const m = /^\/data\/(.+)ChangeEvent$/.exec(channel);
    if (!m) return false;
    const entity = m[1].endsWith('__') ? `${m[1]}c` : m[1];
    const obj = this.org.schema.object(entity);
    return !!obj && changeChannel(obj.name) === channel && this.org.cdcEnabled(obj.name);
  }

  private incoming(m: BayeuxMessage, req: http.IncomingMessage | undefined, cb: Next): void {
    if (!req) {
      cb(m);
      return;
    }
    if (m.channel === '/meta/handshake' || m.channel === '/meta/connect' || m.channel === '/meta/subscribe') {
      if (!this.oauth.authenticate(req.headers.authorization)) {
        m.error = m.channel === '/meta/handshake' ? '403::Handshake denied' : AUTH_FAILURE;
        cb(m);
        return;
      }
    }
    if (m.channel === '/meta/subscribe') {
      const channel = String(m.subscription ?? '');
      if (!this.validChannel(channel)) {
        m.error = `400::The channel you requested to subscribe to does not exist {${channel}}`;
        cb(m);
        return;
      }
      const replay = (m.ext?.replay as Record<string, unknown> | undefined)?.[channel];
      if (replay !== undefined) {
        const id = Number(replay);
        if (!Number.isInteger(id) || id < -2 || id > this.org.changes.latestReplayId() || this.org.changes.isExpired(id)) {
          m.error = `400::The replayId {${String(replay)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`;
          cb(m);
          return;
        }
      }
      if (m.clientId) this.noteReplay(m.clientId, channel, replay === undefined ? -1 : Number(replay));
    }
    if (!m.channel.startsWith('/meta/') && m.channel.startsWith('/data/')) {
      m.error = '403::Publish denied';
    }
    cb(m);
  }

  private outgoing(m: BayeuxMessage, _req: http.IncomingMessage | undefined, cb: Next): void {
    if (m.channel === '/meta/handshake') {
      if (m.successful) {
        m.supportedConnectionTypes = ['long-polling'];
        m.ext = { ...(m.ext ?? {}), replay: true, 'payload.format': true };
      } else {
        m.ext = { sfdc: { failureReason: AUTH_FAILURE }, replay: true };
        m.advice = { reconnect: 'none' };
      }
    } else if (m.channel === '/meta/connect' && m.error === AUTH_FAILURE) {
      m.advice = { reconnect: 'none' };
    } else if (m.channel === '/meta/subscribe' && m.successful && m.clientId) {
      const from = this.pendingReplay.get(`${m.clientId} ${String(m.subscription)}`);
      this.pendingReplay.delete(`${m.clientId} ${String(m.subscription)}`);
      if (from !== undefined && from !== -1) {
        const clientId = m.clientId;
        const channel = String(m.subscription);
        setImmediate(() => this.replay(clientId, channel, from === -2 ? 0 : from));
      }
    }
    cb(m);
  }

  private readonly pendingReplay = new Map<string, number>();

  /** Queues retained events after `after` for one client only (faye's in-memory engine queue). */
  private replay(clientId: string, channel: string, after: number): void {
    const engine = this.adapter._server._engine._engine;
    const events: StoredEvent[] = this.org.changes.since(channel, after);
    if (!events.length) return;
    const queue = engine._messages.get(clientId) ?? [];
    for (const e of events) queue.push({ channel, data: structuredClone(e.data) });
    engine._messages.set(clientId, queue);
    engine.emptyQueue(clientId);
  }

  private publish(e: StoredEvent): void {
    const engine = this.adapter._server._engine;
    engine.publish({ channel: e.channel, data: e.data });
    engine.publish({ channel: '/data/ChangeEvents', data: e.data });
  }

  /** Registered by the incoming extension; read when the subscribe reply goes out. */
  noteReplay(clientId: string, channel: string, from: number): void {
    this.pendingReplay.set(`${clientId} ${channel}`, from);
  }
}
