/** Contracts between the sync engine and the flows that plug into it. No system field names here. */
import type { Classification } from '../retry/failure';

/** The clients' and the engine's one failure classification (`retry/failure.ts`). */
export type { Classification, FailureKind } from '../retry/failure';

export type SystemName = 'salesforce' | 'coupa';

export type ErrorClassifier = (err: unknown) => Classification;

export interface Side {
  system: SystemName;
  /** sObject API name or Coupa resource, used for links only. */
  object: string;
}

/** A change read from the source: identity, modification time and content. */
export interface SourceRecord<T = Record<string, unknown>> {
  id: string;
  /** Last-modified timestamp (any ISO-8601 form); with `id` it orders the stream. */
  ts: string;
  data: T;
  /** Who made the change, when the source says (CDC changeOrigin, LastModifiedById…). */
  origin?: string | null;
}

/** Compound cursor: everything at or before (ts, id) has been processed. */
export interface Cursor {
  ts: string;
  id: string;
}

export type Trigger =
  | { kind: 'poll'; schedule?: string }
  | { kind: 'stream' }
  | { kind: 'schedule'; schedule: string };

/** The last complete snapshot of a snapshot flow, kept in its checkpoint. */
export interface SnapshotMark {
  /** The source's own high-water mark of that snapshot (its latest `updated-at`), else when it was taken (ISO time). */
  at: string;
  /** When that snapshot was taken, by this connector's clock (ISO time). */
  takenAt: string;
  /** The flow's fingerprint of the inputs it cannot ask "changed since?" about (e.g. which Accounts, which periods). */
  fingerprint: string;
}

export type SnapshotResult<T = any> =
  | {
      records: SourceRecord<T>[];
      fingerprint: string;
      /** Latest change time among the inputs, by the source's clock. */
      watermark?: string | null;
      /** When the flow took the snapshot, by the flow's clock (default: the engine's). */
      takenAt?: string;
    }
  | { unchanged: true };

export type MatchResult = { targetId: string | null } | { ambiguous: string[] };

export interface WriteItem<P = Record<string, unknown>> {
  /** Source record id this write comes from. */
  sourceId: string;
  op: 'create' | 'update';
  targetId?: string;
  /** Stored on the created target so an ambiguous create can be looked up before retrying. */
  idempotencyKey: string;
  payload: P;
  /** What the connector last wrote to (or knows to be in sync on) this target record, field by field. */
  lastWritten?: Record<string, unknown> | null;
}

export type WriteOutcome =
  /**
   * `written`: the values actually sent, when they differ from the payload (the echo ledger keeps them).
   * `sourceInSync`: source values, in the reverse direction's payload shape, that the target now holds as well (a new
   * Account seeded with the supplier's website): the reverse direction then has nothing to write back for them.
   */
  | { ok: true; targetId: string; written?: Record<string, unknown>; sourceInSync?: Record<string, unknown> }
  | { ok: false; error: unknown; request?: unknown; response?: unknown };

/** A record on one side of a link, identified without a link group: any flow linking it releases its dependents. */
export interface LinkRef {
  system: SystemName;
  object: string;
  id: string;
}

export interface FlowContext {
  /** Target record already linked to this source record, if any. */
  targetId: string | null;
  /**
   * Declares that the payload lacks a link which does not exist yet (an invoice's supplier has no Account). When a
   * link to `ref` is created by any flow, this record is planned again without waiting for it to change.
   */
  waitFor?(ref: LinkRef): void;
  /** Values the connector last wrote to the target for this record (echo ledger), or null. */
  lastWritten?: Record<string, unknown> | null;
}

/** A side effect planned with its record (a Task, a status write-back) and committed with its page. */
export interface PlannedEffect {
  /** Idempotency key: an effect with a done ledger entry is never applied again. */
  key: string;
  kind: string;
  /** What the effect does, shown in the journal and dry runs. */
  description: string;
  payload: Record<string, unknown>;
}

export type EffectOutcome = { ok: true; remoteId: string } | { ok: false; error: unknown; response?: unknown };

export interface FlowDefinition<T = Record<string, unknown>, P extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  /** Links, echo ledger and ping-pong counts are shared by flows with the same group (two directions of one sync). */
  linkGroup?: string;
  source: Side;
  target: Side;
  trigger: Trigger;
  batchSize?: number;
  /**
   * `write` takes a batch of any size and lets the target's client pick the API by its size (Salesforce: sObject
   * Collections of 200, Bulk API 2.0 from `bulkThreshold` records). While a poll has a backlog (the reader keeps
   * returning full pages) the engine then reads and plans several pages and hands the Writer one batch of the
   * engine's `bulkBatch` records, committed with one checkpoint. Flows whose `write` assumes at most `batchSize`
   * items (SOQL IN lists of the targets, one request per item) leave it unset.
   */
  bulkWrite?: boolean;
  /** How far before the checkpoint each run re-reads, to catch late commits; duplicates are dropped. */
  overlapMs?: number;
  /** Records with (ts, id) strictly after `after`, ascending by (ts, id), at most `limit`. */
  read(req: { after: Cursor | null; limit: number }): Promise<SourceRecord<T>[]>;
  /**
   * Snapshot reader (instead of a change stream): every record as it is now, computed once per run (spend summaries).
   * Each run plans them all in pages; the no-op check against what was last written makes unchanged ones cost
   * nothing. `prev` is the last complete snapshot (its start time and the flow's fingerprint of the inputs it cannot
   * ask "changed since?" about); a flow that can tell nothing changed since answers `{ unchanged: true }` and the run
   * reads nothing more. No cursor, no overlap window.
   */
  snapshot?(prev: SnapshotMark | null): Promise<SnapshotResult<T>>;
  /**
   * Loads what mapping the page needs (look-ups of related records), once per page, for the records that will be
   * planned: after duplicates of the overlap window, quarantined records and our own changes are dropped, so an idle
   * re-read costs no look-ups. Throwing fails those records with its classification.
   */
  enrich?(records: SourceRecord<T>[]): Promise<void>;
  /** Target payload for a record, or null to skip it (filtered out). Throwing dead-letters the record. */
  map(record: SourceRecord<T>, ctx: FlowContext): Promise<P | null> | P | null;
  /** Finds an existing target for an unlinked record. Ambiguous matches go to the conflict inbox. */
  match?(record: SourceRecord<T>, payload: P): Promise<MatchResult>;
  /**
   * Batched matching for a page's unlinked records (one lookup per key kind, never one per record); used instead of
   * `match` when present. A record missing from the answer has no match.
   */
  matchPage?(items: Array<{ record: SourceRecord<T>; payload: P }>): Promise<Map<string, MatchResult>>;
  /** Re-reads source records by id: replays, dependents and conflict resolution start from the source's current state. */
  fetch?(ids: string[]): Promise<SourceRecord<T>[]>;
  /**
   * Payload field → the source fields (dotted paths) it is computed from. Enables field-level echo: a payload field
   * whose source fields all still hold what the connector last wrote to the source is not a person's change.
   */
  lineage?: Record<string, string[]>;
  /** Side effects of writing this record, planned from what the connector last wrote (`ctx.lastWritten`). */
  effects?(record: SourceRecord<T>, payload: P, ctx: { targetId: string | null; lastWritten: Record<string, unknown> | null }): PlannedEffect[];
  /** Applies effects after their records were written; one outcome per effect, in order. */
  applyEffects?(effects: Array<PlannedEffect & { targetId: string; sourceId: string }>): Promise<EffectOutcome[]>;
  /** Looks for an effect applied before whose answer was lost (re-check before applying again). */
  findEffect?(effect: PlannedEffect & { targetId: string }): Promise<string | null>;
  /** Writes a batch; one outcome per item, in order. May throw for the whole batch. */
  write(items: WriteItem<P>[]): Promise<WriteOutcome[]>;
  /** Looks up a target created with this idempotency key (re-check before retrying a create). */
  findByIdempotencyKey?(key: string): Promise<string | null>;
  /** Current target values, for detecting two-sided changes of owner-less fields. */
  readTargets?(ids: string[]): Promise<Map<string, Record<string, unknown>>>;
  classify: ErrorClassifier;
  /**
   * Target field set to the write time with every write (`Coupa_Last_Synced__c`): shown to people, never part of the
   * plan, the echo ledger or the no-op check, so an unchanged record is still not written.
   */
  stampField?: string;
  /** Origin-tag check: true when the change was made by this connector (loop prevention layer 1). */
  isOwnChange?(record: SourceRecord<T>): boolean;
  /** System of record per payload field; fields not listed have no owner. */
  fieldOwners?: Record<string, SystemName>;
  /**
   * The record's values in the shape we write to its system, for comparison with the echo ledger.
   * Defaults to `record.data` restricted to the keys we last wrote.
   */
  echoView?(record: SourceRecord<T>): Record<string, unknown>;
  idempotencyKey?(record: SourceRecord<T>): string;
}
