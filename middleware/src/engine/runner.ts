import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { scrub } from '../log';
import type { DeadLetter, Link, StateStore } from '../store';
import { alreadySeen, compareCursors, maxCursor, normalizeTs, overlapStart, pruneSeen, seenMark, type SeenSet } from './cursor';
import { hashPayload } from './hash';
import { targetIdOfLink } from './links';
import { applyOwnership } from './ownership';
import { DEFAULT_RETRY, backoffDelay, realSleep, type RetryPolicy } from './retry';
import type { Classification, Cursor, FlowDefinition, SourceRecord, SystemName, WriteItem, WriteOutcome } from './types';

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

export interface RunnerOptions {
  store: StateStore;
  logger?: Logger;
  /** Lease holder name; distinct per process. */
  instanceId?: string;
  retry?: Partial<RetryPolicy>;
  /** Quarantine a link written `maxWrites` times within `windowMs` (loop prevention layer 4). */
  pingPong?: { maxWrites: number; windowMs: number };
  leaseTtlMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

const WRITE_ACTIONS = ['create', 'update'];
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

/** Raised when a failure means the run must stop (auth still failing after a retry). */
export class RunAbortedError extends Error {
  override name = 'RunAbortedError';
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : typeof err === 'string' ? err : JSON.stringify(err);
  return String(scrub(text ?? 'unknown error')).slice(0, 2000);
}

/** Request/response bodies as stored in dead letters: secret-named keys and known secrets masked. */
function safeJson(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return scrub(JSON.parse(JSON.stringify(value)));
  } catch {
    return String(value);
  }
}

interface Item {
  rec: SourceRecord<any>;
  ts: string;
  key: string;
  link: Link | null;
  targetId: string | null;
  op: 'create' | 'update';
  payload: Record<string, unknown>;
  idemKey: string;
  /** True when this run holds an idempotency ledger entry that must be completed. */
  idemBegun: boolean;
  before: Record<string, unknown> | null;
  lastWritten: Record<string, unknown> | null;
  attempts: number;
}

interface Failure {
  rec: SourceRecord<any>;
  key: string;
  cls: Classification;
  error: unknown;
  request?: unknown;
  response?: unknown;
  attempts: number;
}

type Effect = (tx: StateStore) => Promise<void>;

interface PageOptions {
  runId: string | null;
  counts: RunCounts;
  /** Dedupe against records already processed in the overlap window; null disables. */
  seen: SeenSet | null;
  /** Checkpoint to save with the page's effects; null leaves checkpoints alone (replay). */
  checkpoint: { cursor: Cursor; seen: SeenSet } | null;
  /** When replaying a dead letter, failures update it instead of adding a new one. */
  replayOf?: DeadLetter;
  /** Lease holder renewing the flow lease while writing. */
  holder: string;
}

interface PageResult {
  /** Records written (created or updated). */
  written: number;
  failures: Failure[];
  aborted?: unknown;
}

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
  private readonly pingPong: { maxWrites: number; windowMs: number };
  private readonly log?: Logger;
  private running: Promise<RunSummary> | null = null;

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
    this.pingPong = opts.pingPong ?? { maxWrites: 6, windowMs: 300_000 };
    this.log = opts.logger?.child({ flow: flow.name });
  }

  private get direction(): string {
    return `to-${this.flow.target.system}`;
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

  /** Processes records pushed by a stream (CDC), advancing the checkpoint past them. */
  ingest(records: SourceRecord<any>[], trigger = 'stream'): Promise<RunSummary> {
    return this.withRun(trigger, async (runId, counts) => {
      const cp = await this.store.getCheckpoint(this.flow.name);
      let cursor: Cursor | null = cp?.cursorTs ? { ts: cp.cursorTs, id: cp.cursorId ?? '' } : null;
      const overlap = this.flow.overlapMs ?? 60_000;
      let seen = (cp?.extra.seen as SeenSet | undefined) ?? {};
      const size = this.flow.batchSize ?? 200;
      for (let i = 0; i < records.length; i += size) {
        const page = records.slice(i, i + size);
        const next = this.advance(cursor, seen, page, overlap);
        const result = await this.processPage(page, { runId, counts, seen, checkpoint: next, holder: this.instanceId });
        if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
        ({ cursor, seen } = next);
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
      let after = overlapStart(cursor, overlap);
      for (;;) {
        if (!(await this.store.acquireLease(this.leaseName, this.instanceId, this.leaseTtlMs))) {
          throw new RunAbortedError('lost the flow lease to another instance');
        }
        const page = await this.readWithRetry(after, limit, counts);
        if (page.length === 0) break;
        const last = page[page.length - 1];
        const lastCursor = { ts: normalizeTs(last.ts), id: last.id };
        if (after && compareCursors(lastCursor, after) <= 0) throw new Error(`${this.flow.name}: read() returned records not after the cursor`);
        const next = this.advance(cursor, seen, page, overlap);
        const result = await this.processPage(page, { runId, counts, seen, checkpoint: next, holder: this.instanceId });
        if (result.aborted) throw new RunAbortedError(messageOf(result.aborted));
        ({ cursor, seen } = next);
        after = lastCursor;
        if (page.length < limit) break;
      }
    });
  }

  private advance(cursor: Cursor | null, seen: SeenSet, page: SourceRecord<any>[], overlap: number): { cursor: Cursor; seen: SeenSet } {
    let next = cursor;
    const merged: SeenSet = { ...seen };
    for (const rec of page) {
      const ts = normalizeTs(rec.ts);
      next = maxCursor(next, { ts, id: rec.id });
      merged[rec.id] = seenMark(ts, hashPayload(rec.data));
    }
    return { cursor: next!, seen: pruneSeen(merged, next, overlap) };
  }

  private async readWithRetry(after: Cursor | null, limit: number, counts: RunCounts): Promise<SourceRecord<any>[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.flow.read({ after, limit });
      } catch (err) {
        const cls = this.classify(err);
        const retryable = cls.retryable || cls.kind === 'transient' || cls.kind === 'rate-limited';
        if (!retryable || attempt >= this.retry.maxAttempts) throw err;
        counts.retries++;
        await this.sleep(backoffDelay(attempt, this.retry, this.random, cls.retryAfterMs));
      }
    }
  }

  private async withRun(trigger: string, body: (runId: string, counts: RunCounts) => Promise<void>): Promise<RunSummary> {
    const counts = emptyCounts();
    const flow = this.flow.name;
    if ((await this.store.getFlowState(flow)).paused) return { flow, runId: null, status: 'paused', counts };
    if (!(await this.store.acquireLease(this.leaseName, this.instanceId, this.leaseTtlMs))) {
      return { flow, runId: null, status: 'busy', counts };
    }
    const run = await this.store.startRun({ flow, trigger });
    try {
      await body(run.id, counts);
      const status = counts.deadLettered > 0 ? 'partial' : 'succeeded';
      await this.store.finishRun(run.id, { status, counts: { ...counts } });
      this.log?.info({ runId: run.id, counts }, 'run finished');
      return { flow, runId: run.id, status, counts };
    } catch (err) {
      const error = messageOf(err);
      await this.store.finishRun(run.id, { status: 'failed', counts: { ...counts }, error });
      this.log?.error({ runId: run.id, error }, 'run failed');
      return { flow, runId: run.id, status: 'failed', counts, error };
    } finally {
      await this.store.releaseLease(this.leaseName, this.instanceId).catch(() => undefined);
    }
  }

  private classify(err: unknown): Classification {
    try {
      return this.flow.classify(err);
    } catch {
      return { kind: 'ambiguous', retryable: false };
    }
  }

  private linkSides(sourceId: string, targetId: string) {
    const { source, target } = this.flow;
    const sf = source.system === 'salesforce' ? { object: source.object, id: sourceId } : { object: target.object, id: targetId };
    const coupa = source.system === 'coupa' ? { object: source.object, id: sourceId } : { object: target.object, id: targetId };
    return { flow: this.group, sfObject: sf.object, sfId: sf.id, coupaResource: coupa.object, coupaId: coupa.id };
  }

  private targetIdOf(link: Link): string {
    return targetIdOfLink(this.flow, link);
  }

  private sourceIdOf(link: Link): string {
    return this.flow.source.system === 'salesforce' ? link.sfId : link.coupaId;
  }

  private conflictValues(sourceValue: unknown, targetValue: unknown): { sfValue: unknown; coupaValue: unknown } {
    return this.flow.source.system === 'salesforce'
      ? { sfValue: sourceValue, coupaValue: targetValue }
      : { sfValue: targetValue, coupaValue: sourceValue };
  }

  /** Resolves every record of a page (written, skipped or dead-lettered), then commits the page. */
  private async processPage(page: SourceRecord<any>[], o: PageOptions): Promise<PageResult> {
    const { store, flow, group } = this;
    const effects: Effect[] = [];
    const failures: Failure[] = [];
    const journal = (rec: SourceRecord<any>, action: string, extra: { linkId?: number | null; error?: string } = {}) =>
      effects.push((tx) =>
        tx
          .appendJournal({
            runId: o.runId,
            flow: flow.name,
            direction: this.direction,
            recordKey: this.recordKey(rec.id),
            action,
            origin: rec.origin ?? null,
            linkId: extra.linkId ?? null,
            error: extra.error ?? null,
          })
          .then(() => undefined),
      );
    const skip = (rec: SourceRecord<any>, action: string, linkId?: number | null) => {
      o.counts.skipped++;
      journal(rec, action, { linkId });
    };
    const fail = (rec: SourceRecord<any>, cls: Classification, error: unknown, attempts: number, request?: unknown, response?: unknown) =>
      failures.push({ rec, key: this.recordKey(rec.id), cls, error, attempts, request, response });

    // 1. filter, map, match
    const quarantined = new Set((await store.listQuarantine(group)).map((q) => q.recordKey));
    const prepared: Item[] = [];
    for (const rec of page) {
      o.counts.read++;
      const key = this.recordKey(rec.id);
      let ts: string;
      try {
        ts = normalizeTs(rec.ts);
      } catch (err) {
        fail(rec, { kind: 'validation', retryable: false }, err, 1);
        continue;
      }
      if (o.seen && alreadySeen(o.seen[rec.id], ts, hashPayload(rec.data))) {
        o.counts.duplicates++;
        continue;
      }
      if (quarantined.has(key)) {
        o.counts.quarantined++;
        journal(rec, 'skip-quarantined');
        continue;
      }
      if (flow.isOwnChange?.(rec)) {
        o.counts.echoes++;
        journal(rec, 'skip-origin');
        continue;
      }
      const link = await store.findLink(group, flow.source.system, flow.source.object, rec.id);
      if (link) {
        const echo = await store.getEcho(group, link.id, `to-${flow.source.system}`);
        if (echo && echo.payload && typeof echo.payload === 'object') {
          const keys = Object.keys(echo.payload as object);
          const view = flow.echoView ? flow.echoView(rec) : (rec.data as Record<string, unknown>);
          const projected = Object.fromEntries(keys.map((k) => [k, view?.[k]]));
          if (hashPayload(projected) === echo.hash) {
            o.counts.echoes++;
            journal(rec, 'skip-echo', { linkId: link.id });
            continue;
          }
        }
      }
      let targetId = link ? this.targetIdOf(link) : null;
      let payload: Record<string, unknown> | null;
      try {
        payload = await flow.map(rec, { targetId });
      } catch (err) {
        fail(rec, { kind: 'validation', retryable: false }, err, 1, { stage: 'map', record: rec.data });
        continue;
      }
      if (payload === null) {
        skip(rec, 'skip-filtered', link?.id);
        continue;
      }
      if (!link && flow.match) {
        let m;
        try {
          m = await flow.match(rec, payload);
        } catch (err) {
          fail(rec, this.classify(err), err, 1, { stage: 'match' });
          continue;
        }
        if ('ambiguous' in m) {
          o.counts.conflicts++;
          const values = this.conflictValues(rec.id, m.ambiguous);
          effects.push((tx) => tx.addConflict({ flow: group, recordKey: key, field: '(match)', ...values }).then(() => undefined));
          skip(rec, 'skip-ambiguous-match');
          continue;
        }
        if (m.targetId) {
          const taken = await store.findLink(group, flow.target.system, flow.target.object, m.targetId);
          if (taken && this.sourceIdOf(taken) !== rec.id) {
            o.counts.conflicts++;
            const values = this.conflictValues(rec.id, `${m.targetId} (linked to ${this.sourceIdOf(taken)})`);
            effects.push((tx) => tx.addConflict({ flow: group, recordKey: key, field: '(match)', ...values }).then(() => undefined));
            skip(rec, 'skip-match-already-linked');
            continue;
          }
          targetId = m.targetId;
        }
      }
      const lastWritten = link ? ((await store.getEcho(group, link.id, this.direction))?.payload as Record<string, unknown> | null) ?? null : null;
      prepared.push({
        rec,
        ts,
        key,
        link,
        targetId,
        op: targetId ? 'update' : 'create',
        payload,
        idemKey: flow.idempotencyKey?.(rec) ?? `${group}:${flow.source.system}:${flow.source.object}:${rec.id}`,
        idemBegun: false,
        before: null,
        lastWritten,
        attempts: 0,
      });
    }

    // 2. current target values, for two-sided change detection and the journal's "before"
    const needCurrent = prepared.filter((p) => p.op === 'update' && p.targetId);
    if (flow.readTargets && needCurrent.length) {
      try {
        const current = await flow.readTargets(needCurrent.map((p) => p.targetId!));
        for (const p of needCurrent) p.before = current.get(p.targetId!) ?? null;
      } catch (err) {
        this.log?.warn({ error: messageOf(err) }, 'readTargets failed; writing without conflict detection');
      }
    }

    // 3. ownership, no-op and ping-pong checks, idempotency ledger
    const items: Item[] = [];
    for (const p of prepared) {
      const owned = applyOwnership(p.payload, flow.source.system, flow.fieldOwners, p.lastWritten, p.before);
      for (const c of owned.conflicts) {
        o.counts.conflicts++;
        const values = this.conflictValues(c.sourceValue, c.targetValue);
        effects.push((tx) => tx.addConflict({ flow: group, recordKey: p.key, field: c.field, ...values }).then(() => undefined));
      }
      p.payload = owned.payload;
      if (p.op === 'update' && p.link) {
        const last = await store.getEcho(group, p.link.id, this.direction);
        if (Object.keys(p.payload).length === 0 || last?.hash === hashPayload(p.payload)) {
          skip(p.rec, 'skip-unchanged', p.link.id);
          continue;
        }
        const since = new Date(this.now().getTime() - this.pingPong.windowMs).toISOString();
        const writes = await store.countLinkWrites(p.link.id, since, WRITE_ACTIONS);
        if (writes >= this.pingPong.maxWrites) {
          o.counts.quarantined++;
          const reason = `written ${writes} times in ${Math.round(this.pingPong.windowMs / 1000)}s`;
          effects.push((tx) => tx.quarantine(group, p.key, reason));
          journal(p.rec, 'quarantined', { linkId: p.link.id, error: reason });
          continue;
        }
      }
      if (p.op === 'create') {
        try {
          const { created, entry } = await store.beginIdempotent(p.idemKey, flow.name);
          p.idemBegun = true;
          if (!created) {
            // A create for this record was attempted before (crash or ambiguous answer): re-check first.
            const existing =
              entry.state === 'done' && entry.remoteId ? entry.remoteId : ((await flow.findByIdempotencyKey?.(p.idemKey)) ?? null);
            if (existing) {
              p.targetId = existing;
              p.op = 'update';
            }
          }
        } catch (err) {
          fail(p.rec, this.classify(err), err, 1, { stage: 'idempotency-check' });
          continue;
        }
      }
      items.push(p);
    }

    // 4. write in batches, retrying what can be retried
    const written = await this.writeWithRetry(items, fail, o.counts, o.holder);

    // 5. commit links, ledger, echo, journal, dead letters and checkpoint together
    await store.transaction(async (tx) => {
      for (const { item: p, targetId } of written.ok) {
        let link = p.link;
        if (!link) {
          const pair = this.linkSides(p.rec.id, targetId);
          const bySource = await tx.findLink(group, flow.source.system, flow.source.object, p.rec.id);
          const byTarget = await tx.findLink(group, flow.target.system, flow.target.object, targetId);
          if (byTarget && (!bySource || byTarget.id !== bySource.id)) {
            o.counts.conflicts++;
            const values = this.conflictValues(p.rec.id, `${targetId} (linked to ${this.sourceIdOf(byTarget)})`);
            await tx.addConflict({ flow: group, recordKey: p.key, field: '(link)', ...values });
          }
          link = bySource ?? (byTarget ? null : await tx.createLink(pair));
        }
        if (p.idemBegun) await tx.completeIdempotent(p.idemKey, targetId);
        if (link) await tx.setEcho({ flow: group, linkId: link.id, direction: this.direction, hash: hashPayload(p.payload), payload: p.payload });
        await tx.appendJournal({
          runId: o.runId,
          flow: flow.name,
          direction: this.direction,
          recordKey: p.key,
          linkId: link?.id ?? null,
          action: p.op,
          origin: p.rec.origin ?? null,
          before: p.before,
          after: p.payload,
        });
        o.counts[p.op === 'create' ? 'created' : 'updated']++;
      }
      for (const f of failures) {
        o.counts.deadLettered++;
        const message = messageOf(f.error);
        if (o.replayOf) {
          await tx.updateDeadLetter(o.replayOf.id, { attempts: o.replayOf.attempts + f.attempts, message });
        } else {
          await tx.addDeadLetter({
            flow: flow.name,
            recordKey: f.key,
            payload: { record: f.rec },
            request: safeJson(f.request),
            response: safeJson(f.response),
            errorClass: f.cls.kind,
            message,
            attempts: f.attempts,
          });
        }
        await tx.appendJournal({
          runId: o.runId,
          flow: flow.name,
          direction: this.direction,
          recordKey: f.key,
          action: 'dead-letter',
          origin: f.rec.origin ?? null,
          error: `${f.cls.kind}: ${message}`,
        });
      }
      for (const effect of effects) await effect(tx);
      if (o.checkpoint && !written.aborted) {
        await tx.saveCheckpoint({
          flow: flow.name,
          cursorTs: o.checkpoint.cursor.ts,
          cursorId: o.checkpoint.cursor.id,
          extra: { seen: o.checkpoint.seen },
        });
      }
    });
    return { written: written.ok.length, failures, aborted: written.aborted };
  }

  private async writeWithRetry(
    items: Item[],
    fail: (rec: SourceRecord<any>, cls: Classification, error: unknown, attempts: number, request?: unknown, response?: unknown) => void,
    counts: RunCounts,
    holder: string,
  ): Promise<{ ok: { item: Item; targetId: string }[]; aborted?: unknown }> {
    const ok: { item: Item; targetId: string }[] = [];
    const size = this.flow.batchSize ?? 200;
    let aborted: unknown;
    for (let start = 0; start < items.length && aborted === undefined; start += size) {
      let pending = items.slice(start, start + size);
      let authRetried = false;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const batch: WriteItem[] = pending.map((p) => ({
          sourceId: p.rec.id,
          op: p.op,
          ...(p.targetId ? { targetId: p.targetId } : {}),
          idempotencyKey: p.idemKey,
          payload: p.payload,
        }));
        if (!(await this.store.acquireLease(this.leaseName, holder, this.leaseTtlMs))) {
          aborted = new RunAbortedError('lost the flow lease to another instance');
          break;
        }
        let outcomes: WriteOutcome[];
        try {
          outcomes = await this.flow.write(batch);
          if (outcomes.length !== batch.length) throw new Error(`write returned ${outcomes.length} outcomes for ${batch.length} items`);
        } catch (error) {
          outcomes = batch.map(() => ({ ok: false as const, error }));
        }
        const again: Item[] = [];
        let retryAfter = 0;
        for (let i = 0; i < pending.length; i++) {
          const p = pending[i];
          const out = outcomes[i];
          p.attempts = attempt;
          if (out.ok) {
            ok.push({ item: p, targetId: out.targetId });
            continue;
          }
          const cls = this.classify(out.error);
          const request = out.request ?? { op: batch[i].op, targetId: batch[i].targetId ?? null, payload: batch[i].payload };
          if (cls.kind === 'ambiguous') {
            if (p.op === 'create') {
              if (!this.flow.findByIdempotencyKey) {
                fail(p.rec, cls, out.error, attempt, request, out.response);
                continue;
              }
              let found: string | null = null;
              try {
                found = await this.flow.findByIdempotencyKey(p.idemKey);
              } catch {
                found = null; // unknown again: the create is retried only after another successful re-check
                again.push(p);
                continue;
              }
              if (found) {
                ok.push({ item: p, targetId: found });
                continue;
              }
            }
            again.push(p);
          } else if (cls.kind === 'transient' || cls.kind === 'rate-limited' || (cls.retryable && cls.kind !== 'auth')) {
            retryAfter = Math.max(retryAfter, cls.retryAfterMs ?? 0);
            again.push(p);
          } else if (cls.kind === 'auth' && !authRetried) {
            again.push(p);
          } else if (cls.kind === 'auth') {
            aborted = out.error;
          } else {
            fail(p.rec, cls, out.error, attempt, request, out.response);
          }
        }
        if (pending.some((p, i) => !outcomes[i].ok && this.classify(outcomes[i].error).kind === 'auth')) authRetried = true;
        if (aborted !== undefined) break;
        if (again.length === 0) break;
        if (attempt >= this.retry.maxAttempts) {
          for (const p of again) {
            const idx = pending.indexOf(p);
            const out = outcomes[idx];
            const error = out && !out.ok ? out.error : new Error('retries exhausted');
            fail(p.rec, this.classify(error), error, attempt, { op: p.op, targetId: p.targetId ?? null, payload: p.payload }, out && !out.ok ? out.response : undefined);
          }
          break;
        }
        counts.retries += again.length;
        await this.sleep(backoffDelay(attempt, this.retry, this.random, retryAfter || undefined));
        pending = again;
      }
    }
    return { ok, aborted };
  }

  /**
   * Sends a dead-lettered record through the flow again (after a fix). On success the dead letter is
   * marked replayed; on failure its attempts and message are updated.
   */
  async replayDeadLetter(id: number, actor = 'system'): Promise<{ ok: boolean; error?: string }> {
    const dl = await this.store.getDeadLetter(id);
    if (!dl || dl.flow !== this.flow.name) throw new Error(`dead letter ${id} not found for flow ${this.flow.name}`);
    if (dl.status !== 'open') throw new Error(`dead letter ${id} is ${dl.status}`);
    const record = (dl.payload as { record?: SourceRecord<any> } | null)?.record;
    if (!record) throw new Error(`dead letter ${id} has no source record to replay`);
    const holder = `${this.instanceId}:replay`;
    if (!(await this.store.acquireLease(this.leaseName, holder, this.leaseTtlMs))) {
      throw new Error(`flow ${this.flow.name} is running; replay dead letter ${id} later`);
    }
    const counts = emptyCounts();
    let result: PageResult;
    try {
      result = await this.processPage([record], { runId: null, counts, seen: null, checkpoint: null, replayOf: dl, holder });
    } finally {
      await this.store.releaseLease(this.leaseName, holder).catch(() => undefined);
    }
    await this.store.audit(actor, 'dead-letter.replay', { id, flow: this.flow.name, ok: result.failures.length === 0 && !result.aborted });
    if (result.aborted) return { ok: false, error: messageOf(result.aborted) };
    if (result.failures.length) return { ok: false, error: messageOf(result.failures[0].error) };
    await this.store.updateDeadLetter(id, { status: 'replayed', attempts: dl.attempts + 1 });
    return { ok: true };
  }
}

export type { SystemName };
