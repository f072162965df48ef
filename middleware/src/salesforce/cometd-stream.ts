/**
 * The CometD (Streaming API) transport behind the ChangeStream interface: jsforce's faye client with the Replay
 * extension (`CdcSubscription`). Replay ids are numbers, kept as text. Events are handed over one at a time.
 */
import type { Connection } from 'jsforce';
import { CdcSubscription } from './cdc';
import { InvalidReplayIdError, type ChangeStream, type StartFrom, type StreamEvent } from './change-stream';

/** Salesforce refuses an expired or unknown replay id with `400::The replayId {N} you provided was invalid…`. */
function asReplayError(err: Error): Error {
  const message = err?.message ?? String(err);
  return /replayId/i.test(message) ? new InvalidReplayIdError(message) : err;
}

export class CometdStream implements ChangeStream {
  private sub?: CdcSubscription;

  constructor(
    private readonly conn: Connection,
    private readonly channel: string,
    private readonly reauthenticate: () => Promise<void>,
  ) {}

  start(from: StartFrom, onBatch: (events: StreamEvent[]) => Promise<void>, onEnd: (err: Error) => void): Promise<void> {
    const initial = from === 'LATEST' ? -1 : from === 'EARLIEST' ? -2 : Number(from.replayId);
    let ended = false;
    const end = (err: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    this.sub = new CdcSubscription(this.conn, {
      channel: this.channel,
      // Positions are committed by the consumer with the pages the events produce, not here.
      store: { load: async () => (Number.isFinite(initial) ? initial : -1), save: async () => undefined },
      // Own changes are filtered by the consumer, the same way for both transports.
      ownClientName: undefined,
      onEvent: (e) => onBatch([{ replayId: String(e.replayId), header: e.header, fields: e.fields }]),
      onError: (err) => end(asReplayError(err)),
      reauthenticate: this.reauthenticate,
    });
    return this.sub.start().catch((err: Error) => end(asReplayError(err)));
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
  }
}
