/**
 * Stream triggers: each Salesforce-triggered flow subscribes to its object's change events and feeds them through the
 * engine like polled records (same planner, echo, ownership, idempotency).
 *
 * Per batch of events: own changes (changeOrigin names our client) are dropped; every other change, gap event
 * (GAP_CREATE, GAP_UPDATE, …) and every record of a multi-record event is re-read by id (`flow.fetch`: the event's
 * values may be partial, the source's current state never is); an overflow event (GAP_OVERFLOW, or a wildcard record
 * id) runs a catch-up poll. The batch's last replay id is committed with the page it produced, so a restart resumes
 * after it. A refused replay id (expired past retention, or unknown) clears the position, resubscribes from new events
 * and runs a catch-up poll, logged and counted. Nothing is skipped: a batch is retried until processed.
 * The flow's poll keeps running as a safety net; streamed records do not move its checkpoint.
 */
import type { Logger } from 'pino';
import type { FlowDefinition, RunSummary, SyncEngine } from '../engine';
import { backoffDelay, realSleep } from '../engine/retry';
import { changeEventChannel, InvalidReplayIdError, isOwnChange, type ChangeStream, type StartFrom, type StreamEvent } from '../salesforce';
import type { StateStore } from '../store';

export interface StreamStats {
  flow: string;
  channel: string;
  events: number;
  ownDropped: number;
  reread: number;
  gaps: number;
  overflows: number;
  catchUps: number;
  invalidReplays: number;
  reconnects: number;
  /** Keepalives whose latest replay id was stored (a quiet channel's position kept inside the retention window). */
  keepalives: number;
  subscribed: boolean;
}

export interface StreamTriggerOptions {
  engine: SyncEngine;
  store: StateStore;
  logger?: Logger;
  /** Flows to stream, each with the flows to run at once after it created records (its write-back companions). */
  flows: Array<{ definition: FlowDefinition<any, any>; followUps?: string[] }>;
  /** A new subscription to a channel on the configured transport. */
  transport: (channel: string) => ChangeStream;
  /** Our `Sforce-Call-Options` client name. */
  ownClientName: string;
  retry?: { baseDelayMs: number; maxDelayMs: number };
  sleep?: (ms: number) => Promise<void>;
  /** Told, per processed batch, how long after its newest change the flow processed it (stream lag, metrics). */
  onLag?: (flow: string, seconds: number) => void;
  now?: () => number;
}

/** A refusal that needs an admin (CDC not selected for the object, or missing permission), not a retry. */
function isSetupProblem(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  // gRPC NOT_FOUND (5) and PERMISSION_DENIED (7) from Pub/Sub; CometD answers 403 / 400 "Unknown channel".
  return code === 5 || code === 7 || /unknown channel|does not exist|not found|insufficient|permission/i.test(err.message);
}

const REREAD_TYPES = new Set(['CREATE', 'UPDATE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_UNDELETE']);

class Consumer {
  readonly stats: StreamStats;
  private stream?: ChangeStream;
  private stopped = false;
  private failures = 0;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: StreamTriggerOptions,
    private readonly flow: FlowDefinition<any, any>,
    private readonly followUps: string[],
    readonly channel: string,
  ) {
    this.stats = { flow: flow.name, channel, events: 0, ownDropped: 0, reread: 0, gaps: 0, overflows: 0, catchUps: 0, invalidReplays: 0, reconnects: 0, keepalives: 0, subscribed: false };
  }

  private get log(): Logger | undefined {
    return this.o.logger;
  }

  async subscribe(from?: StartFrom): Promise<void> {
    if (this.stopped) return;
    const pos = from ? null : await this.o.store.getStreamPosition(this.flow.name, this.channel);
    const start: StartFrom = from ?? (pos ? { replayId: pos.replayId } : 'LATEST');
    const stream = this.o.transport(this.channel);
    this.stream = stream;
    let refused = false;
    await stream.start(
      start,
      (events) => this.handle(events),
      (err) => {
        refused = true;
        void this.ended(stream, err);
      },
      (replayId) => this.keepalive(replayId),
    );
    // start() resolves once the server has the subscription, or once it was refused (ended() has taken over then).
    if (refused || this.stream !== stream || this.stopped) return;
    this.stats.subscribed = true;
    this.log?.info({ flow: this.flow.name, channel: this.channel, from: typeof start === 'string' ? start : 'stored replay id' }, 'change stream subscribed');
  }

  private async ended(stream: ChangeStream, err: Error): Promise<void> {
    if (this.stopped || stream !== this.stream) return;
    this.stats.subscribed = false;
    await stream.stop().catch(() => undefined);
    if (err instanceof InvalidReplayIdError) {
      this.stats.invalidReplays++;
      this.log?.warn({ flow: this.flow.name, channel: this.channel, error: err.message }, 'stored replay id refused (expired or invalid): resubscribing from new events and running a catch-up poll');
      await this.o.store.clearStreamPosition(this.flow.name, this.channel);
      await this.subscribe('LATEST');
      await this.retrying('catch-up poll', () => this.catchUp());
      return;
    }
    this.stats.reconnects++;
    this.failures++;
    const delay = backoffDelay(this.failures, { maxAttempts: Infinity, baseDelayMs: this.o.retry?.baseDelayMs ?? 500, maxDelayMs: this.o.retry?.maxDelayMs ?? 30_000 } as never, Math.random);
    if (isSetupProblem(err)) {
      // Not a network blip: retrying will not help until an admin acts. The safety-net poll carries the flow meanwhile.
      this.log?.error(
        { flow: this.flow.name, channel: this.channel, error: err.message, retryInMs: delay },
        `change events refused: select ${this.flow.source.object} for Change Data Capture and give the integration user View All Records on it (docs/configuration.md); until then the flow runs on its safety-net poll`,
      );
    } else {
      this.log?.warn({ flow: this.flow.name, channel: this.channel, error: err.message, retryInMs: delay }, 'change stream ended; resubscribing from the stored replay id');
    }
    await (this.o.sleep ?? realSleep)(delay);
    await this.subscribe();
  }

  private async catchUp(): Promise<RunSummary> {
    this.stats.catchUps++;
    return this.o.engine.runNow(this.flow.name, 'catch-up');
  }

  /** Runs `fn` until its run is neither busy (another run holds the flow) nor failed. */
  private async retrying(what: string, fn: () => Promise<RunSummary>): Promise<RunSummary | null> {
    for (let attempt = 1; !this.stopped; attempt++) {
      const s = await fn().catch((err: Error): RunSummary => ({ flow: this.flow.name, runId: null, status: 'failed', counts: {} as RunSummary['counts'], error: err.message }));
      if (s.status !== 'busy' && s.status !== 'failed') {
        this.failures = 0;
        return s;
      }
      if (s.status === 'failed') this.log?.warn({ flow: this.flow.name, error: s.error, attempt }, `${what} failed; retrying`);
      else this.log?.debug({ flow: this.flow.name, attempt }, `${what}: the flow is busy; waiting`);
      const delay = s.status === 'busy' ? 200 : backoffDelay(attempt, { maxAttempts: Infinity, baseDelayMs: this.o.retry?.baseDelayMs ?? 500, maxDelayMs: this.o.retry?.maxDelayMs ?? 30_000 } as never, Math.random);
      await (this.o.sleep ?? realSleep)(delay);
    }
    return null;
  }

  /** One delivered batch: own changes dropped, the rest re-read and ingested, the position committed with it. */
  private handle(events: StreamEvent[]): Promise<void> {
    const run = async () => {
      const ids = new Set<string>();
      let overflow = false;
      for (const e of events) {
        this.stats.events++;
        const h = e.header;
        if (isOwnChange(h, this.o.ownClientName)) {
          this.stats.ownDropped++;
          continue;
        }
        const type = String(h?.changeType ?? '');
        if (type === 'GAP_OVERFLOW' || (h?.recordIds ?? []).some((id) => id.includes('*'))) {
          overflow = true;
          this.stats.overflows++;
          continue;
        }
        if (type.startsWith('GAP_')) this.stats.gaps++;
        if (!REREAD_TYPES.has(type)) continue;
        for (const id of h.recordIds ?? []) ids.add(id);
      }
      const position = { consumer: this.flow.name, channel: this.channel, replayId: events[events.length - 1].replayId };
      this.log?.debug({ flow: this.flow.name, events: events.length, reread: ids.size, overflow }, 'change events received');
      if (overflow) {
        this.log?.warn({ flow: this.flow.name, channel: this.channel }, 'overflow event: running a catch-up poll');
        await this.retrying('catch-up poll', () => this.catchUp());
      }
      const summary = await this.retrying('streamed batch', async () => {
        const records = ids.size && this.flow.fetch ? await this.flow.fetch([...ids]) : [];
        this.stats.reread += records.length;
        return this.o.engine.ingest(this.flow.name, records, { trigger: 'stream', advanceCheckpoint: false, position });
      });
      // A paused flow processes nothing; the safety-net poll reads those records after it resumes.
      if (summary?.status === 'paused') await this.o.store.saveStreamPosition(position);
      const newest = Math.max(0, ...events.map((e) => Number(e.header?.commitTimestamp ?? 0)));
      if (summary && summary.status !== 'paused' && newest > 0) this.o.onLag?.(this.flow.name, ((this.o.now ?? Date.now)() - newest) / 1000);
      if (summary && summary.counts.created > 0) {
        for (const f of this.followUps) void this.o.engine.runNow(f, 'stream-follow-up');
      }
    };
    this.idle = this.idle.then(run, run);
    return this.idle;
  }

  /** A keepalive's latest replay id: stored (after any batch in progress) so a quiet channel's id stays fresh. */
  private keepalive(replayId: string): Promise<void> {
    const save = async () => {
      if (this.stopped) return;
      this.stats.keepalives++;
      await this.o.store.saveStreamPosition({ consumer: this.flow.name, channel: this.channel, replayId });
    };
    this.idle = this.idle.then(save, save);
    return this.idle;
  }

  /** Resolves once the batches delivered so far are handled (their records ingested and their position stored). */
  settled(): Promise<void> {
    return this.idle.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stats.subscribed = false;
    await this.stream?.stop().catch(() => undefined);
    await this.idle.catch(() => undefined);
  }
}

export class StreamTriggers {
  private readonly consumers: Consumer[];

  constructor(private readonly o: StreamTriggerOptions) {
    this.consumers = o.flows.map((f) => {
      if (f.definition.source.system !== 'salesforce') throw new Error(`${f.definition.name}: only Salesforce-triggered flows can stream`);
      if (!f.definition.fetch) throw new Error(`${f.definition.name}: streaming needs fetch() to re-read records by id`);
      return new Consumer(o, f.definition, f.followUps ?? [], changeEventChannel(f.definition.source.object));
    });
  }

  async start(): Promise<void> {
    for (const c of this.consumers) await c.subscribe();
  }

  stats(): StreamStats[] {
    return this.consumers.map((c) => ({ ...c.stats }));
  }

  /** Resolves once every consumer has handled what it was delivered (a stop after it abandons no batch). */
  async settled(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.settled()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
