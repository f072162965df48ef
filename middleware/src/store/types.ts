/** Row shapes of the state store. Timestamps are ISO-8601 UTC strings. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Link {
  id: number;
  flow: string;
  sfObject: string;
  sfId: string;
  coupaResource: string;
  coupaId: string;
  createdAt: string;
  updatedAt: string;
}
export type NewLink = Pick<Link, 'flow' | 'sfObject' | 'sfId' | 'coupaResource' | 'coupaId'>;

export interface Checkpoint {
  flow: string;
  cursorTs: string | null;
  cursorId: string | null;
  extra: Record<string, unknown>;
  updatedAt: string;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'skipped';
export interface Run {
  id: string;
  flow: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  counts: Record<string, number>;
  error: string | null;
}

export interface JournalEntry {
  id: number;
  runId: string | null;
  flow: string;
  direction: string;
  recordKey: string;
  linkId: number | null;
  action: string;
  origin: string | null;
  before: unknown;
  after: unknown;
  error: string | null;
  at: string;
}
export type NewJournalEntry = Omit<JournalEntry, 'id' | 'at' | 'runId' | 'linkId' | 'origin' | 'before' | 'after' | 'error'> &
  Partial<Pick<JournalEntry, 'runId' | 'linkId' | 'origin' | 'before' | 'after' | 'error' | 'at'>>;

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';
export interface DeadLetter {
  id: number;
  flow: string;
  recordKey: string;
  payload: unknown;
  request: unknown;
  response: unknown;
  errorClass: string;
  message: string | null;
  attempts: number;
  status: DeadLetterStatus;
  createdAt: string;
  updatedAt: string;
}
export type NewDeadLetter = Pick<DeadLetter, 'flow' | 'recordKey' | 'errorClass' | 'attempts'> &
  Partial<Pick<DeadLetter, 'payload' | 'request' | 'response' | 'message'>>;

export type IdempotencyState = 'pending' | 'done';
export interface IdempotencyEntry {
  key: string;
  flow: string;
  state: IdempotencyState;
  remoteId: string | null;
  createdAt: string;
  updatedAt: string;
}

export type ConflictStatus = 'open' | 'resolved';
export interface Conflict {
  id: number;
  flow: string;
  recordKey: string;
  field: string;
  sfValue: unknown;
  coupaValue: unknown;
  status: ConflictStatus;
  resolution: string | null;
  createdAt: string;
  resolvedAt: string | null;
}
export type NewConflict = Pick<Conflict, 'flow' | 'recordKey' | 'field' | 'sfValue' | 'coupaValue'>;

export interface EchoEntry {
  flow: string;
  linkId: number;
  direction: string;
  hash: string;
  payload: unknown;
  at: string;
}

export interface AuditEntry {
  id: number;
  actor: string;
  action: string;
  detail: unknown;
  at: string;
}

export interface CredentialRow {
  name: string;
  ciphertext: string;
  iv: string;
  tag: string;
  keyVersion: number;
  salt: string | null;
  updatedAt: string;
}

export interface FlowState {
  flow: string;
  paused: boolean;
  reason: string | null;
  updatedAt: string;
}

export interface QuarantineEntry {
  flow: string;
  recordKey: string;
  reason: string | null;
  at: string;
}

export interface WorkItem {
  id: number;
  flow: string;
  recordKey: string;
  payload: unknown;
  status: 'pending' | 'done';
  claimedBy: string | null;
  leaseUntil: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** The last change event a stream consumer (a flow) processed on a channel: an opaque replay id (Pub/Sub bytes as
 * base64, CometD numbers as text), committed with the page that event produced. */
export interface StreamPosition {
  consumer: string;
  channel: string;
  replayId: string;
  updatedAt: string;
}

/** A write an agent asked for through the MCP gateway: pending until an operator (or the token's policy) decides. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'succeeded' | 'failed';

export interface Approval {
  id: string;
  /** The agent token's configured name. */
  token: string;
  tool: string;
  args: Record<string, unknown>;
  /** token + tool + canonical arguments: an identical request joins the open or successful approval. */
  dedupeKey: string;
  status: ApprovalStatus;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  result: unknown;
  error: string | null;
  finishedAt: string | null;
}

export type NewApproval = Pick<Approval, 'id' | 'token' | 'tool' | 'args' | 'dedupeKey'> & {
  status: 'pending' | 'approved';
  decidedBy?: string | null;
};
