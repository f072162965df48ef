/**
 * The `coupa-sf` command line as an operator runs it (bin/coupa-sf.js in a child process): --version, doctor with
 * both systems down, and doctor / sync --dry-run against a running sandbox through its settings file. Also the
 * sandbox's start-up guarantees: a busy port is named with its variable before anything is deleted, ADMIN_TOKEN is
 * honoured, and the settings file is the owner's only.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../middleware/src/config';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';

const execFileP = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');
const BIN = path.join(repo, 'bin', 'coupa-sf.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coupa-sf-cli-'));

/** The environment without any connection, so only what the test sets counts. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', SQLITE_PATH: path.join(tmp, 'cli.db'), ...extra };
  for (const k of Object.keys(env)) {
    if (/^(SALESFORCE_|COUPA_|DATABASE_URL|ADMIN_TOKEN|CONNECTOR_MASTER_KEY)/.test(k) && !(k in extra)) delete env[k];
  }
  return env;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], { cwd: repo, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('coupa-sf', () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    const res = await cli(['--version'], cleanEnv({}));
    expect(res).toMatchObject({ code: 0 });
    expect(res.stdout.trim()).toBe(version);
  }, 60_000);

  it('doctor with both systems down reports both, each with what to do, and exits 1', async () => {
    const [sfPort, coupaPort] = [await closedPort(), await closedPort()];
    const res = await cli(
      ['doctor'],
      cleanEnv({
        SALESFORCE_LOGIN_URL: `http://127.0.0.1:${sfPort}`,
        SALESFORCE_CLIENT_ID: 'doctor',
        SALESFORCE_CLIENT_SECRET: 'doctor-secret-value-1',
        COUPA_BASE_URL: `http://127.0.0.1:${coupaPort}`,
        COUPA_CLIENT_ID: 'doctor',
        COUPA_CLIENT_SECRET: 'doctor-secret-value-2',
      }),
    );
    expect(res.code).toBe(1);
    const lines = res.stdout.split('\n');
    const sf = lines.findIndex((l) => l.startsWith('FAIL  salesforce: login'));
    const coupa = lines.findIndex((l) => l.startsWith('FAIL  coupa: token and scopes'));
    expect(sf).toBeGreaterThanOrEqual(0);
    expect(coupa).toBeGreaterThanOrEqual(0);
    expect(lines[sf + 1]).toMatch(/→ .*SALESFORCE_LOGIN_URL/);
    expect(lines[coupa + 1]).toMatch(/→ .*COUPA_BASE_URL/);
    expect(res.stdout).toMatch(/skip {2}mappings: not checked/);
    expect(res.stdout).toContain('2 of 2 checks failed; 2 not run until those are fixed');
    expect(res.stdout + res.stderr).not.toMatch(/doctor-secret-value/);
  }, 120_000);

  it('without connections or a running sandbox, says what is missing (exit 2)', async () => {
    const res = await cli(['sync', 'invoice-status', '--dry-run'], cleanEnv({ SANDBOX_SETTINGS_FILE: path.join(tmp, 'none.json') }));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no sandbox is running');
  }, 60_000);
});

describe('coupa-sf against the running sandbox', () => {
  let sandbox: RunningSandbox;
  const settingsFile = path.join(tmp, 'sandbox.json');
  const adminToken = 'cli-test-admin-token-0123456789';
  beforeAll(async () => {
    sandbox = await startSandbox({
      connectorPort: 0,
      preview: false,
      sqlitePath: path.join(tmp, 'sandbox.db'),
      logLevel: 'silent',
      coupaSize: 10,
      adminToken,
      settingsFile,
    });
  }, 120_000);
  afterAll(() => sandbox?.stop());

  it('writes its settings for the owner only, with the admin token it was given', async () => {
    expect(fs.statSync(settingsFile).mode & 0o777).toBe(0o600);
    const s = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    expect(s).toMatchObject({ connectorUrl: sandbox.connector.url, adminToken, pid: process.pid });
    expect(sandbox.adminToken).toBe(adminToken);
    const res = await fetch(`${sandbox.connector.url}/api/v1/flows`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(res.status).toBe(200);
  });

  it('sync --dry-run reads the sandbox and prints what it would do', async () => {
    const res = await cli(['sync', 'invoice-status', '--dry-run', '--limit', '3'], cleanEnv({ SANDBOX_SETTINGS_FILE: settingsFile }));
    expect(res.stderr).toContain(`using the sandbox running at ${sandbox.connector.url}`);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^invoice-status: \d+ record\(s\) after .* \(dry run\)/m);
  }, 120_000);

  it('replay re-sends a sandbox dead letter once its cause is gone, and quarantine list reads the sandbox store', async () => {
    const opp = sandbox.accounts.FabrikamRollout;
    const key = `salesforce:Opportunity:${opp}`;
    sandbox.coupa.control.addFault({ kind: 'status', status: 422, method: 'POST', path: '/api/requisitions' });
    const res = await fetch(`${sandbox.salesforce.url}/services/data/v62.0/sobjects/Opportunity/${opp}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${sandbox.personTokens.salesforce}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ StageName: 'Closed Won' }),
    });
    expect(res.status).toBe(204);
    await sandbox.connector.engine.runNow('opportunity-to-requisition', 'test');
    sandbox.coupa.control.clearFaults();
    const [dl] = (await sandbox.connector.store.listDeadLetters({ status: 'open' })).filter((d) => d.recordKey === key);
    expect(dl).toBeDefined();

    const replay = await cli(['replay', String(dl.id)], cleanEnv({ SANDBOX_SETTINGS_FILE: settingsFile }));
    expect(replay.stdout.trim()).toBe(`dead letter ${dl.id} replayed`);
    expect(replay.code).toBe(0);
    expect(await sandbox.connector.store.getDeadLetter(dl.id)).toMatchObject({ status: 'replayed' });

    const list = await cli(['quarantine', 'list'], cleanEnv({ SANDBOX_SETTINGS_FILE: settingsFile }));
    expect(list).toMatchObject({ code: 0, stdout: 'no quarantined records\n' });
  }, 120_000);

  it('doctor passes against the sandbox', async () => {
    const res = await cli(['doctor'], cleanEnv({ SANDBOX_SETTINGS_FILE: settingsFile }));
    expect(res.stdout).toContain('all checks passed');
    // Salesforce access is checked per object the enabled flows need (the catalog's derivation), not per mapping.
    expect(res.stdout).toMatch(/^ok {4}salesforce: Coupa_Spend_Summary__c: read, create, edit, delete, \d+ connector field\(s\) as spend-summary need$/m);
    expect(res.stdout).toMatch(/^ok {4}salesforce: Task: read, create as invoice-status need$/m);
    expect(res.stdout).not.toContain('salesforce: OpportunityLineItem');
    expect(res.code).toBe(0);
  }, 120_000);
});

describe('sandbox start-up', () => {
  it('names a busy port with the variable that moves it, before deleting anything', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const { port } = busy.address() as net.AddressInfo;
    const db = path.join(tmp, 'kept.db');
    fs.writeFileSync(db, 'the running sandbox state');
    try {
      const err = await startSandbox({ connectorPort: port, preview: false, sqlitePath: db, logLevel: 'silent' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`environment: PORT: port ${port}`);
      expect((err as Error).message).toContain('set PORT to a free port');
      expect(fs.readFileSync(db, 'utf8')).toBe('the running sandbox state');
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  }, 60_000);
});
