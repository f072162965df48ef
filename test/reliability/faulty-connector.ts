/**
 * The connector behind fault proxies: a seeded share of API requests on each side fails with a mix of fault kinds
 * (fault-proxy.ts: throttles, 5xx, dropped connections, spoilt and late answers, expired sessions, lock errors), the
 * two clients are pointed at the proxies with short transport backoffs and a short request timeout (so a `slow`
 * answer times out), and the engine has a generous retry budget. Every reliability story starts from this.
 */
import pino from 'pino';
import { allScopes } from '../../emulators/coupa/src';
import { CoupaClient, TokenBucket } from '../../middleware/src/coupa';
import { SyncEngine } from '../../middleware/src/engine';
import { SalesforceClient } from '../../middleware/src/salesforce';
import type { StateStore } from '../../middleware/src/store';
import { CLIENT_NAME, SF_CLIENT_ID, SF_CLIENT_SECRET, type Harness } from '../e2e/harness';
import { FAULT_KINDS, startFaultProxy, type FaultKind, type FaultProxy } from './fault-proxy';

/** RELIABILITY_SOAK=1 (manual runs): more records and longer runs. */
export const SOAK = !!process.env.RELIABILITY_SOAK;

/** Client request timeout in the stories; a `slow` answer is held back past it. */
export const REQUEST_TIMEOUT_MS = 2_000;

export interface FaultyConnector {
  sfProxy: FaultProxy;
  coupaProxy: FaultProxy;
  salesforce: SalesforceClient;
  coupa: CoupaClient;
  engine: SyncEngine;
  /** Runs a flow until it succeeds, at most `maxRuns` times (a run may stop early when retries run out on a read, as a scheduled run would). */
  settle(name: string, maxRuns?: number): Promise<void>;
  /** Faults injected so far on both sides. */
  injected(): number;
  /** Faults injected so far by side and kind, for the report. */
  figures(): {
    faultsSalesforce: number;
    faultsCoupa: number;
    byKind: Record<string, number>;
    onWrites: Record<string, number>;
  };
  close(): Promise<void>;
}

export interface FaultOptions {
  salesforce: number;
  coupa: number;
  /** Fault kinds (default: every kind). */
  kinds?: readonly FaultKind[];
  /** Share of reads that fail (default 5%, 10% in a soak). */
  rate?: number;
  /** Share of writes that fail (default 20%: the ambiguous outcomes are the interesting ones). */
  writeRate?: number;
  /** Share of requests failed while a kind has not been used on them yet (default 50%): every kind early in each story. */
  coverRate?: number;
}

export async function behindFaultProxies(h: Harness, seeds: FaultOptions): Promise<FaultyConnector> {
  const notAuth = (_m: string, p: string) => !p.includes('oauth2');
  // Once every kind was used, CI repeats only the kinds that cost no wall time (a late answer waits out the request
  // timeout, a 429 its Retry-After); a soak repeats them all.
  const repeatKinds = SOAK ? FAULT_KINDS : FAULT_KINDS.filter((k) => k !== 'slow' && k !== 'throttle-429');
  const common = {
    repeatKinds: seeds.kinds ? undefined : repeatKinds,
    rate: seeds.rate ?? (SOAK ? 0.1 : 0.05),
    writeRate: seeds.writeRate ?? 0.2,
    coverRate: seeds.coverRate ?? 0.5,
    kinds: seeds.kinds ?? FAULT_KINDS,
    match: notAuth,
    slowMs: REQUEST_TIMEOUT_MS + 1_000
  };
  const sfProxy = await startFaultProxy({
    ...common,
    target: h.sfEmu.url,
    system: 'salesforce',
    seed: seeds.salesforce
  });
  const coupaProxy = await startFaultProxy({ ...common, target: h.coupaEmu.url, system: 'coupa', seed: seeds.coupa });
  const salesforce = new SalesforceClient({
    auth: { flow: 'client-credentials', loginUrl: sfProxy.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET },
    clientName: CLIENT_NAME,
    backoff: { baseMs: 1, maxMs: 20 },
    timeoutMs: REQUEST_TIMEOUT_MS
  });
  const coupa = new CoupaClient({
    baseUrl: coupaProxy.url,
    clientId: h.coupaEmu.clientId,
    clientSecret: h.coupaEmu.clientSecret,
    scopes: allScopes(),
    bucket: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    backoff: { baseMs: 1, maxMs: 20 },
    timeoutMs: REQUEST_TIMEOUT_MS
  });
  await salesforce.connect();
  const engine = new SyncEngine({
    store: h.store,
    logger: pino({ level: 'silent' }),
    retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20, rateLimitedDelayMs: 100 }
  });
  return {
    sfProxy,
    coupaProxy,
    salesforce,
    coupa,
    engine,
    async settle(name, maxRuns = 9) {
      let s = await engine.runNow(name);
      for (let run = 1; run < maxRuns && s.status !== 'succeeded'; run++) s = await engine.runNow(name);
      expect({ flow: name, status: s.status, error: s.error }).toEqual({
        flow: name,
        status: 'succeeded',
        error: undefined
      });
    },
    injected: () => sfProxy.injected + coupaProxy.injected,
    figures: () => {
      const byKind: Record<string, number> = {};
      const onWrites: Record<string, number> = {};
      for (const [side, p] of [
        ['salesforce', sfProxy],
        ['coupa', coupaProxy]
      ] as const) {
        for (const [k, n] of Object.entries(p.byKind)) byKind[`${side} ${k}`] = n;
        for (const [k, n] of Object.entries(p.onWrites)) onWrites[`${side} ${k}`] = n;
      }
      return { faultsSalesforce: sfProxy.injected, faultsCoupa: coupaProxy.injected, byKind, onWrites };
    },
    async close() {
      await engine.stop();
      await sfProxy.close();
      await coupaProxy.close();
    }
  };
}

/** How many times each key occurs (records per source id), to check that each got exactly one counterpart. */
export function countPerKey(keys: Iterable<unknown>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) if (typeof k === 'string') out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** No run of any flow is left `running`. */
export async function expectNoRunLeftRunning(store: StateStore): Promise<void> {
  const running = (await store.listRuns({ limit: 10_000 }))
    .filter((r) => r.status === 'running')
    .map((r) => `${r.flow} ${r.id}`);
  expect(running).toEqual([]);
}

/**
 * Kinds that were never injected into the reads (GET) or writes of one side: a story asserts this is empty for the
 * request classes its flow sends, so every fault kind meets every flow. `lock-row` exists only for Salesforce
 * collection writes.
 */
export function kindsNotInjected(
  p: FaultProxy,
  system: 'salesforce' | 'coupa',
  on: { reads: boolean; writes: boolean }
): string[] {
  const missing: string[] = [];
  for (const k of FAULT_KINDS) {
    const onWrites = p.onWrites[k] ?? 0;
    const onReads = (p.byKind[k] ?? 0) - onWrites;
    if (on.reads && k !== 'lock-row' && onReads === 0) missing.push(`${system} read ${k}`);
    if (on.writes && (k !== 'lock-row' || system === 'salesforce') && onWrites === 0)
      missing.push(`${system} write ${k}`);
  }
  return missing;
}

/**
 * Writes to one system counted by its emulator include the repeats of writes whose answer the proxy lost after they
 * took effect (an update is re-sent: same values, no new effect). `expected` writes are right when the count lies in
 * [expected, expected + answers lost since `sinceLost`].
 */
export function expectWritesOnce(
  counted: number,
  expected: number,
  p: FaultProxy,
  pattern: RegExp,
  sinceLost: number
): void {
  const lost = p.answersLost.slice(sinceLost).filter((w) => pattern.test(w)).length;
  expect({ counted, atLeast: expected }).toEqual({ counted: Math.max(counted, expected), atLeast: expected });
  expect({ counted, atMost: expected + lost }).toEqual({
    counted: Math.min(counted, expected + lost),
    atMost: expected + lost
  });
}
