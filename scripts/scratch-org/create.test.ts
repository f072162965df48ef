import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the scratch-org script with a fake `npx` on PATH that records its arguments (the script runs the clone's
 * Salesforce CLI as `npx --no-install sf`), so the order and the flags of each step are checked without an org.
 */
describe('scripts/scratch-org/create.sh', () => {
  const script = path.join(__dirname, 'create.sh');
  let bin: string;
  let log: string;

  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-sf-'));
    log = path.join(bin, 'calls.log');
    fs.writeFileSync(path.join(bin, 'npx'), `#!/usr/bin/env bash\necho "npx $*" >> "${log}"\n`, { mode: 0o755 });
    // A global sf that must never be used.
    fs.writeFileSync(path.join(bin, 'sf'), `#!/usr/bin/env bash\ntouch "${path.join(bin, 'sf-called')}"\nexit 1\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    execFileSync('bash', [script, ...args], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CI: '1', ...extraEnv },
      encoding: 'utf8',
      stdio: 'pipe'
    });

  it('creates, deploys the package, then the scratch-org setup as a step of its own, assigns, imports and opens', () => {
    run(['my-org', '3']);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    // The setup is converted into a temporary folder (removed afterwards) and deployed from there.
    const mdapi = /--output-dir (\S+)/.exec(calls[3] ?? '')?.[1] ?? '(no convert call)';
    expect(mdapi).toMatch(/\/mdapi$/);
    expect(fs.existsSync(path.dirname(mdapi))).toBe(false);
    expect(calls).toEqual([
      'npx --no-install sf --version',
      'npx --no-install sf org create scratch --definition-file config/project-scratch-def.json --alias my-org --set-default --duration-days 3 --wait 15',
      'npx --no-install sf project deploy start --source-dir force-app --target-org my-org --wait 20',
      `npx --no-install sf project convert source --root-dir scratch-org-setup --output-dir ${mdapi}`,
      `npx --no-install sf project deploy start --metadata-dir ${mdapi} --target-org my-org --wait 10`,
      'npx --no-install sf org assign permset --name Coupa_Viewer --name Coupa_Onboarding_Requester --target-org my-org',
      'npx --no-install tsx scripts/sample-data/import.ts --target-org my-org',
      'npx --no-install sf org open --target-org my-org --url-only'
    ]);
    // No global `sf` was called: only the clone's, through npx.
    expect(fs.existsSync(path.join(bin, 'sf-called'))).toBe(false);
  });

  it('stops at the first failing step', () => {
    fs.writeFileSync(
      path.join(bin, 'npx'),
      `#!/usr/bin/env bash\necho "npx $*" >> "${log}"\n[ "$2" = sf ] && [ "$3" = project ] && exit 1\nexit 0\n`,
      { mode: 0o755 }
    );
    expect(() => run([])).toThrow();
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(3);
    expect(calls[2]).toBe('npx --no-install sf project deploy start --source-dir force-app --target-org coupa-connector --wait 20');
  });

  it('without the clone’s Salesforce CLI (npm ci not run), says so and does nothing', () => {
    fs.writeFileSync(path.join(bin, 'npx'), `#!/usr/bin/env bash\necho "npx $*" >> "${log}"\nexit 1\n`, { mode: 0o755 });
    let stderr = '';
    try {
      run([]);
    } catch (err) {
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(stderr).toContain('run npm ci');
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual(['npx --no-install sf --version']);
  });
});
