/**
 * How bin/coupa-sf.js starts the connector's Node process (bin/connector-node.js): TypeScript runs through tsx's
 * CommonJS hook, and V8's old generation is limited to 1 GB unless NODE_OPTIONS sets a limit of its own.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { connectorNodeArgs, DEFAULT_MAX_OLD_SPACE_MB } = require('../../bin/connector-node') as {
  connectorNodeArgs: (env?: NodeJS.ProcessEnv) => string[];
  DEFAULT_MAX_OLD_SPACE_MB: number;
};

const execFileP = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-node-'));
// TypeScript syntax, so it only runs through the hook; prints the heap limit V8 was started with, in MB.
const script = path.join(tmp, 'heap-limit.ts');
fs.writeFileSync(script, "const limit: number = require('node:v8').getHeapStatistics().heap_size_limit;\nprocess.stdout.write(String(Math.round(limit / 1048576)));\n");

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function heapLimitMb(env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await execFileP(process.execPath, [...connectorNodeArgs(env), script], { env });
  return Number(stdout);
}

describe('the connector process as bin/coupa-sf.js starts it', () => {
  it('runs TypeScript with a 1 GB old-generation limit by default', async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    expect(DEFAULT_MAX_OLD_SPACE_MB).toBe(1024);
    const mb = await heapLimitMb(env);
    // heap_size_limit is the old generation plus the young one (tens of MB on Node 20, about 190 MB on Node 24).
    expect(mb).toBeGreaterThanOrEqual(1024);
    expect(mb).toBeLessThan(1024 + 400);
  });

  it('leaves the limit to NODE_OPTIONS when it sets one', async () => {
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=300' };
    expect(connectorNodeArgs(env).some((a) => a.startsWith('--max-old-space-size'))).toBe(false);
    const mb = await heapLimitMb(env);
    expect(mb).toBeGreaterThanOrEqual(300);
    expect(mb).toBeLessThan(300 + 400);
  });
});

describe('the launcher (bin/coupa-sf.js, npm start)', () => {
  it('passes SIGTERM on to the connector, which stops gracefully, and exits with its status', async () => {
    // Says when it is ready, and on SIGTERM says so and exits 3 after a moment (a graceful stop).
    const child = path.join(tmp, 'graceful.ts');
    fs.writeFileSync(
      child,
      "const ready: string = 'ready';\nprocess.on('SIGTERM', () => { process.stdout.write('stopping;'); setTimeout(() => process.exit(3), 200); });\nprocess.stdout.write(ready + ';');\nsetInterval(() => undefined, 1000);\n",
    );
    const launcher = spawn(process.execPath, ['-e', `require(${JSON.stringify(path.resolve(__dirname, '../../bin/connector-node'))}).runConnector(${JSON.stringify(child)})`]);
    let out = '';
    launcher.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out === 'ready;') launcher.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => launcher.on('exit', (c) => resolve(c)));
    expect(out).toBe('ready;stopping;');
    expect(code).toBe(3);
  });
});
