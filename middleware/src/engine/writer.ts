/**
 * The Writer: executes a page's write plans in batches of the flow's size, with the engine's one retry policy
 * (classified failures, one backoff, `Retry-After` honoured, a cap on attempts), then the plans' side effects.
 */
import type { StateStore } from '../store';
import { backoffDelay, requestedWait, type RetryPolicy } from './retry';
import type { Classification, EffectOutcome, FlowDefinition, PlannedEffect, SourceRecord, WriteItem, WriteOutcome } from './types';

/** Raised when a failure means the run must stop (auth still failing after a retry, lease lost). */
export class RunAbortedError extends Error {
  override name = 'RunAbortedError';
}

export interface WriteTask {
  rec: SourceRecord<any>;
  key: string;
  op: 'create' | 'update';
  targetId: string | null;
  payload: Record<string, unknown>;
  idemKey: string;
  effects: PlannedEffect[];
  attempts: number;
  lastWritten?: Record<string, unknown> | null;
}

export interface Failure {
  rec: SourceRecord<any>;
  key: string;
  cls: Classification;
  error: unknown;
  request?: unknown;
  response?: unknown;
  attempts: number;
}

export interface Written {
  task: WriteTask;
  targetId: string;
  written: Record<string, unknown>;
  sourceInSync?: Record<string, unknown>;
  /** Effects applied (or found applied before), with the remote id, for the ledger. */
  effectsDone: Array<{ effect: PlannedEffect; remoteId: string }>;
  /** Set when the record was written but one of its effects failed: the record is dead-lettered, its echo not advanced. */
  effectFailure?: Failure;
}

export interface WriterDeps {
  flow: FlowDefinition<any, any>;
  store: StateStore;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  classify: (err: unknown) => Classification;
  /** Renews the flow lease before each write call; false = lost. */
  renewLease: () => Promise<boolean>;
  /**
   * Renews the flow lease now, however recently it was renewed: called every `keepLeaseEveryMs` while a write call is
   * in flight, because one call (a Bulk API job on a busy org) can outlast the lease.
   */
  keepLease?: () => Promise<boolean>;
  keepLeaseEveryMs?: number;
  onRetry: (n: number) => void;
  /** The write time, for the flow's `stampField`. */
  now: () => Date;
  /** Records per write call (default the flow's batch size); a backlog batch goes in one call. */
  batchSize?: number;
}

const retryable = (cls: Classification) => cls.kind === 'transient' || cls.kind === 'rate-limited' || (cls.retryable && cls.kind !== 'auth');

export async function writeTasks(
  tasks: WriteTask[],
  d: WriterDeps,
  fail: (f: Failure) => void,
): Promise<{ ok: Written[]; aborted?: unknown }> {
  const ok: Written[] = [];
  const size = d.batchSize ?? d.flow.batchSize ?? 200;
  let aborted: unknown;
  for (let start = 0; start < tasks.length && aborted === undefined; start += size) {
    let todo = tasks.slice(start, start + size);
    let authRetried = false;
    /** Creates whose answer was lost and whose re-check failed too: looked up again before they may be re-sent. */
    const unknown = new Set<WriteTask>();
    for (let attempt = 1; todo.length > 0; attempt++) {
      const held: WriteTask[] = [];
      const pending: WriteTask[] = [];
      for (const p of todo) {
        if (!unknown.has(p)) {
          pending.push(p);
          continue;
        }
        let found: string | null;
        try {
          found = await d.flow.findByIdempotencyKey!(p.idemKey);
        } catch {
          held.push(p);
          continue;
        }
        unknown.delete(p);
        if (found) ok.push({ task: p, targetId: found, written: p.payload, effectsDone: [] });
        else pending.push(p);
      }
      const stamp = d.flow.stampField ? { [d.flow.stampField]: d.now().toISOString() } : null;
      const batch: WriteItem[] = pending.map((p) => ({
        sourceId: p.rec.id,
        op: p.op,
        ...(p.targetId ? { targetId: p.targetId } : {}),
        idempotencyKey: p.idemKey,
        payload: stamp ? { ...p.payload, ...stamp } : p.payload,
        lastWritten: p.lastWritten ?? null,
      }));
      if (!(await d.renewLease())) {
        aborted = new RunAbortedError('lost the flow lease to another instance');
        break;
      }
      let outcomes: WriteOutcome[];
      const lease = keepingLease(d);
      try {
        outcomes = batch.length ? await d.flow.write(batch) : [];
        if (outcomes.length !== batch.length) throw new Error(`write returned ${outcomes.length} outcomes for ${batch.length} items`);
      } catch (error) {
        outcomes = batch.map(() => ({ ok: false as const, error }));
      } finally {
        lease.stop();
      }
      const again: WriteTask[] = [];
      let retryAfter = 0;
      let sawAuth = false;
      for (let i = 0; i < pending.length; i++) {
        const p = pending[i];
        const out = outcomes[i];
        p.attempts = attempt;
        if (out.ok) {
          ok.push({ task: p, targetId: out.targetId, written: unstamped(out.written ?? p.payload, d.flow.stampField), sourceInSync: out.sourceInSync, effectsDone: [] });
          continue;
        }
        const cls = d.classify(out.error);
        const request = out.request ?? { op: batch[i].op, targetId: batch[i].targetId ?? null, payload: batch[i].payload };
        const failure = { rec: p.rec, key: p.key, cls, error: out.error, attempts: attempt, request, response: out.response };
        if (cls.kind === 'ambiguous') {
          if (p.op === 'create') {
            if (!d.flow.findByIdempotencyKey) {
              fail(failure);
              continue;
            }
            let found: string | null = null;
            try {
              found = await d.flow.findByIdempotencyKey(p.idemKey);
            } catch {
              unknown.add(p); // unknown again: the create is re-sent only after another re-check found nothing
              again.push(p);
              continue;
            }
            if (found) {
              ok.push({ task: p, targetId: found, written: p.payload, effectsDone: [] });
              continue;
            }
          }
          again.push(p);
        } else if (retryable(cls)) {
          retryAfter = Math.max(retryAfter, requestedWait(cls, d.retry));
          again.push(p);
        } else if (cls.kind === 'auth' && !authRetried) {
          sawAuth = true;
          again.push(p);
        } else if (cls.kind === 'auth') {
          aborted = out.error;
        } else {
          fail(failure);
        }
      }
      again.push(...held);
      if (sawAuth) authRetried = true;
      // What this call wrote is committed; nothing more is written once another instance may hold the flow.
      if (lease.lost() && aborted === undefined) aborted = new RunAbortedError('lost the flow lease to another instance while writing');
      if (aborted !== undefined || again.length === 0) break;
      if (attempt >= d.retry.maxAttempts) {
        for (const p of again) {
          const out = outcomes[pending.indexOf(p)];
          const error =
            out && !out.ok
              ? out.error
              : unknown.has(p)
                ? new Error("the create's answer was lost and the target could not be searched for it (findByIdempotencyKey failed); not re-sent")
                : new Error('retries exhausted');
          fail({
            rec: p.rec,
            key: p.key,
            cls: out && !out.ok ? d.classify(error) : unknown.has(p) ? { kind: 'ambiguous', retryable: false } : d.classify(error),
            error,
            attempts: attempt,
            request: { op: p.op, targetId: p.targetId ?? null, payload: p.payload },
            response: out && !out.ok ? out.response : undefined,
          });
        }
        break;
      }
      d.onRetry(again.length);
      await d.sleep(backoffDelay(attempt, d.retry, d.random, retryAfter || undefined));
      todo = again;
    }
  }
  if (aborted === undefined) await applyEffects(ok, d);
  return { ok, aborted };
}

/** Renews the lease on a timer while one write call runs; `lost()` once a renewal found it taken. */
function keepingLease(d: WriterDeps): { stop: () => void; lost: () => boolean } {
  let lost = false;
  if (!d.keepLease || !d.keepLeaseEveryMs) return { stop: () => undefined, lost: () => lost };
  const keep = d.keepLease;
  const timer = setInterval(() => {
    keep().then(
      (ok) => (lost ||= !ok),
      () => undefined, // a store hiccup: the next tick or the next renewal before a write tries again
    );
  }, d.keepLeaseEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer), lost: () => lost };
}

/**
 * Applies the effects of written records. Each effect is recorded in the idempotency ledger before it is applied;
 * one found pending from an earlier attempt is looked up first (`findEffect`), so a lost answer never duplicates it.
 */
async function applyEffects(written: Written[], d: WriterDeps): Promise<void> {
  const wanted = written.flatMap((w) => w.task.effects.map((effect) => ({ w, effect })));
  if (wanted.length === 0) return;
  if (!d.flow.applyEffects) {
    for (const { w, effect } of wanted) {
      w.effectFailure = effectFailure(w, effect, new Error(`flow ${d.flow.name} plans effects but cannot apply them`), { kind: 'validation', retryable: false }, 1);
    }
    return;
  }
  const ledger = await d.store.beginIdempotentMany(
    wanted.map((x) => x.effect.key),
    d.flow.name,
  );
  let todo: typeof wanted = [];
  for (const x of wanted) {
    const entry = ledger.get(x.effect.key);
    if (entry && !entry.created && entry.entry.state === 'done' && entry.entry.remoteId) {
      x.w.effectsDone.push({ effect: x.effect, remoteId: entry.entry.remoteId });
      continue;
    }
    if (entry && !entry.created && d.flow.findEffect) {
      try {
        const found = await d.flow.findEffect({ ...x.effect, targetId: x.w.targetId });
        if (found) {
          x.w.effectsDone.push({ effect: x.effect, remoteId: found });
          continue;
        }
      } catch (error) {
        x.w.effectFailure = effectFailure(x.w, x.effect, error, d.classify(error), 1);
        continue;
      }
    }
    todo.push(x);
  }
  /** Effects whose answer was lost: looked up before they may be sent again. */
  const unknown = new Set<(typeof todo)[number]>();
  for (let attempt = 1; todo.length > 0; attempt++) {
    const again: typeof todo = [];
    const send: typeof todo = [];
    for (const x of todo) {
      if (!unknown.has(x)) {
        send.push(x);
        continue;
      }
      let found: string | null;
      try {
        found = await d.flow.findEffect!({ ...x.effect, targetId: x.w.targetId });
      } catch (error) {
        if (attempt < d.retry.maxAttempts) again.push(x);
        else x.w.effectFailure = effectFailure(x.w, x.effect, error, { kind: 'ambiguous', retryable: false }, attempt);
        continue;
      }
      unknown.delete(x);
      if (found) x.w.effectsDone.push({ effect: x.effect, remoteId: found });
      else send.push(x);
    }
    let outcomes: EffectOutcome[] = [];
    if (send.length) {
      try {
        outcomes = await d.flow.applyEffects(send.map((x) => ({ ...x.effect, targetId: x.w.targetId, sourceId: x.w.task.rec.id })));
        if (outcomes.length !== send.length) throw new Error(`applyEffects returned ${outcomes.length} outcomes for ${send.length} effects`);
      } catch (error) {
        outcomes = send.map(() => ({ ok: false as const, error }));
      }
    }
    let retryAfter = 0;
    send.forEach((x, i) => {
      const out = outcomes[i];
      if (out.ok) {
        x.w.effectsDone.push({ effect: x.effect, remoteId: out.remoteId });
        return;
      }
      const cls = d.classify(out.error);
      if (cls.kind === 'ambiguous' && d.flow.findEffect && attempt < d.retry.maxAttempts) {
        // The request may have reached the target and its answer was lost: look the effect up before any retry
        // (as a create is), so a lost answer neither repeats the effect nor drops it.
        unknown.add(x);
        again.push(x);
      } else if (retryable(cls) && attempt < d.retry.maxAttempts) {
        retryAfter = Math.max(retryAfter, requestedWait(cls, d.retry));
        again.push(x);
      } else {
        x.w.effectFailure = effectFailure(x.w, x.effect, out.error, cls, attempt, out.response);
      }
    });
    if (again.length === 0) break;
    d.onRetry(again.length);
    await d.sleep(backoffDelay(attempt, d.retry, d.random, retryAfter || undefined));
    todo = again;
  }
}

function effectFailure(w: Written, effect: PlannedEffect, error: unknown, cls: Classification, attempts: number, response?: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  return {
    rec: w.task.rec,
    key: w.task.key,
    cls,
    error: new Error(`record written to ${w.targetId}, but its effect "${effect.description}" failed: ${message}`),
    attempts,
    request: { effect: effect.kind, key: effect.key, payload: effect.payload },
    response,
  };
}

/** What the connector wrote, without the sync stamp (a time, never a value to compare or echo). */
function unstamped(written: Record<string, unknown>, field: string | undefined): Record<string, unknown> {
  if (!field || !(field in written)) return written;
  const { [field]: _stamp, ...rest } = written;
  return rest;
}
