import type {
  Approval,
  ApprovalStatus,
  AuditEntry,
  Checkpoint,
  StreamPosition,
  Conflict,
  ConflictStatus,
  CredentialRow,
  DeadLetter,
  DeadLetterStatus,
  EchoEntry,
  FlowState,
  IdempotencyEntry,
  JournalEntry,
  Link,
  NewApproval,
  NewConflict,
  NewDeadLetter,
  NewJournalEntry,
  NewLink,
  QuarantineEntry,
  Run,
  RunStatus,
  WorkItem,
} from './types';

export type LinkSide = 'salesforce' | 'coupa';

/**
 * Durable sync state. Implemented once over SQL (`SqlStateStore`) and run on SQLite or PostgreSQL.
 * Every method is atomic on its own; `transaction` groups several.
 */
/** Journal action of an operator releasing a link from quarantine: the ping-pong breaker counts writes after it. */
export const QUARANTINE_RELEASED = 'quarantine-released';

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: StateStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  // links: one Salesforce record ⇄ one Coupa record per flow
  findLink(flow: string, side: LinkSide, object: string, id: string): Promise<Link | null>;
  /** Links of many records on one side, in one round trip per 500 ids (page snapshot). */
  findLinks(flow: string, side: LinkSide, object: string, ids: string[]): Promise<Link[]>;
  getLink(id: number): Promise<Link | null>;
  /** Inserts, or returns the existing link when the same pair is already linked. Throws if either side is linked elsewhere. */
  createLink(link: NewLink): Promise<Link>;
  /**
   * Inserts new links in one statement per 200. A link whose either side is taken throws, or with `skipConflicts`
   * is left out of the answer (the Committer then looks at what is there).
   */
  insertLinks(links: NewLink[], opts?: { skipConflicts?: boolean }): Promise<Link[]>;
  listLinks(flow: string, opts?: { limit?: number; offset?: number }): Promise<Link[]>;
  deleteLink(id: number): Promise<void>;

  // checkpoints
  getCheckpoint(flow: string): Promise<Checkpoint | null>;
  saveCheckpoint(cp: Omit<Checkpoint, 'updatedAt'>): Promise<void>;
  resetCheckpoint(flow: string): Promise<void>;

  // stream replay positions (CDC): where a consumer resumes its subscription to a channel
  getStreamPosition(consumer: string, channel: string): Promise<StreamPosition | null>;
  saveStreamPosition(p: Omit<StreamPosition, 'updatedAt'>): Promise<void>;
  /** Forgets a position (an expired or invalid replay id): the consumer then starts from new events after a catch-up. */
  clearStreamPosition(consumer: string, channel: string): Promise<void>;

  // runs
  startRun(run: { flow: string; trigger: string; id?: string }): Promise<Run>;
  finishRun(id: string, result: { status: RunStatus; counts: Record<string, number>; error?: string | null }): Promise<void>;
  /**
   * Marks `flow`'s runs still `running` as `failed` with `error` (their instance stopped before finishing them).
   * With `unlessLeaseHeld`, only while that lease is free or expired: a live holder may still be running them.
   * Returns how many runs it marked.
   */
  failRunningRuns(flow: string, error: string, opts?: { unlessLeaseHeld?: string }): Promise<number>;
  getRun(id: string): Promise<Run | null>;
  listRuns(opts?: { flow?: string; limit?: number }): Promise<Run[]>;

  // journal (per-record history)
  appendJournal(entry: NewJournalEntry): Promise<number>;
  appendJournalMany(entries: NewJournalEntry[]): Promise<void>;
  listJournal(opts: { flow?: string; recordKey?: string; runId?: string; linkId?: number; limit?: number }): Promise<JournalEntry[]>;
  /**
   * Journal rows with one of `actions` for a link since `since`, across all flows (ping-pong breaker); rows older
   * than the link's last `QUARANTINE_RELEASED` journal row (an operator's release) are not counted.
   */
  countLinkWrites(linkId: number, since: string, actions: string[]): Promise<number>;
  countLinkWritesMany(linkIds: number[], since: string, actions: string[]): Promise<Map<number, number>>;

  // dead letters
  addDeadLetter(dl: NewDeadLetter): Promise<number>;
  getDeadLetter(id: number): Promise<DeadLetter | null>;
  listDeadLetters(opts?: { flow?: string; status?: DeadLetterStatus; limit?: number }): Promise<DeadLetter[]>;
  updateDeadLetter(id: number, patch: { status?: DeadLetterStatus; attempts?: number; message?: string | null }): Promise<void>;

  // idempotency ledger
  getIdempotency(key: string): Promise<IdempotencyEntry | null>;
  /** Records intent to create. Returns the existing entry instead when one is already there. */
  beginIdempotent(key: string, flow: string): Promise<{ created: boolean; entry: IdempotencyEntry }>;
  getIdempotencies(keys: string[]): Promise<IdempotencyEntry[]>;
  beginIdempotentMany(keys: string[], flow: string): Promise<Map<string, { created: boolean; entry: IdempotencyEntry }>>;
  completeIdempotent(key: string, remoteId: string): Promise<void>;
  /** Marks entries done (inserting them when missing). */
  completeIdempotentMany(entries: { key: string; remoteId: string; flow: string }[]): Promise<void>;
  deleteIdempotency(key: string): Promise<void>;

  // conflicts
  addConflict(c: NewConflict): Promise<number>;
  getConflict(id: number): Promise<Conflict | null>;
  listConflicts(opts?: { flow?: string; status?: ConflictStatus; recordKey?: string; limit?: number }): Promise<Conflict[]>;
  /** Record key and field of every open conflict of a link group (the engine leaves those fields alone until resolved). */
  listOpenConflictFields(flow: string): Promise<Array<{ recordKey: string; field: string }>>;
  resolveConflict(id: number, resolution: string): Promise<void>;
  /** Open dead letters (by flow), open conflicts and quarantined records (by link group): counted, not read (metrics). */
  countOpen(): Promise<{ deadLetters: Map<string, number>; conflicts: Map<string, number>; quarantined: Map<string, number> }>;
  /** Undoes a resolution whose write failed. */
  reopenConflict(id: number): Promise<void>;

  // echo ledger: what we last wrote per link and direction
  getEcho(flow: string, linkId: number, direction: string): Promise<EchoEntry | null>;
  setEcho(e: Omit<EchoEntry, 'at'>): Promise<void>;
  /** Every direction's entry for these links. */
  listEchoes(flow: string, linkIds: number[]): Promise<EchoEntry[]>;
  setEchoes(entries: Omit<EchoEntry, 'at'>[]): Promise<void>;

  // audit log
  audit(actor: string, action: string, detail?: unknown): Promise<void>;
  listAudit(opts?: { limit?: number; action?: string }): Promise<AuditEntry[]>;

  // agent approvals (MCP write tools waiting for an operator)
  /** Inserts, or returns the pending, approved or succeeded approval with the same dedupe key (a repeated request). */
  createApproval(a: NewApproval): Promise<{ created: boolean; approval: Approval }>;
  getApproval(id: string): Promise<Approval | null>;
  listApprovals(opts?: { status?: ApprovalStatus; token?: string; limit?: number }): Promise<Approval[]>;
  /** Moves an approval from `from` to the patch's status; false when it was no longer in `from` (decided elsewhere). */
  transitionApproval(
    id: string,
    from: ApprovalStatus,
    patch: { status: ApprovalStatus; decidedBy?: string; reason?: string | null; result?: unknown; error?: string | null },
  ): Promise<boolean>;
  /**
   * Claims an approval left `approved` (its write interrupted) for one re-run, noting `note` as its error until it
   * finishes. Otherwise: `running` when another re-run started after `staleBefore`, `interrupted-again` when an earlier
   * re-run started before it and never finished, `not-approved` when the approval moved on.
   */
  claimApprovalRecovery(id: string, note: string, staleBefore: string): Promise<'claimed' | 'running' | 'interrupted-again' | 'not-approved'>;
  /** Counts one MCP tool call of `token` against `perMinute` (a sliding minute shared by every instance on the store). */
  takeAgentCall(token: string, perMinute: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;

  // encrypted credentials (ciphertext only; see vault/)
  putCredential(row: Omit<CredentialRow, 'updatedAt'>): Promise<void>;
  getCredential(name: string): Promise<CredentialRow | null>;
  listCredentials(): Promise<CredentialRow[]>;
  deleteCredential(name: string): Promise<boolean>;

  // flow pause/resume
  getFlowState(flow: string): Promise<FlowState>;
  setFlowPaused(flow: string, paused: boolean, reason?: string | null): Promise<void>;

  // quarantine (ping-pong breaker)
  quarantine(flow: string, recordKey: string, reason: string): Promise<void>;
  isQuarantined(flow: string, recordKey: string): Promise<boolean>;
  listQuarantine(flow?: string): Promise<QuarantineEntry[]>;
  releaseQuarantine(flow: string, recordKey: string): Promise<boolean>;

  // leases: one holder per name at a time, until expiry
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  // dependents: a record that needs a link which does not exist yet waits on `depKey`; when the link appears
  // its waiting records become work items of their flow and are planned again.
  addWaiting(rows: { depKey: string; flow: string; sourceId: string }[]): Promise<void>;
  /** Moves the records waiting on these keys to the work queue; returns how many. */
  releaseWaiting(depKeys: string[]): Promise<number>;
  countWaiting(flow: string): Promise<number>;

  // work claiming across instances (PostgreSQL: FOR UPDATE SKIP LOCKED)
  enqueueWork(flow: string, recordKey: string, payload: unknown): Promise<number>;
  claimWork(flow: string, holder: string, limit: number, ttlMs: number): Promise<WorkItem[]>;
  completeWork(id: number, holder: string): Promise<boolean>;
}
