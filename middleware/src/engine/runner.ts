import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeadLetter, Link, NewJournalEntry, StateStore } from '../store';
import { commitPage, messageOf, type PageDecisions, type StreamPositionUpdate } from './committer';
import { alreadySeen, compareCursors, maxCursor, normalizeTs, overlapStart, pruneSeen, seenMark, type SeenSet } from './cursor';
import { hashPayload } from './hash';
import { conflictValues, sourceIdOfLink, targetIdOfLink } from './links';
import { isWholeEcho, planRecord, type DroppedFields } from './planner';
import { DEFAULT_RETRY, backoffDelay, realSleep, requestedWait, type RetryPolicy } from './retry';
import type { Classification, Cursor, FlowDefinition, LinkRef, MatchResult, PlannedEffect, SourceRecord, SystemName } from './types';
import { RunAbortedError, writeTasks, type Failure, type WriteTask } from './writer';

export { RunAbortedError };

export interface RunCounts {
  read: number;
  duplicates: number;
  created: number;
  updated: number;
  skipped: number;
  echoes: number;
  conflicts: number;
  quarantined: number;
  deadLettered: number;
  retries: number;
}

export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'paused' | 'busy';

export interface RunSummary {
  flow: string;
  runId: string | null;
  status: RunOutcome;
  counts: RunCounts;
  error?: string;
}

export interface IngestOptions {
  trigger?: string;
  /** Move the poll checkpoint past the records (default true). */
  advanceCheckpoint?: boolean;
  /** Stream replay position saved in the last page's transaction. */
  position?: StreamPositionUpdate | null;
}

export interface RunnerOptions {
  store: StateStore;
  logger?: Logger;
  /** Lease holder name; distinct per process. */
  instanceId?: string;
  retry?: Partial<RetryPolicy>;
  /** Quarantine a link written `maxWrites` times within `windowMs` (loop prevention layer 4). */
  pingPong?: { maxWrites: number; windowMs: number };
  leaseTtlMs?: number;
  /**
   * How long a replay or a conflict resolution waits for a run of the flow in progress to finish before it gives up
   * (an operator's action should not fail because a poll happened to be running); default 15 s.
   */
  leaseWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
  /** Whether a loop is possible (another flow writes back along the same links); default: the flow has a linkGroup. */
  loopPossible?: boolean;
  /** The flow writing the other way along the same links, if any (round-trip echo detection). */
  reverse?: () => FlowDefinition<any, any> | undefined;
  /** Told about every run that started (not paused or busy ones) once it has finished: metrics. */
  onRunFinished?: (run: RunSummary & { durationMs: number }) => void;
  /** Told the run id as soon as a run has started (before it reads anything). */
  onRunStarted?: (run: { flow: string; runId: string }) => void;
  /**
   * Records per write once a poll has a backlog, for flows with `bulkWrite` (Salesforce's `bulkThreshold`, so the
   * batch goes as one Bulk API 2.0 job); rounded up to whole pages. Unset or not above the page size: page by page.
   */
  bulkBatch?: number;
}

const WRITE_ACTIONS = ['create', 'update'];

/** The next backlog batch, being read while the current one is written. */
interface ReadAhead {
  result: Promise<{ readAt: string; records: SourceRecord<any>[] }>;
}

/** A record's content hash, computed once (the overlap window needs it when the page is planned and committed). */
const hashes = new WeakMap<object, string>();
function contentHash(rec: SourceRecord<any>): string {
  let h = hashes.get(rec);
  if (h === undefined) {
    h = hashPayload(rec.data);
    hashes.set(rec, h);
  }
  return h;
}

/** A page's sync state, loaded once per page. */
type Attempted<T> = { ok: true; value: T } | { ok: false; error: unknown; cls: Classification; attempts: number };

const retriable = (cls: Classification) => cls.kind === 'transient' || cls.kind === 'rate-limited';

interface PageSnapshot {
  quarantined: Set<string>;
  /** Source id → link. */
  links: Map<string, Link>;
  /** `<linkId>|<direction>` → what the connector last wrote in that direction. */
  echoes: Map<string, Record<string, unknown> | null>;
  /** Link id → writes inside the ping-pong window. */
  writes: Map<number, number>;
  /** Record key (either side's) → fields with an open conflict in this link group. */
  conflicted: Map<string, Set<string>>;
}

/** What the engine decided for one record: the Planner's output, as a dry run shows it. */
export interface Decision {
  record: SourceRecord<any>;
  /** create / update, or why nothing is written (skip-echo, skip-unchanged, skip-filtered, quarantine, dead-letter…). */
  action: string;
  targetId?: string | null;
  payload?: Record<string, unknown>;
  dropped?: DroppedFields;
  effects?: PlannedEffect[];
  detail?: unknown;
  /** Internal: the write task and the echo state it was planned from. */
  task?: WriteTask;
  lastWritten?: Record<string, unknown> | null;
  linkId?: number | null;
}

interface PagePlan extends PageDecisions {
  snap: PageSnapshot;
  decisions: Decision[];
  failures: Failure[];
}

interface PageOptions {
  runId: string | null;
  counts: RunCounts;
  /** Dedupe against records already processed in the overlap window; null disables. */
  seen: SeenSet | null;
  /**
   * Checkpoint to save with the page's effects; null leaves checkpoints alone (replay, dependents). `readAt`: when
   * the poll's read of these records started (connector clock), which bounds the next run's overlap re-read.
   */
  checkpoint: { cursor: Cursor; seen: SeenSet; readAt?: string } | null;
  /** Stream replay position committed with this page (the last page of a streamed batch). */
  position?: StreamPositionUpdate | null;
  /** When replaying a dead letter, failures update it instead of adding a new one. */
  replayOf?: DeadLetter;
  /** Lease holder renewing the flow lease while writing. */
  holder: string;
  /** Per source id, fields written whatever echo, ownership and no-op say (conflict resolution). */
  force?: Map<string, string[]>;
}

interface PageResult {
  written: number;
  failures: Failure[];
  aborted?: unknown;
}
const emptyCounts = (): RunCounts => ({
  read: 0,
  duplicates: 0,
  created: 0,
  updated: 0,
  skipped: 0,
  echoes: 0,
  conflicts: 0,
  quarantined: 0,
  deadLettered: 0,
  retries: 0,
});

/** Runs one flow: read → map → match → write (batched) → link + journal → checkpoint. */
export class FlowRunner {
  readonly flow: FlowDefinition<any, any>;
  private readonly store: StateStore;
  private readonly group: string;
  private readonly retry: RetryPolicy;
  private readonly instanceId: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => Date;
  private readonly leaseTtlMs: number;
  private readonly leaseWaitMs: number;
  private readonly pingPong: { maxWrites: number; windowMs: number };
  private readonly log?: Logger;
  /** Two directions share links: a loop is possible and the ping-pong breaker applies. */
  private readonly loopPossible: boolean;
  private readonly reverse?: () => FlowDefinition<any, any> | undefined;
  private readonly onRunFinished?: RunnerOptions['onRunFinished'];
  private readonly onRunStarted?: RunnerOptions['onRunStarted'];
  private readonly bulkBatch: number;
  private running: Promise<RunSummary> | null = null;
  private inRun = false;
  /** The id of the run in progress, once it has started. */
  currentRunId: string | null = null;
  /** When each lease holder of this runner last renewed the flow lease. */
  private readonly renewedAt = new Map<string, number>();
  /** Quarantined record keys, loaded once per run (records quarantined during the run are added). */
  private quarantineCache: Set<string> | null = null;
  private conflictCache: Map<string, Set<string>> | null = null;

  constructor(flow: FlowDefinition<any, any>, opts: RunnerOptions) {
    if (flow.source.system === flow.target.system) throw new Error(`${flow.name}: source and target must be different systems`);
    this.flow = flow;
    this.store = opts.store;
    this.group = flow.linkGroup ?? flow.name;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.instanceId = opts.instanceId ?? `instance-${randomUUID()}`;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => new Date());
    this.leaseTtlMs = opts.leaseTtlMs ?? 120_000;
    this.leaseWaitMs = opts.leaseWaitMs ?? 15_000;
    this.pingPong = opts.pingPong ?? { maxWrites: 6, windowMs: 300_000 };
    this.log = opts.logger?.child({ flow: flow.name });
    this.loopPossible = opts.loopPossible ?? flow.linkGroup !== undefined;
    this.reverse = opts.reverse;
    this.onRunFinished = opts.onRunFinished;
    this.onRunStarted = opts.onRunStarted;
    const page = flow.batchSize ?? 200;
    this.bulkBatch = flow.bulkWrite && (opts.bulkBatch ?? 0) > page ? Math.ceil(opts.bulkBatch! / page) * page : page;
  }

  private get direction(): string {
    return `to-${this.flow.target.system}`;
  }

  /** Field-level conflicts can be filed only where the target's values are read and some field has no single owner. */
  private get mayConflict(): boolean {
    return !!this.flow.readTargets;
  }

  /**
   * This direction's payload fields with an open conflict: those filed on the record itself, and those the reverse
   * direction filed on the linked target record, translated through the reverse lineage (its payload field → the
   * fields of ours it is computed from).
   */
  private openConflictFields(conflicted: Map<string, Set<string>>, key: string, targetId: string): string[] {
    const fields = new Set(conflicted.get(key) ?? []);
    const reverseLineage = this.reverse?.()?.lineage;
    for (const f of conflicted.get(`${this.flow.target.system}:${this.flow.target.object}:${targetId}`) ?? []) {
      const ours = reverseLineage?.[f];
      if (ours) for (const path of ours) fields.add(path.split('.')[0]);
      else fields.add(f);
    }
    return [...fields];
  }

  private recordKey(id: string): string {
    return `${this.flow.source.system}:${this.flow.source.object}:${id}`;
  }

  private get leaseName(): string {
    return `flow:${this.flow.name}`;
  }

  /** Polls the source from the checkpoint until caught up. Concurrent calls share one run. */
  runOnce(trigger = 'manual'): Promise<RunSummary> {
    this.running ??= this.poll(trigger).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Processes records pushed by a stream (CDC). By default the poll checkpoint advances past them; with
   * `advanceCheckpoint: false` it is left alone, so a safety-net poll still reads whatever the stream missed (records it
   * did deliver are no-ops then). `position` is committed with the last page (or alone when there is none).
   */
  ingest(records: SourceRecord<any>[], opts: IngestOptions | string = {}): Promise<RunSummary> {
    const o: IngestOptions = typeof opts === 'string' ? { trigger: opts } : opts;
    return this.withRun(o.trigger ?? 'stream', async (runId, counts) => {
      const advance = o.advanceCheckpoint ?? true;
      const cp = advance ? await this.store.getCheckpoint(this.flow.name) : null;
      let cursor: Cursor | null = cp?.cursorTs ? { ts: cp.cursorTs, id: cp.cursorId ?? '' } : null;
      const overlap = this.flow.overlapMs ?? 60_000;
      let seen = (cp?.extra.seen as SeenSet | undefined) ?? {};
      const size = this.flow.batchSize ?? 200;
      if (!records.length && o.position) await this.store.saveStreamPosition(o.position);
      for (let i = 0; i < records.length; i += size) {
        const page = records.slice(i, i + size);
        const last = i + size >= records.length;
        const next = this.advance(cursor, seen, page, overlap);
        const result = await this.processPage(page, {
          runId,
          counts,
          seen: advance ? seen : null,
          checkpoint: advance ? next : null,
          position: last ? o.position : null,
          holder: this.instanceId,
        });
        if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
        if (advance) ({ cursor, seen } = next);
      }
    });
  }

  private poll(trigger: string): Promise<RunSummary> {
    return this.withRun(trigger, async (runId, counts) => {
      const limit = this.flow.batchSize ?? 200;
      const overlap = this.flow.overlapMs ?? 60_000;
      const cp = await this.store.getCheckpoint(this.flow.name);
      let cursor: Cursor | null = cp?.cursorTs ? { ts: cp.cursorTs, id: cp.cursorId ?? '' } : null;
      let seen = pruneSeen((cp?.extra.seen as SeenSet | undefined) ?? {}, cursor, overlap);
      // Stream ingests save no readAt (a change event may arrive later than its commit): full overlap after them.
      const readAt = typeof cp?.extra.readAt === 'string' ? cp.extra.readAt : null;
      let after = overlapStart(cursor, overlap, readAt);
      await this.processDependents(runId, counts);
      if (this.flow.snapshot) {
        const at = this.now().toISOString();
        const takenAt = typeof cp?.extra.takenAt === 'string' ? cp.extra.takenAt : cp?.cursorTs;
        const prev = cp?.cursorTs && cp.cursorId && takenAt ? { at: cp.cursorTs, takenAt, fingerprint: cp.cursorId } : null;
        const snapshot = await this.flow.snapshot(prev);
        if ('unchanged' in snapshot) return;
        const all = snapshot.records;
        for (let i = 0; i < all.length; i += limit) {
          if (!(await this.renewLease(this.instanceId))) throw new RunAbortedError('lost the flow lease to another instance');
          const result = await this.processPage(all.slice(i, i + limit), { runId, counts, seen: null, checkpoint: null, holder: this.instanceId });
          if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
        }
        // Complete: the next run may ask the flow whether anything changed since this one started.
        await this.store.saveCheckpoint({ flow: this.flow.name, cursorTs: snapshot.watermark ?? at, cursorId: snapshot.fingerprint, extra: { takenAt: snapshot.takenAt ?? at } });
        return;
      }
      // After a full page the source has a backlog: a bulk-writing flow then reads, plans and writes `bulkBatch`
      // records at a time (one Bulk API job, one commit and checkpoint), and its reader restarts at the cursor once
      // per batch instead of once per page.
      let want = limit;
      let ahead: ReadAhead | null = null;
      try {
        for (;;) {
          if (!ahead && !(await this.renewLease(this.instanceId))) {
            throw new RunAbortedError('lost the flow lease to another instance');
          }
          const { readAt, records: page } = ahead ? await ahead.result : { readAt: this.now().toISOString(), records: await this.readWithRetry(after, want, counts) };
          ahead = null;
          if (page.length === 0) break;
          const last = page[page.length - 1];
          const lastCursor = { ts: normalizeTs(last.ts), id: last.id };
          if (after && compareCursors(lastCursor, after) <= 0) throw new Error(`${this.flow.name}: read() returned records not after the cursor`);
          const next = this.advance(cursor, seen, page, overlap);
          const full = page.length >= want;
          // A backlog of a bulk-writing flow: the next batch is read while this one is planned, written and committed,
          // so the source's rate limit, not the Bulk job, paces the run. Only the read runs ahead: it depends on this
          // batch's cursor alone, and the next batch is planned after this one is committed.
          if (full && this.bulkBatch > limit) ahead = this.readAhead(lastCursor, this.bulkBatch, counts);
          const result = await this.processPage(page, { runId, counts, seen, checkpoint: { ...next, readAt }, holder: this.instanceId });
          if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
          ({ cursor, seen } = next);
          after = lastCursor;
          if (!full) break;
          want = this.bulkBatch;
          if (ahead && !(await this.renewLease(this.instanceId))) throw new RunAbortedError('lost the flow lease to another instance');
        }
      } finally {
        // A run that stops with a read in flight lets it finish (and drops it) before the run is reported.
        if (ahead) await ahead.result.catch(() => undefined);
      }
    });
  }

  private readAhead(after: Cursor, limit: number, counts: RunCounts): ReadAhead {
    const readAt = this.now().toISOString();
    const result = this.readWithRetry(after, limit, counts).then((records) => ({ readAt, records }));
    result.catch(() => undefined); // awaited (and its error thrown) by the loop, or dropped if the run stops first
    return { result };
  }

  private advance(cursor: Cursor | null, seen: SeenSet, page: SourceRecord<any>[], overlap: number): { cursor: Cursor; seen: SeenSet } {
    let next = cursor;
    for (const rec of page) next = maxCursor(next, { ts: normalizeTs(rec.ts), id: rec.id });
    // Only records inside the overlap window behind the new cursor are remembered (older marks are pruned anyway),
    // so only those are hashed.
    const floor = new Date(new Date(next!.ts).getTime() - overlap).toISOString();
    const merged: SeenSet = { ...seen };
    for (const rec of page) {
      const ts = normalizeTs(rec.ts);
      if (ts >= floor) merged[rec.id] = seenMark(ts, contentHash(rec));
    }
    return { cursor: next!, seen: pruneSeen(merged, next, overlap) };
  }


  private async readWithRetry(after: Cursor | null, limit: number, counts: RunCounts): Promise<SourceRecord<any>[]> {
    // A read may also be repeated when its classification says so (an idempotent GET answered ambiguously).
    const read = await this.retrying(() => this.flow.read({ after, limit }), counts, (cls) => cls.retryable || retriable(cls));
    if (!read.ok) throw read.error;
    return read.value;
  }

  /**
   * A call made while planning a page (a flow's map, match, idempotency re-check) under the engine's one retry
   * policy: a throttle or transient failure of the API it calls is waited out like a write's, instead of
   * dead-lettering the record after one attempt (its cursor moves past it, so it would be lost to later runs).
   */
  private planningCall<T>(fn: () => Promise<T>, counts: RunCounts): Promise<Attempted<T>> {
    return this.retrying(fn, counts, retriable);
  }

  /** The engine's one retry loop for calls outside the Writer: backoff, Retry-After or the rate-limit floor, a cap. */
  private async retrying<T>(fn: () => Promise<T>, counts: RunCounts, retryable: (cls: Classification) => boolean): Promise<Attempted<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await fn() };
      } catch (error) {
        const cls = this.classify(error);
        if (!retryable(cls) || attempt >= this.retry.maxAttempts) return { ok: false, error, cls, attempts: attempt };
        counts.retries++;
        await this.sleep(backoffDelay(attempt, this.retry, this.random, requestedWait(cls, this.retry) || undefined));
      }
    }
  }

  /**
   * One run of this flow at a time in this process. The flow lease is the guard between instances, but this instance
   * holds it under one id for every run, so a streamed ingest arriving during a poll (or a run-now during a stream
   * run) would take it again and mark the run in progress as abandoned. The later caller gets `busy` instead: stream
   * triggers retry it shortly, polls come again on schedule.
   */
  private async withRun(trigger: string, body: (runId: string, counts: RunCounts) => Promise<void>): Promise<RunSummary> {
    if (this.inRun) return { flow: this.flow.name, runId: null, status: 'busy', counts: emptyCounts() };
    this.inRun = true;
    try {
      return await this.withLeasedRun(trigger, body);
    } finally {
      this.inRun = false;
    }
  }

  private async withLeasedRun(trigger: string, body: (runId: string, counts: RunCounts) => Promise<void>): Promise<RunSummary> {
    const counts = emptyCounts();
    const flow = this.flow.name;
    if ((await this.store.getFlowState(flow)).paused) return { flow, runId: null, status: 'paused', counts };
    if (!(await this.store.acquireLease(this.leaseName, this.instanceId, this.leaseTtlMs))) {
      return { flow, runId: null, status: 'busy', counts };
    }
    this.renewedAt.set(this.instanceId, this.now().getTime());
    this.quarantineCache = null;
    this.conflictCache = null;
    await this.failAbandonedRuns(true);
    const run = await this.store.startRun({ flow, trigger });
    const startedAt = this.now().getTime();
    const finished = (summary: RunSummary): RunSummary => {
      this.onRunFinished?.({ ...summary, durationMs: this.now().getTime() - startedAt });
      return summary;
    };
    this.currentRunId = run.id;
    this.onRunStarted?.({ flow, runId: run.id });
    try {
      await body(run.id, counts);
      const status = counts.deadLettered > 0 ? 'partial' : 'succeeded';
      await this.store.finishRun(run.id, { status, counts: { ...counts } });
      this.log?.info({ runId: run.id, counts }, 'run finished');
      return finished({ flow, runId: run.id, status, counts });
    } catch (err) {
      const error = messageOf(err);
      await this.store.finishRun(run.id, { status: 'failed', counts: { ...counts }, error });
      this.log?.error({ runId: run.id, error }, 'run failed');
      return finished({ flow, runId: run.id, status: 'failed', counts, error });
    } finally {
      this.currentRunId = null;
      this.renewedAt.delete(this.instanceId);
      await this.store.releaseLease(this.leaseName, this.instanceId).catch(() => undefined);
    }
  }

  /**
   * Marks runs of this flow left `running` by an instance that stopped (kill -9, crash) as failed. `leaseHeld`: the
   * caller has just taken the flow lease, so any run still `running` belonged to a holder whose lease expired;
   * otherwise (start-up) only while nobody holds the lease.
   */
  async failAbandonedRuns(leaseHeld = false): Promise<number> {
    const n = await this.store.failRunningRuns(this.flow.name, ABANDONED_RUN, leaseHeld ? {} : { unlessLeaseHeld: this.leaseName });
    if (n) this.log?.warn({ runs: n }, 'runs left running by a stopped instance marked failed');
    return n;
  }

  /**
   * Extends the flow lease before reads and writes. A renewal younger than a quarter of the lease is still good for
   * three quarters of it, so it is not repeated: one statement every few pages instead of two per page.
   */
  private async renewLease(holder: string, force = false): Promise<boolean> {
    const now = this.now().getTime();
    const last = this.renewedAt.get(holder);
    if (!force && last !== undefined && now - last < this.leaseTtlMs / 4) return true;
    const ok = await this.store.acquireLease(this.leaseName, holder, this.leaseTtlMs);
    if (ok) this.renewedAt.set(holder, now);
    else this.renewedAt.delete(holder);
    return ok;
  }

  private classify(err: unknown): Classification {
    try {
      return this.flow.classify(err);
    } catch {
      return { kind: 'ambiguous', retryable: false };
    }
  }

  private targetIdOf(link: Link): string {
    return targetIdOfLink(this.flow, link);
  }

  private sourceIdOf(link: Link): string {
    return sourceIdOfLink(this.flow, link);
  }

  private conflictValues(sourceValue: unknown, targetValue: unknown): { sfValue: unknown; coupaValue: unknown } {
    return conflictValues(this.flow.source.system, sourceValue, targetValue);
  }

  /** Loads the page's sync state in a constant number of queries. */
  private async snapshot(ids: string[]): Promise<PageSnapshot> {
    const { store, flow, group } = this;
    this.quarantineCache ??= new Set((await store.listQuarantine(group)).map((q) => q.recordKey));
    const quarantined = this.quarantineCache;
    // Open conflicts are few and change only through this engine or the inbox: read once per run, kept current below.
    if (!this.conflictCache && this.mayConflict) {
      this.conflictCache = new Map();
      for (const c of await store.listOpenConflictFields(group)) this.conflictCache.set(c.recordKey, (this.conflictCache.get(c.recordKey) ?? new Set()).add(c.field));
    }
    const conflicted = this.conflictCache ?? new Map<string, Set<string>>();
    const links = new Map((await store.findLinks(group, flow.source.system, flow.source.object, ids)).map((l) => [this.sourceIdOf(l), l]));
    const linkIds = [...links.values()].map((l) => l.id);
    const echoes = new Map<string, Record<string, unknown> | null>();
    const writes = new Map<number, number>();
    if (linkIds.length) {
      for (const e of await store.listEchoes(group, linkIds)) echoes.set(`${e.linkId}|${e.direction}`, (e.payload as Record<string, unknown> | null) ?? null);
      if (this.loopPossible) {
        const since = new Date(this.now().getTime() - this.pingPong.windowMs).toISOString();
        for (const [id, n] of await store.countLinkWritesMany(linkIds, since, WRITE_ACTIONS)) writes.set(id, n);
      }
    }
    return { quarantined, links, echoes, writes, conflicted };
  }

  /**
   * Everything up to the Planner's decision: filters, echo, the flow's mapping and (batched) matching, then the plan.
   * Shared by runs, replays and dry runs, so a dry run decides exactly as a run would.
   */
  private async planPage(page: SourceRecord<any>[], o: Pick<PageOptions, 'seen' | 'force'>, counts: RunCounts): Promise<PagePlan> {
    const { flow } = this;
    const out: PagePlan = { decisions: [], failures: [], journal: [], conflicts: [], quarantines: [], waits: [], inSync: [], snap: null as unknown as PageSnapshot };
    const snap = (out.snap = await this.snapshot(page.map((r) => r.id)));
    const decide = (d: Decision) => out.decisions.push(d);
    const skip = (rec: SourceRecord<any>, action: string, linkId: number | null = null, detail?: unknown) => {
      if (action === 'skip-echo' || action === 'skip-origin') counts.echoes++;
      else if (action === 'skip-quarantined') counts.quarantined++;
      else counts.skipped++;
      out.journal.push(this.journalRow(rec, action, linkId, detail));
      decide({ record: rec, action, detail });
    };
    const fail = (f: Failure) => {
      out.failures.push(f);
      decide({ record: f.rec, action: 'dead-letter', detail: { error: messageOf(f.error) } });
    };

    interface Prepared {
      rec: SourceRecord<any>;
      key: string;
      link: Link | null;
      targetId: string | null;
      payload: Record<string, unknown>;
      view: Record<string, unknown>;
      waits: LinkRef[];
    }
    const prepared: Prepared[] = [];
    const candidates: Array<Pick<Prepared, 'rec' | 'key' | 'link' | 'view'>> = [];
    for (const rec of page) {
      counts.read++;
      const key = this.recordKey(rec.id);
      let ts: string;
      try {
        ts = normalizeTs(rec.ts);
      } catch (err) {
        fail({ rec, key, cls: { kind: 'validation', retryable: false }, error: err, attempts: 1 });
        continue;
      }
      if (o.seen && o.seen[rec.id] !== undefined && alreadySeen(o.seen[rec.id], ts, contentHash(rec))) {
        counts.duplicates++;
        continue;
      }
      if (snap.quarantined.has(key)) {
        skip(rec, 'skip-quarantined');
        continue;
      }
      if (flow.isOwnChange?.(rec)) {
        skip(rec, 'skip-origin');
        continue;
      }
      const link = snap.links.get(rec.id) ?? null;
      const forced = o.force?.get(rec.id);
      const view = (flow.echoView ? flow.echoView(rec) : rec.data) as Record<string, unknown>;
      const toSource = link ? (snap.echoes.get(`${link.id}|to-${flow.source.system}`) ?? null) : null;
      if (link && !flow.lineage && !forced && isWholeEcho(view, toSource)) {
        skip(rec, 'skip-echo', link.id);
        continue;
      }
      candidates.push({ rec, key, link, view });
    }
    // What only the records that will be planned need (look-ups for their links), loaded once for the page.
    if (flow.enrich && candidates.length) {
      const enriched = await this.planningCall(() => flow.enrich!(candidates.map((c) => c.rec)), counts);
      if (!enriched.ok) {
        for (const c of candidates.splice(0)) fail({ rec: c.rec, key: c.key, cls: enriched.cls, error: enriched.error, attempts: enriched.attempts, request: { stage: 'enrich' } });
      }
    }
    for (const { rec, key, link, view } of candidates) {
      const targetId = link ? this.targetIdOf(link) : null;
      const waits: LinkRef[] = [];
      const mapped = await this.planningCall(async () => {
        waits.length = 0;
        return flow.map(rec, {
          targetId,
          lastWritten: link ? (snap.echoes.get(`${link.id}|${this.direction}`) ?? null) : null,
          waitFor: (ref) => waits.push(ref),
        });
      }, counts);
      if (!mapped.ok) {
        // A failure the retries could not wait out keeps its class; any other failure of a mapping is the record's.
        const cls = mapped.cls.kind === 'transient' || mapped.cls.kind === 'rate-limited' ? mapped.cls : { kind: 'validation' as const, retryable: false };
        fail({ rec, key, cls, error: mapped.error, attempts: mapped.attempts, request: { stage: 'map', record: rec.data } });
        continue;
      }
      const payload = mapped.value;
      for (const ref of waits) out.waits.push({ sourceId: rec.id, ref });
      if (payload === null) {
        skip(rec, 'skip-filtered', link?.id ?? null);
        continue;
      }
      prepared.push({ rec, key, link, targetId, payload, view, waits });
    }

    // matching for unlinked records: one batched call when the flow supports it
    // Records that matching took out of the page (failed, ambiguous, or matched to a record linked elsewhere).
    const failed = new Set<string>();
    const unlinked = prepared.filter((p) => !p.link);
    if (unlinked.length && (flow.matchPage || flow.match)) {
      let answers = new Map<string, MatchResult>();
      if (flow.matchPage) {
        const matched = await this.planningCall(() => flow.matchPage!(unlinked.map((p) => ({ record: p.rec, payload: p.payload }))), counts);
        if (matched.ok) answers = matched.value;
        else {
          for (const p of unlinked) {
            failed.add(p.rec.id);
            fail({ rec: p.rec, key: p.key, cls: matched.cls, error: matched.error, attempts: matched.attempts, request: { stage: 'match' } });
          }
        }
      } else {
        for (const p of unlinked) {
          const matched = await this.planningCall(() => flow.match!(p.rec, p.payload), counts);
          if (matched.ok) answers.set(p.rec.id, matched.value);
          else {
            failed.add(p.rec.id);
            fail({ rec: p.rec, key: p.key, cls: matched.cls, error: matched.error, attempts: matched.attempts, request: { stage: 'match' } });
          }
        }
      }
      const matchedIds = [...answers.values()].flatMap((m) => ('targetId' in m && m.targetId ? [m.targetId] : []));
      const taken = new Map(
        matchedIds.length
          ? (await this.store.findLinks(this.group, flow.target.system, flow.target.object, matchedIds)).map((l) => [this.targetIdOf(l), l])
          : [],
      );
      for (const p of unlinked) {
        if (failed.has(p.rec.id)) continue;
        const m = answers.get(p.rec.id) ?? { targetId: null };
        if ('ambiguous' in m) {
          out.conflicts.push({ recordKey: p.key, field: '(match)', ...this.conflictValues(p.rec.id, m.ambiguous) });
          skip(p.rec, 'skip-ambiguous-match', null, { candidates: m.ambiguous });
          failed.add(p.rec.id);
          continue;
        }
        if (m.targetId) {
          const other = taken.get(m.targetId);
          if (other && this.sourceIdOf(other) !== p.rec.id) {
            out.conflicts.push({ recordKey: p.key, field: '(match)', ...this.conflictValues(p.rec.id, `${m.targetId} (linked to ${this.sourceIdOf(other)})`) });
            skip(p.rec, 'skip-match-already-linked', null, { targetId: m.targetId });
            failed.add(p.rec.id);
            continue;
          }
          p.targetId = m.targetId;
        }
      }
    }
    const live = prepared.filter((p) => !failed.has(p.rec.id));

    // current target values, for two-sided change detection
    const current = new Map<string, Record<string, unknown>>();
    // Linked records (two-sided change detection) and newly matched ones (a first write sends only what differs).
    const updates = live.filter((p) => p.targetId);
    if (flow.readTargets && updates.length) {
      try {
        for (const [id, v] of await flow.readTargets(updates.map((p) => p.targetId!))) current.set(id, v);
      } catch (err) {
        this.log?.warn({ error: messageOf(err) }, 'readTargets failed; writing without conflict detection');
      }
    }

    // effects already applied (idempotency ledger), so a re-planned record does not repeat them
    const planned = live.map((p) => {
      const lastWritten = p.link ? (snap.echoes.get(`${p.link.id}|${this.direction}`) ?? null) : null;
      return { p, lastWritten, effects: flow.effects?.(p.rec, p.payload, { targetId: p.targetId, lastWritten }) ?? [] };
    });
    const effectKeys = planned.flatMap((x) => x.effects.map((e) => e.key));
    const doneEffects = new Set(
      effectKeys.length ? (await this.store.getIdempotencies(effectKeys)).filter((e) => e.state === 'done').map((e) => e.key) : [],
    );

    for (const { p, lastWritten, effects } of planned) {
      const plan = planRecord({
        sourceSystem: flow.source.system,
        view: p.view,
        payload: p.payload,
        targetId: p.targetId,
        linked: !!p.link,
        lastWritten,
        lastWrittenToSource: p.link ? (snap.echoes.get(`${p.link.id}|to-${flow.source.system}`) ?? null) : null,
        current: p.targetId ? (current.get(p.targetId) ?? null) : null,
        owners: flow.fieldOwners,
        lineage: flow.lineage,
        reverseLineage: this.reverse?.()?.lineage,
        pingPong: this.loopPossible && p.link ? { writes: snap.writes.get(p.link.id) ?? 0, ...this.pingPong } : null,
        force: o.force?.get(p.rec.id),
        openConflicts: p.targetId ? this.openConflictFields(snap.conflicted, p.key, p.targetId) : undefined,
        effects: effects.filter((e) => !doneEffects.has(e.key)),
      });
      for (const c of plan.conflicts) {
        out.conflicts.push({ recordKey: p.key, field: c.field, ...this.conflictValues(c.sourceValue, c.targetValue) });
        snap.conflicted.set(p.key, (snap.conflicted.get(p.key) ?? new Set()).add(c.field));
      }
      if (plan.action === 'skip') {
        skip(p.rec, plan.reason, p.link?.id ?? null, plan.dropped.echo.length ? { echo: plan.dropped.echo } : undefined);
        if (plan.reason === 'skip-unchanged' && p.targetId && !p.link) {
          // A first match whose target already holds the payload: linked at commit, nothing written.
          const held = Object.fromEntries(Object.entries(p.payload).filter(([k]) => !plan.dropped.owner.includes(k) && !plan.dropped.conflict.includes(k)));
          out.inSync!.push({ rec: p.rec, key: p.key, targetId: p.targetId, held });
        }
      } else if (plan.action === 'quarantine') {
        counts.quarantined++;
        out.quarantines.push({ recordKey: p.key, reason: plan.reason });
        snap.quarantined.add(p.key);
        out.journal.push({ ...this.journalRow(p.rec, 'quarantined', p.link?.id ?? null), error: plan.reason });
        decide({ record: p.rec, action: 'quarantine', detail: { reason: plan.reason } });
        this.log?.warn({ record: p.key, reason: plan.reason }, 'record quarantined by the ping-pong breaker');
      } else {
        const idemKey = flow.idempotencyKey?.(p.rec) ?? `${this.group}:${flow.source.system}:${flow.source.object}:${p.rec.id}`;
        decide({
          record: p.rec,
          action: plan.op,
          targetId: plan.targetId,
          payload: plan.payload,
          dropped: plan.dropped,
          effects: plan.effects,
          task: { rec: p.rec, key: p.key, op: plan.op, targetId: plan.targetId, payload: plan.payload, idemKey, effects: plan.effects, attempts: 0, lastWritten },
          lastWritten,
          linkId: p.link?.id ?? null,
        });
      }
    }
    counts.conflicts += out.conflicts.length;
    return out;
  }

  private journalRow(rec: SourceRecord<any>, action: string, linkId: number | null, detail?: unknown): NewJournalEntry {
    // Built field by field (no spread): one row per skipped record.
    const row: NewJournalEntry = {
      runId: null,
      flow: this.flow.name,
      direction: this.direction,
      recordKey: this.recordKey(rec.id),
      action,
      origin: rec.origin ?? null,
      linkId,
    };
    if (detail !== undefined) row.after = detail;
    return row;
  }

  /**
   * Plans a batch page by page (the flow's look-ups and the state snapshot stay page-sized) and merges the plans, so
   * a batch of several pages is written and committed as one.
   */
  private async planBatch(records: SourceRecord<any>[], o: Pick<PageOptions, 'seen' | 'force'>, counts: RunCounts): Promise<PagePlan> {
    const size = this.flow.batchSize ?? 200;
    const plan = await this.planPage(records.slice(0, size), o, counts);
    for (let i = size; i < records.length; i += size) {
      const part = await this.planPage(records.slice(i, i + size), o, counts);
      for (const d of part.decisions) plan.decisions.push(d);
      for (const f of part.failures) plan.failures.push(f);
      for (const j of part.journal) plan.journal.push(j);
      for (const c of part.conflicts) plan.conflicts.push(c);
      for (const q of part.quarantines) plan.quarantines.push(q);
      for (const w of part.waits) plan.waits.push(w);
      for (const m of part.inSync ?? []) plan.inSync!.push(m);
      for (const [k, v] of part.snap.links) plan.snap.links.set(k, v);
      for (const [k, v] of part.snap.echoes) plan.snap.echoes.set(k, v);
      for (const [k, v] of part.snap.writes) plan.snap.writes.set(k, v);
    }
    return plan;
  }

  /** Plans records without writing anything (dry run, admin preview). */
  async plan(records: SourceRecord<any>[]): Promise<Decision[]> {
    const plan = await this.planBatch(records, { seen: null }, emptyCounts());
    return plan.decisions.map(({ task: _task, ...d }) => d);
  }

  /**
   * Plans a page (or a backlog batch of several), writes what the plans say in one batch, and commits it all in one
   * transaction with the checkpoint: nothing of the batch is committed before every record of it was written, so a
   * kill mid-batch leaves the checkpoint before the batch and the next run writes it again (upserts by external id
   * and the idempotency ledger make that safe).
   */
  private async processPage(page: SourceRecord<any>[], o: PageOptions): Promise<PageResult> {
    const plan = await this.planBatch(page, o, o.counts);
    const failures = plan.failures;
    const tasks = plan.decisions.flatMap((d) => (d.task ? [d.task] : []));

    // creates record their intent first; one found from an earlier attempt is re-checked before creating again
    const idemBegun = new Set<string>();
    const unchecked = new Set<WriteTask>();
    const creates = tasks.filter((t) => t.op === 'create');
    if (creates.length) {
      const ledger = await this.store.beginIdempotentMany(creates.map((t) => t.idemKey), this.flow.name);
      for (const t of creates) {
        idemBegun.add(t.idemKey);
        const entry = ledger.get(t.idemKey);
        if (!entry || entry.created) continue;
        const checked =
          entry.entry.state === 'done' && entry.entry.remoteId
            ? { ok: true as const, value: entry.entry.remoteId }
            : await this.planningCall(async () => (await this.flow.findByIdempotencyKey?.(t.idemKey)) ?? null, o.counts);
        if (checked.ok) {
          if (checked.value) {
            t.targetId = checked.value;
            t.op = 'update';
          }
        } else {
          failures.push({ rec: t.rec, key: t.key, cls: checked.cls, error: checked.error, attempts: checked.attempts, request: { stage: 'idempotency-check' } });
          unchecked.add(t);
        }
      }
    }
    const runnable = tasks.filter((t) => !unchecked.has(t));
    const written = await writeTasks(
      runnable,
      {
        flow: this.flow,
        store: this.store,
        retry: this.retry,
        sleep: this.sleep,
        random: this.random,
        classify: (e) => this.classify(e),
        renewLease: () => this.renewLease(o.holder),
        keepLease: () => this.renewLease(o.holder, true),
        keepLeaseEveryMs: this.leaseTtlMs / 3,
        onRetry: (n) => (o.counts.retries += n),
        now: this.now,
        batchSize: Math.max(this.flow.batchSize ?? 200, page.length),
      },
      (f) => failures.push(f),
    );
    const lastWritten = new Map<number, Record<string, unknown> | null>();
    const lastWrittenToSource = new Map<number, Record<string, unknown> | null>();
    for (const d of plan.decisions) if (d.linkId !== undefined && d.linkId !== null) lastWritten.set(d.linkId, d.lastWritten ?? null);
    for (const [key, payload] of plan.snap.echoes) {
      const [linkId, direction] = key.split('|');
      if (direction === `to-${this.flow.source.system}`) lastWrittenToSource.set(Number(linkId), payload);
    }
    for (const j of plan.journal) j.runId = o.runId;
    const result = await commitPage(this.store, {
      flowName: this.flow.name,
      group: this.group,
      direction: this.direction,
      source: this.flow.source,
      target: this.flow.target,
      runId: o.runId,
      written: written.ok,
      failures,
      journal: plan.journal,
      conflicts: plan.conflicts,
      quarantines: plan.quarantines,
      waits: plan.waits,
      inSync: plan.inSync,
      links: plan.snap.links,
      lastWritten,
      lastWrittenToSource,
      idemBegun,
      checkpoint: o.checkpoint && !written.aborted ? o.checkpoint : null,
      position: o.position && !written.aborted ? o.position : null,
      replayOf: o.replayOf,
    });
    o.counts.created += result.created;
    o.counts.updated += result.updated;
    o.counts.deadLettered += result.deadLettered;
    o.counts.conflicts += result.conflicts;
    if (result.released) this.log?.info({ released: result.released }, 'new links released records waiting for them');
    // What needs a person, at warn with flow (the logger's binding), record key and reason; messageOf masks secrets.
    for (const f of failures) {
      const reason = messageOf(f.error);
      const gaveUp = f.cls.retryable || f.cls.kind === 'transient' || f.cls.kind === 'rate-limited';
      this.log?.warn(
        { record: f.key, errorClass: f.cls.kind, reason, attempts: f.attempts, ...(o.replayOf ? { deadLetter: o.replayOf.id } : {}) },
        gaveUp ? `record dead-lettered: gave up after ${f.attempts} attempt(s)` : 'record dead-lettered',
      );
    }
    for (const c of plan.conflicts) {
      this.log?.warn({ record: c.recordKey, field: c.field, reason: conflictReason(c.field) }, 'conflict filed for a person to resolve');
    }
    return { written: written.ok.length, failures, aborted: written.aborted };
  }

  /** Plans again the records released by new links (dependents), reading each from the source first. */
  private async processDependents(runId: string, counts: RunCounts): Promise<void> {
    const size = this.flow.batchSize ?? 200;
    for (;;) {
      const work = await this.store.claimWork(this.flow.name, this.instanceId, size, this.leaseTtlMs);
      if (work.length === 0) return;
      if (this.flow.fetch) {
        const records = await this.flow.fetch([...new Set(work.map((w) => w.recordKey))]);
        if (records.length) {
          const result = await this.processPage(records, { runId, counts, seen: null, checkpoint: null, holder: this.instanceId });
          if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
        }
      } else {
        this.log?.warn({ records: work.length }, 'flow cannot re-read records by id; dependents wait for their next change');
      }
      for (const w of work) await this.store.completeWork(w.id, this.instanceId);
      if (work.length < size) return;
    }
  }
  /**
   * Sends a dead-lettered record through the flow again (after a fix), from the source's current state: the record is
   * re-read when the flow can (`fetch`), otherwise the stored copy is used only if no newer version was synced since.
   * On success the dead letter is marked replayed; on failure its attempts and message are updated.
   */
  async replayDeadLetter(id: number, actor = 'system'): Promise<{ ok: boolean; error?: string }> {
    const dl = await this.store.getDeadLetter(id);
    if (!dl || dl.flow !== this.flow.name) throw new Error(`dead letter ${id} not found for flow ${this.flow.name}`);
    if (dl.status !== 'open') throw new Error(`dead letter ${id} is ${dl.status}`);
    const stored = (dl.payload as { record?: SourceRecord<any> } | null)?.record;
    if (!stored) throw new Error(`dead letter ${id} has no source record to replay`);
    let record = stored;
    if (this.flow.fetch) {
      const fresh = await this.flow.fetch([stored.id]);
      if (fresh.length === 0) {
        return { ok: false, error: `${dl.recordKey} no longer exists in ${this.flow.source.system}; discard this dead letter` };
      }
      record = fresh[0];
    } else {
      const newer = (await this.store.listJournal({ flow: this.flow.name, recordKey: dl.recordKey, limit: 10_000 })).find(
        (j) => WRITE_ACTIONS.includes(j.action) && j.at > dl.updatedAt,
      );
      if (newer) {
        return { ok: false, error: `${dl.recordKey} was synced again at ${newer.at}, after this dead letter; replaying it would write older data. Discard it.` };
      }
    }
    const result = await this.withLease('replay', `dead letter ${id}`, (holder, counts) =>
      this.processPage([record], { runId: null, counts, seen: null, checkpoint: null, replayOf: dl, holder }),
    );
    await this.store.audit(actor, 'dead-letter.replay', { id, flow: this.flow.name, ok: result.failures.length === 0 && !result.aborted });
    if (result.aborted) return { ok: false, error: messageOf(result.aborted) };
    if (result.failures.length) return { ok: false, error: messageOf(result.failures[0].error) };
    await this.store.updateDeadLetter(id, { status: 'replayed', attempts: dl.attempts + 1 });
    return { ok: true };
  }

  /**
   * Writes `fields` of one source record to its target through the normal path (journal, echo ledger), whatever echo,
   * ownership and no-op checks would say: how a resolved conflict's winning value reaches the losing side.
   */
  async rewrite(sourceId: string, fields: string[]): Promise<{ ok: boolean; action: string; error?: string }> {
    if (!this.flow.fetch) return { ok: false, action: 'none', error: `flow ${this.flow.name} cannot re-read a record by id` };
    const records = await this.flow.fetch([sourceId]);
    if (records.length === 0) return { ok: false, action: 'none', error: `${this.recordKey(sourceId)} no longer exists` };
    const counts = emptyCounts();
    const result = await this.withLease('resolve', sourceId, (holder) =>
      this.processPage(records, { runId: null, counts, seen: null, checkpoint: null, holder, force: new Map([[sourceId, fields]]) }),
    );
    if (result.aborted) return { ok: false, action: 'none', error: messageOf(result.aborted) };
    if (result.failures.length) return { ok: false, action: 'dead-letter', error: messageOf(result.failures[0].error) };
    return { ok: true, action: counts.updated ? 'update' : counts.created ? 'create' : 'none' };
  }

  private async withLease<T>(purpose: string, what: string | number, fn: (holder: string, counts: RunCounts) => Promise<T>): Promise<T> {
    const holder = `${this.instanceId}:${purpose}`;
    // Counted in steps rather than by the clock, so an injected clock that stands still cannot make it wait forever.
    const step = 250;
    for (let waited = 0; !(await this.store.acquireLease(this.leaseName, holder, this.leaseTtlMs)); waited += step) {
      if (waited >= this.leaseWaitMs) throw new Error(`flow ${this.flow.name} is running; ${purpose} ${what} later`);
      await this.sleep(step);
    }
    this.renewedAt.set(holder, this.now().getTime());
    this.quarantineCache = null;
    this.conflictCache = null;
    try {
      return await fn(holder, emptyCounts());
    } finally {
      this.renewedAt.delete(holder);
      await this.store.releaseLease(this.leaseName, holder).catch(() => undefined);
    }
  }
}

/** Why a conflict was filed, in words, from its field (`(match)`, `(link)` or a field changed on both sides). */
function conflictReason(field: string): string {
  if (field === '(match)') return 'no single counterpart: the match is ambiguous or the counterpart is linked to another record';
  if (field === '(link)') return 'two records claim the same counterpart';
  return `${field} changed on both sides since the last sync`;
}

/** The error of a run whose instance stopped before finishing it. */
export const ABANDONED_RUN = 'instance stopped before the run finished (lease expired)';

export type { SystemName };
