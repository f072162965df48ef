import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { StateStore } from '../store';
import type { QuarantineEntry } from '../store/types';
import { sourceIdOfLink } from './links';
import { releaseQuarantine, type ReleaseOutcome } from './quarantine';
import { FlowRunner, type Decision, type IngestOptions, type RunSummary, type RunnerOptions } from './runner';
import type { FlowDefinition, SourceRecord, SystemName } from './types';

export interface SyncEngineOptions extends Omit<RunnerOptions, 'store' | 'logger'> {
  store: StateStore;
  logger?: Logger;
  /** Cron time zone (default UTC). */
  timezone?: string;
}

export interface RegisterOptions {
  /** Overrides the flow trigger's cron expression (from connector.yaml). */
  schedule?: string;
  /** Disabled flows are registered (visible, runnable by hand) but never scheduled. */
  enabled?: boolean;
  batchSize?: number;
  overlapMs?: number;
}

/** Engine settings from the `engine:` section of connector.yaml. */
export function engineOptionsFromConfig(engine: {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  rateLimitedDelayMs: number;
  leaseTtlSeconds: number;
  pingPong: { maxWrites: number; windowSeconds: number };
}, limits?: { salesforce: { bulkThreshold: number } }): Pick<SyncEngineOptions, 'retry' | 'pingPong' | 'leaseTtlMs' | 'bulkBatch'> {
  return {
    // A backlog batch as large as the Salesforce client's Bulk API threshold, so it goes as one Bulk API 2.0 job.
    ...(limits ? { bulkBatch: limits.salesforce.bulkThreshold } : {}),
    leaseTtlMs: engine.leaseTtlSeconds * 1000,
    retry: { maxAttempts: engine.maxAttempts, baseDelayMs: engine.baseDelayMs, maxDelayMs: engine.maxDelayMs, rateLimitedDelayMs: engine.rateLimitedDelayMs },
    pingPong: { maxWrites: engine.pingPong.maxWrites, windowMs: engine.pingPong.windowSeconds * 1000 },
  };
}

/** Registration options for a flow from its `flows.<name>` section of connector.yaml. */
export function registerOptionsFromConfig(flow: { enabled: boolean; schedule?: string; batchSize?: number; overlapSeconds: number }): RegisterOptions {
  return { enabled: flow.enabled, schedule: flow.schedule, batchSize: flow.batchSize, overlapMs: flow.overlapSeconds * 1000 };
}

export interface FlowStatus {
  flow: string;
  enabled: boolean;
  paused: boolean;
  schedule: string | null;
  nextRun: string | null;
  running: boolean;
}

interface Entry {
  runner: FlowRunner;
  schedule: string | null;
  enabled: boolean;
  job: Cron | null;
  inFlight: Promise<RunSummary> | null;
}

/** Holds every flow's runner: schedules them (cron), runs them on demand, pauses, resumes and replays. */
export class SyncEngine {
  private readonly flows = new Map<string, Entry>();
  /** Callers of startRun waiting for a flow's run to start (its run id). */
  private readonly startWaiters = new Map<string, Set<(runId: string) => void>>();
  private readonly instanceId: string;
  private started = false;

  constructor(private readonly opts: SyncEngineOptions) {
    this.instanceId = opts.instanceId ?? `engine-${randomUUID()}`;
  }

  register(flow: FlowDefinition<any, any>, opts: RegisterOptions = {}): FlowRunner {
    if (this.flows.has(flow.name)) throw new Error(`flow ${flow.name} is already registered`);
    const configured = {
      ...flow,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      ...(opts.overlapMs !== undefined ? { overlapMs: opts.overlapMs } : {}),
    };
    const group = flow.linkGroup ?? flow.name;
    const reverse = () =>
      [...this.flows.values()]
        .map((e) => e.runner.flow)
        .find((f) => f !== configured && (f.linkGroup ?? f.name) === group && f.source.system === configured.target.system);
    const onRunStarted = (run: { flow: string; runId: string }) => {
      this.opts.onRunStarted?.(run);
      const waiters = this.startWaiters.get(run.flow);
      this.startWaiters.delete(run.flow);
      for (const w of waiters ?? []) w(run.runId);
    };
    const runner = new FlowRunner(configured, { ...this.opts, instanceId: this.instanceId, reverse, onRunStarted });
    const fromTrigger = flow.trigger.kind === 'stream' ? undefined : flow.trigger.schedule;
    const schedule = opts.schedule ?? fromTrigger ?? null;
    const entry: Entry = { runner, schedule, enabled: opts.enabled ?? true, job: null, inFlight: null };
    this.flows.set(flow.name, entry);
    if (this.started) this.schedule(flow.name, entry);
    return runner;
  }

  private entry(name: string): Entry {
    const e = this.flows.get(name);
    if (!e) throw new Error(`unknown flow "${name}"`);
    return e;
  }

  /**
   * Starts cron jobs for every enabled flow that has a schedule (at once), then marks runs an earlier instance left
   * `running` as failed where nobody holds the flow's lease any more. The promise settles when that is done; a
   * failure there is logged, never thrown.
   */
  async start(): Promise<void> {
    this.started = true;
    for (const [name, e] of this.flows) this.schedule(name, e);
    for (const [name, e] of this.flows) {
      await e.runner.failAbandonedRuns().catch((err: unknown) => {
        this.opts.logger?.warn({ flow: name, err: err instanceof Error ? err.message : String(err) }, 'could not check for abandoned runs');
      });
    }
  }

  private schedule(name: string, e: Entry): void {
    if (!e.schedule || !e.enabled || e.job) return;
    e.job = new Cron(
      e.schedule,
      { timezone: this.opts.timezone ?? 'UTC', protect: true, name: `flow:${name}` },
      async () => {
        await this.runNow(name, 'schedule');
      },
    );
  }

  /** The cron job of a flow, if scheduled (tests trigger it directly). */
  job(name: string): Cron | null {
    return this.entry(name).job;
  }

  /** Runs a flow now; a call while it is running joins that run. */
  async runNow(name: string, trigger = 'manual'): Promise<RunSummary> {
    const e = this.entry(name);
    e.inFlight ??= e.runner.runOnce(trigger).finally(() => (e.inFlight = null));
    const summary = await e.inFlight;
    if (summary.status === 'failed') this.opts.logger?.warn({ flow: name, error: summary.error }, 'flow run failed');
    return summary;
  }

  /**
   * Starts a run (as `runNow`) and answers as soon as it has a run id, without waiting for it to finish: `running`
   * with the id (also when the flow was already running), or the outcome when the run was refused (`paused`, `busy`)
   * or finished before it could be seen starting. `done` settles with the run's summary.
   */
  async startRun(name: string, trigger = 'manual'): Promise<{ runId: string | null; status: string; error?: string; done: Promise<RunSummary> }> {
    const e = this.entry(name);
    if (e.inFlight && e.runner.currentRunId) return { runId: e.runner.currentRunId, status: 'running', done: e.inFlight };
    let waiter!: (runId: string) => void;
    const started = new Promise<string>((resolve) => (waiter = resolve));
    const waiters = this.startWaiters.get(name) ?? new Set();
    waiters.add(waiter);
    this.startWaiters.set(name, waiters);
    const done = this.runNow(name, trigger);
    done.catch((err: unknown) => this.opts.logger?.error({ flow: name, err: err instanceof Error ? err.message : String(err) }, 'flow run failed'));
    const first = await Promise.race([started.then((runId) => ({ runId })), done.then((summary) => ({ summary }), () => ({ summary: null }))]);
    this.startWaiters.get(name)?.delete(waiter);
    if ('runId' in first) return { runId: first.runId, status: 'running', done };
    if (!first.summary) return { runId: null, status: 'failed', error: 'the run could not start; see the connector log', done };
    return { runId: first.summary.runId, status: first.summary.status, ...(first.summary.error ? { error: first.summary.error } : {}), done };
  }

  /** Dry run: what a run would decide for these records (match, echo, ownership, no-op, effects), writing nothing. */
  plan(name: string, records: SourceRecord<any>[]): Promise<Decision[]> {
    return this.entry(name).runner.plan(records);
  }

  /** Feeds records pushed by a stream (CDC) into a flow. */
  ingest(name: string, records: SourceRecord<any>[], opts?: IngestOptions): Promise<RunSummary> {
    return this.entry(name).runner.ingest(records, opts);
  }

  async pause(name: string, actor: string, reason: string | null = null): Promise<void> {
    this.entry(name);
    await this.opts.store.setFlowPaused(name, true, reason);
    await this.opts.store.audit(actor, 'flow.pause', { flow: name, reason });
  }

  async resume(name: string, actor: string): Promise<void> {
    this.entry(name);
    await this.opts.store.setFlowPaused(name, false);
    await this.opts.store.audit(actor, 'flow.resume', { flow: name });
  }

  async replay(deadLetterId: number, actor: string): Promise<{ ok: boolean; error?: string }> {
    const dl = await this.opts.store.getDeadLetter(deadLetterId);
    if (!dl) throw new Error(`dead letter ${deadLetterId} not found`);
    return this.entry(dl.flow).runner.replayDeadLetter(deadLetterId, actor);
  }

  /**
   * Resolves a conflict: the winning side's current value is written to the losing side through the normal write
   * path (journaled, echo-safe), then the conflict is closed. Match and link conflicts (which record is which) have no
   * value to write; they are closed as decided, and the record is matched again on its next change.
   */
  async resolveConflict(id: number, winner: SystemName, actor: string): Promise<{ written: boolean; action: string; message?: string }> {
    const { store } = this.opts;
    const conflict = await store.getConflict(id);
    if (!conflict) throw new Error(`conflict ${id} not found`);
    if (conflict.status !== 'open') throw new Error(`conflict ${id} is already ${conflict.status}`);
    const [system, object, ...rest] = conflict.recordKey.split(':');
    const recordId = rest.join(':');
    const group = [...this.flows.values()].map((e) => e.runner.flow).filter((f) => (f.linkGroup ?? f.name) === conflict.flow);
    const detecting = group.find((f) => f.source.system === system && f.source.object === object);
    let outcome: { written: boolean; action: string; message?: string } = { written: false, action: 'none' };
    if (conflict.field.startsWith('(') || !detecting) {
      await store.resolveConflict(id, winner);
    } else {
      const writer = detecting.source.system === winner ? detecting : group.find((f) => f.source.system === winner);
      if (!writer) throw new Error(`no flow writes from ${winner} in ${conflict.flow}; cannot apply the resolution`);
      const link = await store.findLink(conflict.flow, detecting.source.system, detecting.source.object, recordId);
      let sourceId = recordId;
      let fields = [conflict.field];
      if (writer !== detecting) {
        if (!link) throw new Error(`${conflict.recordKey} is no longer linked; cannot apply the resolution`);
        sourceId = sourceIdOfLink(writer, link);
        // The conflicted field in the writer's own payload shape: the field whose lineage reads it.
        const back = Object.entries(writer.lineage ?? {})
          .filter(([, paths]) => paths.some((p) => p.split('.')[0] === conflict.field))
          .map(([k]) => k);
        if (back.length) fields = back;
      }
      // The same disagreement seen from the other direction is closed with it; all reopen if the write fails.
      const keys = link
        ? [`salesforce:${link.sfObject}:${link.sfId}`, `coupa:${link.coupaResource}:${link.coupaId}`]
        : [conflict.recordKey];
      const siblings: number[] = [];
      for (const recordKey of keys) {
        for (const c of await store.listConflicts({ flow: conflict.flow, status: 'open', recordKey })) {
          if (c.id === id || c.field === conflict.field || fields.includes(c.field)) siblings.push(c.id);
        }
      }
      for (const c of new Set([id, ...siblings])) await store.resolveConflict(c, winner);
      let result: { ok: boolean; action: string; error?: string };
      try {
        result = await this.entry(writer.name).runner.rewrite(sourceId, fields);
      } catch (err) {
        result = { ok: false, action: 'none', error: err instanceof Error ? err.message : String(err) };
      }
      if (!result.ok) {
        for (const c of new Set([id, ...siblings])) await store.reopenConflict(c);
        throw new Error(`resolving conflict ${id}: ${result.error}`);
      }
      outcome = { written: result.action !== 'none', action: result.action };
    }
    await store.audit(actor, 'conflict.resolve', { id, flow: conflict.flow, field: conflict.field, winner, ...outcome });
    return outcome;
  }

  /** Records the ping-pong breaker quarantined (`flow` is the link group of the flows that bounced them). */
  listQuarantine(flow?: string): Promise<QuarantineEntry[]> {
    return this.opts.store.listQuarantine(flow);
  }

  /** Releases a quarantined record (audited); it syncs again on its next change. */
  releaseQuarantine(flow: string, recordKey: string, actor: string): Promise<ReleaseOutcome> {
    return releaseQuarantine(this.opts.store, flow, recordKey, actor);
  }

  /** Discards an open dead letter; one already replayed or discarded is refused. */
  async discard(deadLetterId: number, actor: string): Promise<void> {
    const dl = await this.opts.store.getDeadLetter(deadLetterId);
    if (!dl) throw new Error(`dead letter ${deadLetterId} not found`);
    if (dl.status !== 'open') throw new Error(`dead letter ${deadLetterId} is already ${dl.status}`);
    await this.opts.store.updateDeadLetter(deadLetterId, { status: 'discarded' });
    await this.opts.store.audit(actor, 'dead-letter.discard', { id: deadLetterId });
  }

  async status(): Promise<FlowStatus[]> {
    const out: FlowStatus[] = [];
    for (const [name, e] of this.flows) {
      out.push({
        flow: name,
        enabled: e.enabled,
        paused: (await this.opts.store.getFlowState(name)).paused,
        schedule: e.schedule,
        nextRun: e.job?.nextRun()?.toISOString() ?? null,
        running: e.inFlight !== null,
      });
    }
    return out;
  }

  names(): string[] {
    return [...this.flows.keys()];
  }

  /** Stops scheduling and waits for runs in progress. */
  async stop(): Promise<void> {
    this.started = false;
    for (const e of this.flows.values()) {
      e.job?.stop();
      e.job = null;
    }
    await Promise.allSettled([...this.flows.values()].map((e) => e.inFlight));
  }
}
