/**
 * The Salesforce CLI installed as a dev dependency (`npx sf`) works from a clone with no network: its version, and the
 * offline commands the project uses (convert source, generate manifest). The commands run with telemetry and update
 * checks off; where this machine allows a network namespace (`unshare -n`), inside one with no network at all, so any
 * connection attempt fails instead of silently succeeding.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');
const OFFLINE_ENV = { SF_DISABLE_TELEMETRY: 'true', SF_SKIP_NEW_VERSION_CHECK: 'true', SF_DISABLE_AUTOUPDATE: 'true' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `unshare -n` works only where the user may create namespaces (root, or unprivileged user namespaces). */
const noNetwork = spawnSync('unshare', ['-n', 'true']).status === 0;

function sf(args: string[]): string {
  const cmd = noNetwork ? 'unshare' : 'npx';
  const argv = noNetwork ? ['-n', 'npx', '--no-install', 'sf', ...args] : ['--no-install', 'sf', ...args];
  // A HOME of its own, so no state from an earlier sf run (logins, caches) changes the result.
  return execFileSync(cmd, argv, {
    cwd: repo,
    env: { ...process.env, ...OFFLINE_ENV, HOME: tmp, SF_DISABLE_LOG_FILE: 'true' },
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 90_000
  });
}

describe(`npx sf${noNetwork ? ' (no network namespace)' : ''}`, () => {
  it('prints the version pinned in package.json', () => {
    const pinned = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
      .devDependencies['@salesforce/cli'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(sf(['--version'])).toContain(`@salesforce/cli/${pinned} `);
  }, 90_000);

  it('converts the scratch-org setup to metadata-API format, as create.sh does before deploying it', () => {
    const out = path.join(tmp, 'setup-mdapi');
    sf(['project', 'convert', 'source', '--root-dir', 'scratch-org-setup', '--output-dir', out]);
    expect(fs.existsSync(path.join(out, 'standardValueSets', 'AccountType.standardValueSet'))).toBe(true);
    const manifest = fs.readFileSync(path.join(out, 'package.xml'), 'utf8');
    expect(manifest).toMatch(/<members>AccountType<\/members>\s*<name>StandardValueSet<\/name>/);
  }, 90_000);

  it('generates the package manifest from force-app, without the scratch-org setup', () => {
    sf(['project', 'generate', 'manifest', '--source-dir', 'force-app', '--output-dir', tmp, '--name', 'package.xml']);
    const manifest = fs.readFileSync(path.join(tmp, 'package.xml'), 'utf8');
    for (const object of ['Coupa_Invoice__c', 'Coupa_Spend_Summary__c', 'Coupa_Onboarding_Request__c']) {
      expect(manifest).toContain(`<members>${object}</members>`);
    }
    expect(manifest).toContain('<members>Coupa_Integration_User</members>');
    expect(manifest).not.toContain('StandardValueSet');
    expect(manifest).toMatch(/<version>\d+\.0<\/version>/);
  }, 90_000);
});
