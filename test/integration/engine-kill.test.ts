/**
 * Kills a real connector process (SIGKILL) in the middle of a batch, restarts it, and checks that
 * every source record reached the target exactly once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dropPostgresSchema, uniqueSchemaName } from '../../middleware/src/store';

const ROOT = path.resolve(__dirname, '../..');
const NODE = process.execPath;
const WORKER = path.join(__dirname, 'fixtures', 'kill-worker.ts');

/** Runs the worker; when `killAfter` is set, SIGKILLs it once that many writes were reported. */
function runWorker(
  args: string[],
  killAfter?: number,
  killOn: 'w' | 'e' = 'w',
  env: Record<string, string> = {},
): Promise<{ writes: number; killed: boolean; done: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--import', 'tsx', WORKER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let writes = 0;
    let effects = 0;
    let done: string | null = null;
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('w ')) writes++;
        if (line.startsWith('e ')) effects++;
        if (line.startsWith('done ')) done = line.slice(5);
        const seen = killOn === 'w' ? writes : effects;
        if (killAfter !== undefined && seen >= killAfter && !child.killed) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ writes, killed: true, done });
      else if (code === 0) resolve({ writes, killed: false, done });
      else reject(new Error(`worker exited ${code}: ${stderr}`));
    });
  });
}

/** Asserts that each of `count` source records has exactly one row in `table` of the target file. */
function expectEachOnce(targetFile: string, table: 'target' | 'tasks', count: number): void {
  const db = new Database(targetFile, { readonly: true });
  try {
    const rows = db.prepare(`SELECT source_id AS s, COUNT(*) AS n FROM ${table} GROUP BY source_id`).all() as { s: string; n: number }[];
    expect({ table, records: rows.length }).toEqual({ table, records: count });
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
  } finally {
    db.close();
  }
}

describe('killing the connector mid-batch', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-kill-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('restarts with no duplicate and no lost record', async () => {
    const state = path.join(dir, 'state.db');
    const targetFile = path.join(dir, 'target.db');
    const count = 200;
    const first = await runWorker([state, targetFile, String(count)], 37);
    expect(first.killed).toBe(true);
    expect(first.done).toBeNull();

    const second = await runWorker([state, targetFile, String(count)]);
    expect(second.killed).toBe(false);
    expect(JSON.parse(second.done!)).toMatchObject({ status: 'succeeded' });

    expectEachOnce(targetFile, 'target', count);
  }, 60_000);

  it.each([
    ['between the records of a page and their side effects', 'w', 25],
    ['in the middle of a page\'s side effects', 'e', 12],
  ])('loses and repeats no side effect when killed %s', async (_label, on, at) => {
    const state = path.join(dir, 'state.db');
    const targetFile = path.join(dir, 'target.db');
    const count = 100;
    const first = await runWorker([state, targetFile, String(count), 'effects'], at as number, on as 'w' | 'e');
    expect(first.killed).toBe(true);
    const second = await runWorker([state, targetFile, String(count), 'effects']);
    expect(JSON.parse(second.done!)).toMatchObject({ status: 'succeeded' });

    expectEachOnce(targetFile, 'target', count);
    expectEachOnce(targetFile, 'tasks', count);
  }, 60_000);

  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

  it.each([2, 3])('%i instances on one PostgreSQL database, one killed mid-run: every record written once, the others take over', async (instances) => {
    const schema = uniqueSchemaName('kill');
    const env = { KILL_WORKER_PG: `${pgUrl}#${schema}`, KILL_WORKER_LEASE_MS: '1500' };
    const targetFile = path.join(dir, 'target.db');
    const count = 300;
    try {
      // All start together; one of them holds the flow lease and is killed after 40 writes; the others find the flow
      // busy (their run ends at once) until its lease expires.
      const runs = await Promise.all(
        Array.from({ length: instances }, (_, i) => runWorker([path.join(dir, `unused-${i}.db`), targetFile, String(count)], 40, 'w', env)),
      );
      expect(runs.filter((r) => r.killed).length).toBeGreaterThanOrEqual(1);
      // Within one lease period a surviving instance's next run takes the flow over and finishes it.
      await new Promise((r) => setTimeout(r, 1600));
      const takeover = await runWorker([path.join(dir, 'unused-x.db'), targetFile, String(count)], undefined, 'w', env);
      expect(JSON.parse(takeover.done!)).toMatchObject({ status: 'succeeded' });

      expectEachOnce(targetFile, 'target', count);
    } finally {
      await dropPostgresSchema(pgUrl, schema).catch(() => undefined);
    }
  }, 90_000);
});
