/**
 * The middleware's container image, built from the Containerfile and run with podman: only with CONTAINER_TESTS=1
 * (it builds an image, minutes on a small machine), so CI stays bounded. How to run it, also on a machine with no
 * image registry: docs/operations.md, "Testing the image".
 *
 * CONTAINER_BASE_IMAGE  base image for both stages (NODE_IMAGE build argument); default: the Containerfile's
 * CONTAINER_IMAGE       an image already built from this Containerfile: skips the build
 * CONTAINERS_CONF       podman's configuration, as usual
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sandboxEnv } from '../../middleware/src/cli/sandbox-settings';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';

const execFileP = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');
const enabled = process.env.CONTAINER_TESTS === '1';
const image = process.env.CONTAINER_IMAGE ?? 'localhost/coupa-sf-connector:container-test';
const name = `coupa-sf-test-${process.pid}`;
const volume = `coupa-sf-test-data-${process.pid}`;

async function podman(args: string[], timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP('podman', args, { timeout, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

(enabled ? describe : describe.skip)('container image (CONTAINER_TESTS=1)', () => {
  let sandbox: RunningSandbox | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coupa-sf-image-'));

  beforeAll(async () => {
    if (!process.env.CONTAINER_IMAGE) {
      const base = process.env.CONTAINER_BASE_IMAGE ? ['--build-arg', `NODE_IMAGE=${process.env.CONTAINER_BASE_IMAGE}`] : [];
      execFileSync('podman', ['build', '--format', 'docker', '--network', 'host', ...base, '-f', 'Containerfile', '-t', image, '.'], {
        cwd: repo,
        stdio: 'inherit',
        timeout: 1_800_000
      });
    }
  }, 1_800_000);

  afterAll(async () => {
    await podman(['rm', '-f', name]);
    await podman(['volume', 'rm', '-f', volume]);
    await sandbox?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('runs as uid 1000, not root, and holds no dev dependency, test or secret', async () => {
    const id = await podman(['run', '--rm', '--entrypoint', 'id', image, '-u']);
    expect(id.stdout.trim()).toBe('1000');
    const ls = await podman(['run', '--rm', '--entrypoint', 'sh', image, '-c', 'ls node_modules/@salesforce node_modules/jest 2>&1; find /app /data -path /app/node_modules -prune -o \\( -name "*.test.ts" -o -name "*.key" -o -name "*.pem" -o -name ".env" \\) -print']);
    expect(ls.stdout).toMatch(/No such file or directory.*\n.*No such file or directory/);
    expect(ls.stdout).not.toMatch(/\.test\.ts|\.key|\.pem|\.env/);
  }, 120_000);

  it('without connections, start stops with the missing variables (exit 2) and never runs a sandbox', async () => {
    const res = await podman(['run', '--rm', image]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('SALESFORCE_LOGIN_URL');
  }, 120_000);

  it('against the emulators: starts, answers /healthz and /readyz, passes its health check and doctor, keeps SQLite in /data (0600)', async () => {
    const settingsFile = path.join(tmp, 'sandbox.json');
    sandbox = await startSandbox({ connectorPort: 0, preview: false, sqlitePath: path.join(tmp, 'sandbox.db'), logLevel: 'silent', settingsFile });
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Parameters<typeof sandboxEnv>[0];
    const { SQLITE_PATH: _hostDb, ...env } = sandboxEnv(settings);
    const port = 30_000 + (process.pid % 20_000);
    const pubsub = sandbox.salesforce.pubsubUrl ? { SALESFORCE_PUBSUB_URL: sandbox.salesforce.pubsubUrl } : {};
    const envArgs = Object.entries({ ...env, ...pubsub, PORT: String(port), LOG_LEVEL: 'warn' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // Host network: the emulators listen on the host's loopback.
    const run = await podman(['run', '-d', '--name', name, '--network', 'host', '-v', `${volume}:/data`, ...envArgs, image]);
    expect(run).toMatchObject({ code: 0 });

    let ready = 0;
    for (let i = 0; i < 90 && ready !== 200; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      if (ready !== 200) await new Promise((r) => setTimeout(r, 1000));
    }
    if (ready !== 200) throw new Error(`not ready: ${(await podman(['logs', name])).stderr}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await podman(['healthcheck', 'run', name])).code).toBe(0);

    const doctor = await podman(['exec', name, 'node', 'bin/coupa-sf.js', 'doctor'], 120_000);
    expect(doctor.stdout).toContain('all checks passed');
    expect(doctor.stdout + doctor.stderr).not.toContain(settings.coupa.clientSecret);

    const db = await podman(['exec', name, 'stat', '-c', '%a %u %n', '/data/connector.db']);
    expect(db.stdout.trim()).toBe('600 1000 /data/connector.db');
  }, 300_000);
});
