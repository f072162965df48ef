import express, { Router } from 'express';
import type { Bulk2 } from './bulk2';
import type { FaultRule } from './faults';
import type { OAuth } from './oauth';
import type { GapType } from './cdc';
import type { Org } from './org';
import type { PubSubServer } from './pubsub';
import type { Cursors } from './rest/query';
import { applySeed, type SeedData } from './seed';
import type { Streaming } from './streaming';

export interface ControlDeps {
  org: Org;
  oauth: OAuth;
  cursors: Cursors;
  bulk2: Bulk2;
  streaming: Streaming;
  pubsub?: PubSubServer | null;
}

/** What tests, the sandbox and the benchmark can do to the emulator besides calling its APIs. */
export interface SalesforceControl {
  /** Deletes all data and re-applies the seed given (or the start-up seed); returns `@ref` → Id. */
  reset(seed?: SeedData): Record<string, string>;
  /** Inserts records (as the integration user, with change events); returns `@ref` → Id. */
  seed(data: SeedData): Record<string, string>;
  counters(): { used: number; limit: number; remaining: number; byEndpoint: Record<string, number> };
  resetCounters(): void;
  /** Sets DailyApiRequests: the limit and/or how many are already used. */
  setApiUsage(opts: { used?: number; limit?: number }): void;
  setFaults(rules: FaultRule[]): void;
  addFault(rule: FaultRule): string;
  clearFaults(): void;
  faults(): FaultRule[];
  /** Invalidates every access token issued so far (401 INVALID_SESSION_ID); new logins still work. */
  expireSessions(): number;
  setTokenLifetime(seconds: number): void;
  /** Issues an access token without an OAuth round trip. */
  issueToken(opts?: { refreshToken?: boolean }): Record<string, string>;
  advanceClock(ms: number): void;
  setClock(epochMs: number): void;
  now(): number;
  setQueryBatchSize(n: number): void;
  integrationUserId(): string;
  /** Raw stored records of one object (including soft-deleted ones). */
  records(objectName: string): Array<Record<string, unknown>>;
  /**
   * Publishes a gap event for these records (`GAP_UPDATE` by default: the change's data was not captured) or, with
   * `GAP_OVERFLOW`, an overflow event for the object (no record ids). Returns its replay id.
   */
  emitGap(entity: string, recordIds: string[], changeType?: GapType): number;
  /** Changes a record with no change event, as when its capture failed (pair with `emitGap`). */
  writeWithoutEvent(objectName: string, id: string, values: Record<string, unknown>): void;
  /** Ends every open Pub/Sub subscription with UNAVAILABLE; returns how many. */
  dropStreams(): number;
  /** Every replay id issued so far is refused from now on (as if older than the retention window). */
  expireReplayIds(): void;
}

export function makeControl(d: ControlDeps): SalesforceControl {
  return {
    reset: (seed) => {
      d.cursors.clear();
      d.bulk2.clear();
      return d.org.reset(seed);
    },
    seed: (data) => applySeed(d.org.dml, data, d.org.systemContext()),
    counters: () => d.org.counters.snapshot(),
    resetCounters: () => d.org.counters.reset(),
    setApiUsage: ({ used, limit }) => {
      if (limit !== undefined) d.org.counters.limit = limit;
      if (used !== undefined) d.org.counters.used = used;
    },
    setFaults: (rules) => d.org.faults.set(rules),
    addFault: (rule) => d.org.faults.add(rule),
    clearFaults: () => d.org.faults.clear(),
    faults: () => d.org.faults.list(),
    expireSessions: () => d.oauth.expireSessions(),
    setTokenLifetime: (s) => {
      d.oauth.tokenLifetimeMs = s * 1000;
    },
    issueToken: (opts) => d.oauth.issue(undefined, undefined, opts?.refreshToken ?? false),
    advanceClock: (ms) => d.org.clock.advance(ms),
    setClock: (ms) => d.org.clock.set(ms),
    now: () => d.org.clock.now(),
    setQueryBatchSize: (n) => {
      d.org.queryBatchSize = n;
    },
    integrationUserId: () => d.org.integrationUserId,
    records: (name) => d.org.store.all(name).map((r) => ({ ...r })),
    emitGap: (entity, recordIds, changeType = 'GAP_UPDATE') => d.org.changes.recordGap(entity, changeType, recordIds, d.org.integrationUserId).replayId,
    writeWithoutEvent: (name, id, values) => {
      const rec = d.org.store.get(name, id);
      if (!rec) throw new Error(`${name} ${id} not found`);
      const stamp = new Date(d.org.clock.now()).toISOString().replace('Z', '+0000');
      d.org.store.put(name, { ...rec, ...values, LastModifiedDate: stamp, SystemModstamp: stamp });
    },
    dropStreams: () => d.pubsub?.dropConnections() ?? 0,
    expireReplayIds: () => d.org.changes.expireReplayIds(),
  };
}

/** HTTP form of the control surface under `/__control` (enabled only in test/sandbox mode). */
export function controlRouter(d: ControlDeps): Router {
  const c = makeControl(d);
  const r = Router();
  r.use(express.json({ limit: '50mb' }));
  const body = (req: express.Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;
  r.post('/reset', (req, res) => {
    res.json({ refs: c.reset(req.body && Object.keys(body(req)).length ? (body(req) as never) : undefined) });
  });
  r.post('/seed', (req, res) => {
    res.json({ refs: c.seed(body(req) as never) });
  });
  r.get('/counters', (_req, res) => {
    res.json(c.counters());
  });
  r.post('/counters/reset', (_req, res) => {
    c.resetCounters();
    res.json(c.counters());
  });
  r.post('/api-usage', (req, res) => {
    c.setApiUsage(body(req) as { used?: number; limit?: number });
    res.json(c.counters());
  });
  r.get('/faults', (_req, res) => {
    res.json(c.faults());
  });
  r.put('/faults', (req, res) => {
    c.setFaults(Array.isArray(req.body) ? (req.body as FaultRule[]) : []);
    res.json(c.faults());
  });
  r.post('/faults', (req, res) => {
    res.json({ id: c.addFault(body(req) as FaultRule) });
  });
  r.delete('/faults', (_req, res) => {
    c.clearFaults();
    res.status(204).end();
  });
  r.post('/sessions/expire', (_req, res) => {
    res.json({ expired: c.expireSessions() });
  });
  r.post('/clock/advance', (req, res) => {
    c.advanceClock(Number(body(req).ms ?? 0));
    res.json({ now: new Date(c.now()).toISOString() });
  });
  r.post('/clock/set', (req, res) => {
    c.setClock(Date.parse(String(body(req).now)));
    res.json({ now: new Date(c.now()).toISOString() });
  });
  r.post('/cdc/gap', (req, res) => {
    const b = body(req) as { entity?: string; recordIds?: string[]; changeType?: GapType };
    res.json({ replayId: c.emitGap(String(b.entity), b.recordIds ?? [], b.changeType) });
  });
  r.post('/cdc/drop-streams', (_req, res) => {
    res.json({ dropped: c.dropStreams() });
  });
  r.post('/cdc/expire-replay-ids', (_req, res) => {
    c.expireReplayIds();
    res.status(204).end();
  });
  r.get('/records/:object', (req, res) => {
    res.json(c.records(req.params.object));
  });
  return r;
}
