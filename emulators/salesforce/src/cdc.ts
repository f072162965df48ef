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

/** Change types a header can carry: record changes, and the gap / overflow notices Salesforce sends instead of data. */
export type GapType = 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';

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
  /** Replay ids below this are refused as expired (test control: `expireReplayIds`). */
  private validFrom = 0;

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

  /**
   * Publishes one transaction's changes. Like a real org, identical changes of one transaction (same object, change
   * type, changed fields and values) become one event whose `recordIds` names every record.
   */
  record(batch: ChangeEvent[]): void {
    if (!batch.length) return;
    this.commitNumber += 1;
    for (const e of mergeIdentical(batch)) {
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

  /**
   * Publishes a gap event (`GAP_CREATE`…: the change's data could not be captured; subscribers re-read the records) or
   * an overflow event (`GAP_OVERFLOW`: too many changes in one transaction; no record ids). Header only, no fields.
   */
  recordGap(entityName: string, changeType: GapType, recordIds: string[], commitUser: string): StoredEvent {
    this.commitNumber += 1;
    const replayId = ++this.replayId;
    const header = {
      entityName,
      recordIds: changeType === 'GAP_OVERFLOW' ? [] : recordIds,
      changeType,
      changeOrigin: '',
      transactionKey: `gap-${replayId}`,
      sequenceNumber: 1,
      commitTimestamp: this.now(),
      commitNumber: this.commitNumber,
      commitUser,
      nulledFields: [],
      diffFields: [],
      changedFields: [],
    };
    const data: ChangeMessage = { schema: schemaId(entityName), payload: { ChangeEventHeader: header }, event: { replayId } };
    const stored: StoredEvent = { channel: changeChannel(entityName), replayId, at: this.now(), data };
    this.events.push(stored);
    for (const l of this.listeners) l(stored);
    return stored;
  }

  /** Test control: every replay id issued so far is refused from now on, as if it had aged out of retention. */
  expireReplayIds(): void {
    this.validFrom = this.replayId + 1;
    this.events = [];
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
    if (replayId >= 0 && replayId < this.validFrom) return true;
    if (replayId < 0 || replayId >= this.replayId) return false;
    return this.events.length === 0 || this.events[0].replayId > replayId + 1;
  }

  latestReplayId(): number {
    return this.replayId;
  }
}

/** Merges a transaction's identical changes into one event per distinct change, keeping first-seen order. */
function mergeIdentical(batch: ChangeEvent[]): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  const byKey = new Map<string, ChangeEvent>();
  for (const e of batch) {
    const key = JSON.stringify([e.entityName, e.changeType, [...e.changedFields].sort(), e.changeOrigin, e.commitUser, sortedEntries(e.fields)]);
    const same = byKey.get(key);
    if (same) {
      same.recordIds = [...same.recordIds, ...e.recordIds];
      continue;
    }
    const copy = { ...e, recordIds: [...e.recordIds] };
    byKey.set(key, copy);
    out.push(copy);
  }
  return out;
}

/** A real transaction has one commit time; the emulator stamps each write, so times do not tell changes apart. */
const COMMIT_TIMES = new Set(['CreatedDate', 'LastModifiedDate', 'SystemModstamp']);

function sortedEntries(rec: Rec): Array<[string, unknown]> {
  return Object.entries(rec)
    .filter(([k]) => !COMMIT_TIMES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function schemaId(entity: string): string {
  return Buffer.from(`${entity}ChangeEvent-schema`).toString('base64url').slice(0, 22);
}
