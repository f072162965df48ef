import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the scratch-org script with fake `sf` and `npx` on PATH that record their arguments, so the order and the
 * flags of each step are checked without an org.
 */
describe('scripts/scratch-org/create.sh', () => {
  const script = path.join(__dirname, 'create.sh');
  let bin: string;
  let log: string;

  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-sf-'));
    log = path.join(bin, 'calls.log');
    for (const name of ['sf', 'npx']) {
      fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n`, { mode: 0o755 });
    }
  });
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

  const run = (args: string[], extraEnv: Record<string, string> = {}) =>
    execFileSync('bash', [script, ...args], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CI: '1', ...extraEnv },
      encoding: 'utf8'
    });

  it('creates, deploys, assigns permission sets, imports sample data and opens the org, in that order', () => {
    run(['my-org', '3']);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toEqual([
      'sf org create scratch --definition-file config/project-scratch-def.json --alias my-org --set-default --duration-days 3 --wait 15',
      'sf project deploy start --source-dir force-app --source-dir scratch-org-setup --target-org my-org --wait 20',
      'sf org assign permset --name Coupa_Viewer --name Coupa_Onboarding_Requester --target-org my-org',
      'npx --no-install tsx scripts/sample-data/import.ts --target-org my-org',
      'sf org open --target-org my-org --url-only'
    ]);
  });

  it('stops at the first failing step', () => {
    fs.writeFileSync(
      path.join(bin, 'sf'),
      `#!/usr/bin/env bash\necho "sf $*" >> "${log}"\n[ "$1" = project ] && exit 1\nexit 0\n`,
      { mode: 0o755 }
    );
    expect(() => run([])).toThrow();
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatch(/^sf project deploy start/);
  });
});
