/**
 * Every key of connector.yaml is read: the connector is built from a file that sets each one, with the parsed
 * sections wrapped so that every property read is recorded. A key the schema accepts but nothing reads fails here
 * (a documented setting that changes nothing is a defect).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { loadConfig } from '../../middleware/src/config';
import { FLOW_MODULES } from '../../middleware/src/flows';
import { createLogger } from '../../middleware/src/log';
import { buildConnector } from '../../middleware/src/runtime/build';

const repo = path.resolve(__dirname, '..', '..');

/** Wraps an object so that reading any of its (nested) properties records the dotted path. */
function recording<T extends object>(value: T, prefix: string, read: Set<string>): T {
  return new Proxy(value, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string') return v;
      const p = `${prefix}.${prop}`;
      read.add(p);
      return v && typeof v === 'object' && !Array.isArray(v) ? recording(v as object, p, read) : v;
    },
  });
}

/** Dotted paths of every leaf of a parsed section (a flow's `options` are the flow's own, validated by the flow). */
function leaves(value: unknown, prefix: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => (k === 'options' ? [] : leaves(v, `${prefix}.${k}`)));
}

describe('connector.yaml', () => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  const file = path.join(os.tmpdir(), `connector-keys-${process.pid}.yaml`);

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      startSalesforceEmulator({ clientId: 'keys', clientSecret: 'keys-secret' }),
      startCoupaEmulator({ seed: 0, scopes: allScopes() }),
    ]);
    const flows = FLOW_MODULES.map(
      (m) => `  ${m.name}:\n    enabled: true\n    schedule: "0 3 * * *"\n    batchSize: 100\n    overlapSeconds: 30\n`,
    ).join('');
    fs.writeFileSync(
      file,
      `flows:\n${flows}coupa:\n  rateLimit: { requestsPerSecond: 20, burst: 10 }\n  pageSize: 40\n  requestTimeoutSeconds: 30\n` +
        `salesforce:\n  apiReservePercent: 5\n  collectionSize: 100\n  bulkThreshold: 5000\n  requestTimeoutSeconds: 30\n` +
        `engine:\n  maxAttempts: 4\n  baseDelayMs: 100\n  maxDelayMs: 1000\n  leaseTtlSeconds: 30\n  pingPong: { maxWrites: 5, windowSeconds: 120 }\n` +
        `streaming:\n  enabled: true\n  transport: pubsub\n  flows: [opportunity-to-requisition, supplier-onboarding]\n  safetyNetSchedule: "0 4 * * *"\n  batchSize: 25\n` +
        `mcp:\n  enabled: true\n  acceptAdminToken: false\n  rateLimit: { requestsPerMinute: 30 }\n  maxListItems: 10\n  maxTextLength: 200\n` +
        `  tokens:\n    - { name: bot, tokenEnv: KEYS_AGENT_TOKEN, role: agent, tools: ['*'], autoApprove: [replay_dead_letter], requestsPerMinute: 5 }\n`,
    );
  });
  afterAll(async () => {
    fs.rmSync(file, { force: true });
    await Promise.all([sf.close(), coupa.close()]);
  });

  it('has no key that the connector never reads', async () => {
    const config = loadConfig({
      cwd: repo,
      configFile: file,
      env: {
        SALESFORCE_LOGIN_URL: sf.url,
        SALESFORCE_CLIENT_ID: 'keys',
        SALESFORCE_CLIENT_SECRET: 'keys-secret',
        COUPA_BASE_URL: coupa.url,
        COUPA_CLIENT_ID: coupa.clientId,
        COUPA_CLIENT_SECRET: coupa.clientSecret,
        SQLITE_PATH: ':memory:',
        KEYS_AGENT_TOKEN: 'keys-agent-token-0123456789abcdef',
      },
    });
    const expected = [
      ...leaves(config.flows, 'flows'),
      ...leaves(config.limits, 'limits'),
      ...leaves(config.engine, 'engine'),
      ...leaves(config.streaming, 'streaming'),
      ...leaves(config.mcp, 'mcp'),
    ];
    expect(expected).toEqual(expect.arrayContaining(['streaming.enabled', 'streaming.transport', 'streaming.flows', 'streaming.safetyNetSchedule', 'streaming.batchSize']));
    expect(expected.length).toBeGreaterThan(30);
    const read = new Set<string>();
    const watched = {
      ...config,
      flows: recording(config.flows, 'flows', read),
      limits: recording(config.limits, 'limits', read),
      engine: recording(config.engine, 'engine', read),
      streaming: recording(config.streaming, 'streaming', read),
      mcp: recording(config.mcp, 'mcp', read),
    };
    const connector = await buildConnector({ config: watched, logger: createLogger({ level: 'silent' }) });
    try {
      expect(expected.filter((p) => !read.has(p))).toEqual([]);
      // …and what was read took effect.
      expect(connector.coupa.pageSize).toBe(40);
      expect(connector.flows.every((f) => f.enabled)).toBe(true);
      expect(connector.engine.names().length).toBeGreaterThanOrEqual(FLOW_MODULES.length);
      // The streamed flows' main flows poll on the safety-net schedule; the others keep theirs.
      const schedules = Object.fromEntries(connector.flows.map((f) => [f.definition.name, f.schedule]));
      expect(schedules['opportunity-to-requisition']).toBe('0 4 * * *');
      expect(schedules['supplier-onboarding']).toBe('0 4 * * *');
      expect(schedules['supplier-risk']).toBe('0 3 * * *');
      expect(connector.streams?.stats().map((s) => s.flow).sort()).toEqual(['opportunity-to-requisition', 'supplier-onboarding']);
    } finally {
      await connector.close();
    }
  });
});
