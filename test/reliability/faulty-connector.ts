/**
 * The connector behind fault proxies: a seeded 10% of API requests on each side answered 429/5xx before they reach
 * the emulator, the two clients pointed at the proxies with short transport backoffs, and an engine with a generous
 * retry budget. Every reliability story starts from this.
 */
import pino from 'pino';
import { allScopes } from '../../emulators/coupa/src';
import { CoupaClient, TokenBucket } from '../../middleware/src/coupa';
import { SyncEngine } from '../../middleware/src/engine';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { CLIENT_NAME, SF_CLIENT_ID, SF_CLIENT_SECRET, type Harness } from '../e2e/harness';
import { coupaFailure, salesforceFailure, startFaultProxy, type FaultProxy } from './fault-proxy';

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
  close(): Promise<void>;
}

export async function behindFaultProxies(h: Harness, seeds: { salesforce: number; coupa: number }): Promise<FaultyConnector> {
  const notAuth = (_m: string, p: string) => !p.includes('oauth2');
  const sfProxy = await startFaultProxy({ target: h.sfEmu.url, rate: 0.1, seed: seeds.salesforce, match: notAuth, respond: salesforceFailure });
  const coupaProxy = await startFaultProxy({ target: h.coupaEmu.url, rate: 0.1, seed: seeds.coupa, match: notAuth, respond: coupaFailure });
  const salesforce = new SalesforceClient({
    auth: { flow: 'client-credentials', loginUrl: sfProxy.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET },
    clientName: CLIENT_NAME,
    backoff: { baseMs: 1, maxMs: 20 },
  });
  const coupa = new CoupaClient({
    baseUrl: coupaProxy.url,
    clientId: h.coupaEmu.clientId,
    clientSecret: h.coupaEmu.clientSecret,
    scopes: allScopes(),
    bucket: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    backoff: { baseMs: 1, maxMs: 20 },
  });
  await salesforce.connect();
  const engine = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }), retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20 } });
  return {
    sfProxy,
    coupaProxy,
    salesforce,
    coupa,
    engine,
    async settle(name, maxRuns = 9) {
      let s = await engine.runNow(name);
      for (let run = 1; run < maxRuns && s.status !== 'succeeded'; run++) s = await engine.runNow(name);
      expect({ flow: name, status: s.status, error: s.error }).toEqual({ flow: name, status: 'succeeded', error: undefined });
    },
    injected: () => sfProxy.injected + coupaProxy.injected,
    async close() {
      await engine.stop();
      await sfProxy.close();
      await coupaProxy.close();
    },
  };
}

/** How many times each key occurs (records per source id), to check that each got exactly one counterpart. */
export function countPerKey(keys: Iterable<unknown>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) if (typeof k === 'string') out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}
