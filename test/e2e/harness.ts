/**
 * End-to-end harness: both emulators in-process, the real clients, a fresh SQLite state store and a SyncEngine.
 * Stories act in one system through its public API (jsforce for Salesforce, HTTP for Coupa), run or wait for the
 * middleware, and assert in the other.
 */
import { Connection } from 'jsforce';
import type { CoupaEmulatorOptions } from '../../emulators/coupa/src';
import type { SalesforceEmulatorOptions } from '../../emulators/salesforce/src';
import type { CompiledMapping } from '../../middleware/src/mapping';
import { startRig, type Rig } from '../../scripts/bench/rig';
import { coupaPersonToken } from '../../scripts/sandbox/sandbox';

export { SF_CLIENT_ID, SF_CLIENT_SECRET, CLIENT_NAME } from '../../scripts/bench/rig';

export interface HarnessOptions {
  coupa?: CoupaEmulatorOptions;
  salesforce?: Partial<SalesforceEmulatorOptions>;
  /** Mappings by name; default: every file in config/mappings. */
  mappings?: CompiledMapping[];
}

export interface Harness extends Omit<Rig, 'logger' | 'mappings'> {
  /** A jsforce connection acting as a person (no connector origin tag on its writes). */
  user(): Connection;
  /** Coupa REST as a person would call it: `coupaApi('PUT', '/api/invoices/7/dispute', body)`. */
  coupaApi<T = any>(method: string, apiPath: string, body?: unknown): Promise<T>;
}

/** The rig (scripts/bench/rig.ts: emulators, clients, in-memory store, engine) plus a person on each side. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const logLevel = process.env.E2E_LOG_LEVEL ?? 'silent';
  // Slightly under the emulator's 25/s, as a real deployment would be: the clients no longer hide 429s, and a
  // person's calls in a story share the emulator's limit with the connector.
  const rig = await startRig({ coupa: opts.coupa, salesforce: opts.salesforce, mappings: opts.mappings, logLevel, coupaRate: { ratePerSecond: 23, burst: 18 } });
  const { sfEmu, coupaEmu } = rig;
  const token = sfEmu.control.issueToken();
  const userConn = new Connection({ instanceUrl: sfEmu.url, accessToken: token.access_token, version: '62.0' });

  let personToken: string | null = null;

  return {
    ...rig,
    user: () => userConn,
    async coupaApi(method, apiPath, body) {
      personToken ??= await coupaPersonToken(coupaEmu);
      let res: Response;
      // A person's script shares the instance's rate limit with the connector: wait and retry on 429.
      for (let attempt = 0; ; attempt++) {
        res = await fetch(`${coupaEmu.url}${apiPath}`, {
          method,
          headers: {
            Authorization: `Bearer ${personToken}`,
            Accept: 'application/json',
            'Content-Type': 'application/json'
          },
          body: body === undefined ? undefined : JSON.stringify(body)
        });
        if (res.status !== 429 || attempt >= 20) break;
        await res.text();
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${apiPath} → ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as never;
    }
  };
}

/** Polls until `probe` returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 100
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Salesforce write calls (REST, collections, Bulk 2.0 ingest) the emulator has counted since its last reset. */
export function salesforceWriteCalls(h: Harness): number {
  const by = h.sfEmu.control.counters().byEndpoint as Record<string, number>;
  return Object.entries(by)
    .filter(([k]) => /(create|update|upsert|delete)$/.test(k) || k.startsWith('bulk2.ingest'))
    .reduce((s, [, n]) => s + n, 0);
}
