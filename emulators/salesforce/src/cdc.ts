import type { ChangeEvent } from './data/dml';
import type { Rec } from './data/store';

/** A delivered CometD message body (`data`) for a change event. */
export interface ChangeMessage {
  schema: string;
  payload: Rec & { ChangeEventHeader: Record<string, unknown> };
  event: { replayId: number };
}

export interface StoredEvent {
  channel: string;
  replayId: number;
  at: number;
  data: ChangeMessage;
}

/** Channel for an object's change events: `/data/AccountChangeEvent`, `/data/Invoice__ChangeEvent`. */
export function changeChannel(entity: string): string {
  return `/data/${entity.endsWith('__c') ? entity.slice(0, -1) + 'ChangeEvent' : entity + 'ChangeEvent'}`;
}

/**
 * Change Data Capture log: every committed write becomes one event per record with an increasing replayId,
 * retained for replay (`-2`, or after a stored replayId) within the retention window.
 */
export class ChangeLog {
  private events: StoredEvent[] = [];
  private replayId = 0;
  private commitNumber = 0;
  private listeners: Array<(e: StoredEvent) => void> = [];

  constructor(
    private readonly now: () => number,
    private retentionMs: number,
  ) {}

  onEvent(fn: (e: StoredEvent) => void): void {
    this.listeners.push(fn);
  }

  setRetention(ms: number): void {
    this.retentionMs = ms;
  }

  clear(): void {
    this.events = [];
  }

  record(batch: ChangeEvent[]): void {
    if (!batch.length) return;
    this.commitNumber += 1;
    for (const e of batch) {
      const replayId = ++this.replayId;
      const header = {
        entityName: e.entityName,
        recordIds: e.recordIds,
        changeType: e.changeType,
        changeOrigin: e.changeOrigin,
        transactionKey: e.transactionKey,
        sequenceNumber: e.sequenceNumber,
        commitTimestamp: e.commitTimestamp,
        commitNumber: this.commitNumber,
        commitUser: e.commitUser,
        nulledFields: e.changeType === 'UPDATE' ? e.changedFields.filter((f) => e.fields[f] === null) : [],
        diffFields: [],
        changedFields: e.changedFields,
      };
      const payload: ChangeMessage['payload'] = { ChangeEventHeader: header };
      for (const [k, v] of Object.entries(e.fields)) if (v !== null || e.changeType === 'UPDATE') payload[k] = v;
      const data: ChangeMessage = { schema: schemaId(e.entityName), payload, event: { replayId } };
      const stored: StoredEvent = { channel: changeChannel(e.entityName), replayId, at: this.now(), data };
      this.events.push(stored);
      for (const l of this.listeners) l(stored);
    }
    this.prune();
  }

  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    if (this.events.length && this.events[0].at < cutoff) this.events = this.events.filter((e) => e.at >= cutoff);
  }

  /** Events on `channel` (or all for `/data/ChangeEvents`) with replayId greater than `after`. */
  since(channel: string, after: number): StoredEvent[] {
    this.prune();
    return this.events.filter((e) => e.replayId > after && (channel === '/data/ChangeEvents' || e.channel === channel));
  }

  /** True if events right after `replayId` have aged out of the retention window (replaying from it would skip some). */
  isExpired(replayId: number): boolean {
    this.prune();
    if (replayId < 0 || replayId >= this.replayId) return false;
    return this.events.length === 0 || this.events[0].replayId > replayId + 1;
  }

  latestReplayId(): number {
    return this.replayId;
  }
}

function schemaId(entity: string): string {
  return Buffer.from(`${entity}ChangeEvent-schema`).toString('base64url').slice(0, 22);
}
