/**
 * What streaming costs while nothing happens: the shipped connector.yaml's streamed flows, run through the sandbox
 * (both emulators, Pub/Sub on), with every other schedule pushed out of the window. After the subscriptions are up,
 * API calls are counted over an idle window (change events ride the Pub/Sub stream, which is not an API call), then
 * one safety-net poll of each streamed flow is counted: the only calls an idle streamed flow makes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startSandbox } from '../sandbox/sandbox';
import { CONFIG_FILE } from './config';
import { secs } from './measure';
import type { Table } from './table';

const NEVER = '0 0 1 1 *';

const sum = (by: Record<string, number>) => Object.values(by).reduce((a, b) => a + b, 0);

/** connector.yaml with only the streamed flows on and no schedule firing during the bench (companions included). */
export function idleStreamingConfig(source = CONFIG_FILE): { file: string; streamed: string[]; liveSafetyNet: string; pollSchedules: Record<string, string> } {
  const doc = YAML.parse(fs.readFileSync(source, 'utf8')) as {
    flows: Record<string, { enabled?: boolean; schedule?: string; options?: Record<string, unknown> }>;
    streaming: { enabled: boolean; flows: string[]; safetyNetSchedule: string };
  };
  const streamed = doc.streaming.flows;
  const pollSchedules: Record<string, string> = {};
  for (const [name, flow] of Object.entries(doc.flows)) {
    if (!streamed.includes(name)) {
      flow.enabled = false;
      continue;
    }
    pollSchedules[name] = flow.schedule ?? '';
    // Companion flows (status write-back, the Coupa → Salesforce direction) poll Coupa on their own option schedules.
    const companion = name === 'contract-sync' || name === 'supplier-account-sync' ? { schedule: NEVER } : { statusSchedule: NEVER };
    flow.options = { ...flow.options, ...companion };
  }
  const liveSafetyNet = doc.streaming.safetyNetSchedule;
  doc.streaming.safetyNetSchedule = NEVER;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stream-')), 'connector.yaml');
  fs.writeFileSync(file, YAML.stringify(doc));
  return { file, streamed, liveSafetyNet, pollSchedules };
}

export async function benchStreamingIdle(table: Table, windowMs: number): Promise<void> {
  const cfg = idleStreamingConfig();
  const dir = path.dirname(cfg.file);
  const before = process.env.CONNECTOR_CONFIG;
  process.env.CONNECTOR_CONFIG = cfg.file;
  const sandbox = await startSandbox({ connectorPort: 0, salesforcePort: 0, coupaPort: 0, preview: false, sqlitePath: path.join(dir, 'state.db'), logLevel: 'silent' }).finally(() => {
    if (before === undefined) delete process.env.CONNECTOR_CONFIG;
    else process.env.CONNECTOR_CONFIG = before;
  });
  try {
    const streams = sandbox.connector.streams;
    if (!streams) throw new Error('streaming is off in connector.yaml');
    const deadline = Date.now() + 30_000;
    while (!streams.stats().every((s) => s.subscribed)) {
      if (Date.now() > deadline) throw new Error(`not subscribed: ${JSON.stringify(streams.stats())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The window starts once the start-up catch-up runs and any events they caused are done: what it counts is idling.
    for (;;) {
      await streams.settled();
      if (!(await sandbox.connector.engine.status()).some((f) => f.running)) break;
      if (Date.now() > deadline) throw new Error('flows still running 30 s after start-up');
      await new Promise((r) => setTimeout(r, 100));
    }
    const sf = sandbox.salesforce.control;
    const coupa = sandbox.coupa.control;
    sf.resetCounters();
    coupa.resetCounters();
    await new Promise((r) => setTimeout(r, windowMs));
    const idleSf = sum(sf.counters().byEndpoint);
    const idleCoupa = sum(coupa.counters().byEndpoint as Record<string, number>);
    const perMinute = (n: number) => ((n * 60_000) / windowMs).toFixed(1);
    table.add(
      'idle',
      `streamed flows idle (${streams.stats().length} subscriptions, Pub/Sub)`,
      `${perMinute(idleSf)} Salesforce + ${perMinute(idleCoupa)} Coupa calls per minute`,
      `${idleSf} + ${idleCoupa} calls in a ${secs(windowMs)} window with every subscription up and no change; goal 0 apart from the safety-net poll`,
    );
    // One safety-net poll of each streamed flow (the main flow of each module), counted.
    let pollSf = 0;
    let pollCoupa = 0;
    const parts: string[] = [];
    for (const s of streams.stats()) {
      sf.resetCounters();
      coupa.resetCounters();
      const summary = await sandbox.connector.engine.runNow(s.flow, 'bench');
      if (summary.status === 'failed') throw new Error(`${s.flow}: ${summary.error}`);
      const [a, b] = [sum(sf.counters().byEndpoint), sum(coupa.counters().byEndpoint as Record<string, number>)];
      pollSf += a;
      pollCoupa += b;
      parts.push(`${s.flow} ${a}+${b}`);
    }
    table.add(
      'idle',
      `safety-net poll of the streamed flows (${cfg.liveSafetyNet} in connector.yaml)`,
      `${pollSf} Salesforce + ${pollCoupa} Coupa calls per poll`,
      `${parts.join(', ')} (Salesforce+Coupa); with streaming off the same polls run on each flow's schedule (${Object.entries(cfg.pollSchedules)
        .map(([f, s]) => `${f} "${s}"`)
        .join(', ')})`,
    );
  } finally {
    await sandbox.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** connector.yaml with streaming off (the flows poll on their own schedules), as a temporary file. */
export function liveConfigWithoutStreaming(source = CONFIG_FILE): { file: string; remove(): void } {
  const doc = YAML.parse(fs.readFileSync(source, 'utf8')) as { streaming?: { enabled: boolean } };
  doc.streaming = { ...doc.streaming, enabled: false };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-polling-'));
  const file = path.join(dir, 'connector.yaml');
  fs.writeFileSync(file, YAML.stringify(doc));
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
