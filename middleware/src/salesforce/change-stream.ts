/**
 * One shape for Change Data Capture events whatever the transport (Pub/Sub API or CometD), and the interface both
 * subscribers implement. Replay ids are opaque strings: Pub/Sub's bytes as base64, CometD's numbers as text.
 */
import type { ChangeEventHeader } from './cdc';

export interface StreamEvent {
  replayId: string;
  header: ChangeEventHeader;
  /** Field values carried by the event (without the header). */
  fields: Record<string, unknown>;
}

export type StartFrom = { replayId: string } | 'LATEST' | 'EARLIEST';

/** The replay id given was refused (older than the retention window, or not one of this org's): catch up by polling. */
export class InvalidReplayIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReplayIdError';
  }
}

export interface ChangeStream {
  /**
   * Subscribes from `from`. `onBatch` is awaited before more events are requested (pull-based flow control: events
   * are handled strictly in order and a slow consumer is never flooded). `onEnd` is called once when the subscription
   * ends for any reason but `stop()`: InvalidReplayIdError, an auth failure, a dropped connection. Resolves once the
   * server has the subscription (or it ended), so changes made after that are delivered. `onIdle` (Pub/Sub only)
   * gets the channel's latest replay id from a keepalive that came while nothing was left to deliver: a position as
   * safe to resume from as the last event's, and newer, so a quiet channel's stored id does not age out of retention.
   */
  start(from: StartFrom, onBatch: (events: StreamEvent[]) => Promise<void>, onEnd: (err: Error) => void, onIdle?: (replayId: string) => Promise<void>): Promise<void>;
  /** Ends the subscription; resolves once the batch being handled (if any) is done. */
  stop(): Promise<void>;
}

/** Channel (topic) of an object's change events: `/data/AccountChangeEvent`, `/data/Coupa_Onboarding_Request__ChangeEvent`. */
export function changeEventChannel(sobject: string): string {
  return `/data/${sobject.endsWith('__c') ? `${sobject.slice(0, -1)}ChangeEvent` : `${sobject}ChangeEvent`}`;
}

/**
 * Field names of a bitmap-encoded field list (Pub/Sub `changedFields`, `nulledFields`, `diffFields`). The first entry
 * may be a hex bitmap over the schema's top-level fields (bit i from the right is field i); entries `<i>-0x…` are
 * bitmaps over the fields of the compound field at position i, named `<Parent>.<Child>`. Plain names pass through.
 */
export function decodeFieldBitmaps(fields: Array<{ name: string; children?: string[] }>, entries: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries ?? []) {
    const nested = /^(\d+)-(0x[0-9a-f]+)$/i.exec(entry);
    if (nested) {
      const parent = fields[Number(nested[1])];
      if (!parent) continue;
      for (const i of bitsOf(nested[2])) {
        const child = parent.children?.[i];
        if (child) out.push(`${parent.name}.${child}`);
      }
    } else if (/^0x[0-9a-f]+$/i.test(entry)) {
      for (const i of bitsOf(entry)) if (fields[i]) out.push(fields[i].name);
    } else {
      out.push(entry);
    }
  }
  return out;
}

function bitsOf(hex: string): number[] {
  const bits = BigInt(hex);
  const out: number[] = [];
  for (let i = 0; bits >> BigInt(i) > 0n; i++) if ((bits >> BigInt(i)) & 1n) out.push(i);
  return out;
}
