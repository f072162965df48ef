import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';

/** Where the last processed replay id of each channel is kept (the engine's checkpoint store). */
export interface ReplayStore {
  load(channel: string): Promise<number | undefined>;
  save(channel: string, replayId: number): Promise<void>;
}

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changeOrigin?: string;
  commitTimestamp?: number;
  commitUser?: string;
  changedFields?: string[];
  nulledFields?: string[];
  diffFields?: string[];
  commitNumber?: number;
  transactionKey?: string;
  sequenceNumber?: number;
}

export interface ChangeEvent {
  replayId: number;
  header: ChangeEventHeader;
  /** Changed field values (without the header). */
  fields: Record<string, unknown>;
}

export interface CdcSubscriptionOptions {
  /** e.g. /data/Coupa_Onboarding_Request__ChangeEvent or /data/AccountChangeEvent */
  channel: string;
  store: ReplayStore;
  onEvent: (event: ChangeEvent) => Promise<void>;
  /** Our own Sforce-Call-Options client name; events whose changeOrigin carries it are skipped. */
  ownClientName?: string;
  /** Replay from here when the store has nothing: -1 new events only (default), -2 all retained. */
  initialReplayId?: number;
  onError?: (err: Error) => void;
  /** Re-authenticates the connection (the faye client keeps the token it was created with). */
  reauthenticate?: () => Promise<void>;
}

/** True when a change was made through the API by a client tagged `client=<name>`. */
export function isOwnChange(header: ChangeEventHeader | undefined, clientName: string | undefined): boolean {
  if (!header?.changeOrigin || !clientName) return false;
  return new RegExp(`(^|[;,\\s])client=${clientName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[;,\\s])`).test(header.changeOrigin);
}

interface FayeSubscription {
  cancel(): void;
}
interface FayeClient {
  subscribe(channel: string, cb: (msg: any) => void): FayeSubscription & PromiseLike<unknown>;
  disconnect(): void;
  _advice?: { reconnect?: string };
  _dispatcher?: { close(): void; _envelopes?: Map<string, { timer?: ReturnType<typeof setTimeout> | null }> };
}

/**
 * Stops a faye client for good. disconnect() is a no-op once a handshake was refused, and faye would
 * keep re-handshaking with the stale token forever; reconnect advice 'none' ends that loop.
 */
function retire(client: FayeClient | undefined, hard = false): void {
  if (!client) return;
  client.disconnect();
  client._advice = { ...client._advice, reconnect: 'none' };
  const dispatcher = client._dispatcher;
  if (hard && dispatcher) {
    // A refused client's queued messages would otherwise be re-sent every few seconds.
    for (const envelope of dispatcher._envelopes?.values() ?? []) if (envelope.timer) clearTimeout(envelope.timer);
    dispatcher._envelopes?.clear();
    dispatcher.close();
  }
}

/**
 * Change Data Capture over CometD with the Replay extension. Events are handled strictly one after
 * another and the replay id is persisted only after `onEvent` resolved, so a crash replays rather
 * than loses events. Own-origin events are skipped (their replay id is still saved).
 */
export class CdcSubscription {
  private client?: FayeClient;
  private subscription?: FayeSubscription;
  private chain: Promise<void> = Promise.resolve();
  private lastReplayId?: number;
  private stopped = false;
  private resubscribing = false;

  constructor(
    private readonly conn: Connection,
    private readonly options: CdcSubscriptionOptions,
  ) {}

  async start(): Promise<void> {
    this.lastReplayId = (await this.options.store.load(this.options.channel)) ?? this.options.initialReplayId ?? -1;
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    const { channel } = this.options;
    const replay = new StreamingExtension.Replay(channel, this.lastReplayId);
    let client: FayeClient | undefined = undefined;
    // Only the current client may trigger recovery; a retired one can still report its failure.
    const authFailure = new StreamingExtension.AuthFailure(() => {
      if (client === this.client) void this.recover();
    });
    let subscribed = false;
    // After the first subscription, faye re-handshakes and resubscribes on its own (a server restart, an unknown
    // client id). A refusal of that resubscription (a replay id aged out while disconnected, the channel no longer
    // enabled) would otherwise leave a silent client: report it.
    const resubscription = {
      incoming: (message: { channel?: string; subscription?: string; successful?: boolean; error?: string }, callback: (m: unknown) => void) => {
        if (subscribed && client === this.client && !this.stopped && message.channel === '/meta/subscribe' && message.successful === false && message.subscription === channel) {
          this.options.onError?.(new Error(message.error ?? `resubscription to ${channel} refused`));
        }
        callback(message);
      },
    };
    client = this.conn.streaming.createClient([replay, authFailure, resubscription] as never) as unknown as FayeClient;
    this.client = client;
    const sub = client.subscribe(channel, (message: any) => {
      if (client !== this.client) return;
      this.chain = this.chain.then(() => this.handle(message)).catch((err: Error) => this.options.onError?.(err));
    });
    this.subscription = sub;
    await sub;
    subscribed = true;
  }

  private async handle(message: any): Promise<void> {
    if (this.stopped) return;
    const replayId = Number(message?.event?.replayId);
    const { ChangeEventHeader: header, ...fields } = (message?.payload ?? {}) as { ChangeEventHeader: ChangeEventHeader } & Record<string, unknown>;
    if (!isOwnChange(header, this.options.ownClientName)) await this.options.onEvent({ replayId, header, fields });
    if (Number.isFinite(replayId)) {
      await this.options.store.save(this.options.channel, replayId);
      this.lastReplayId = replayId;
    }
  }

  /** The CometD session was refused (expired token): re-authenticate and resubscribe from the saved id. */
  private async recover(): Promise<void> {
    if (this.stopped || this.resubscribing) return;
    this.resubscribing = true;
    try {
      retire(this.client, true);
      await this.options.reauthenticate?.();
      await this.chain;
      await this.subscribe();
    } catch (err) {
      this.options.onError?.(err as Error);
    } finally {
      this.resubscribing = false;
    }
  }

  /** Stops receiving; resolves after the event being handled (if any) is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    retire(this.client, true);
    await this.chain;
  }
}
