/**
 * `coupa-sf scopes` as an operator runs it (bin/coupa-sf.js in a child process): the scope list for a given
 * connector.yaml, the shipped configuration's list, and a bad file stopping it with the path and the reason.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');
const BIN = path.join(repo, 'bin', 'coupa-sf.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coupa-sf-scopes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** No connection variables, so the command cannot depend on them. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (/^(SALESFORCE_|COUPA_|DATABASE_URL|CONNECTOR_CONFIG)/.test(k)) delete e[k];
  return e;
}

async function scopes(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, 'scopes', ...args], { cwd: repo, env: env(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('coupa-sf scopes', () => {
  it('prints the union of the enabled flows’ scopes for the given connector.yaml', async () => {
    const file = path.join(tmp, 'two-flows.yaml');
    fs.writeFileSync(file, 'flows:\n  invoice-status:\n    enabled: true\n  supplier-onboarding:\n    enabled: true\n  spend-summary:\n    enabled: false\n');
    const res = await scopes(['--config', file]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual([
      'core.common.read',
      'core.invoice.read',
      'core.purchase_order.read',
      'core.requisition.read',
      'core.supplier.read',
      'core.supplier.write'
    ]);
    expect(res.stderr).toContain('for 2 flow(s) (invoice-status, supplier-onboarding)');
  }, 60_000);

  it('for the shipped config/connector.yaml (every flow enabled), the eleven scopes docs/salesforce-setup.md lists', async () => {
    const res = await scopes([]);
    expect(res.code).toBe(0);
    const listed = res.stdout.trim().split('\n');
    expect(listed).toEqual([
      'core.budget.read',
      'core.common.read',
      'core.contract.read',
      'core.contract.write',
      'core.invoice.read',
      'core.purchase_order.read',
      'core.requisition.read',
      'core.requisition.write',
      'core.supplier.read',
      'core.supplier.write',
      'core.user.read'
    ]);
    // The setup guide's copy of the list must not drift from the registry.
    const guide = fs.readFileSync(path.join(repo, 'docs', 'salesforce-setup.md'), 'utf8');
    const block = /<!-- scopes:begin -->\n```\n([\s\S]*?)\n```\n<!-- scopes:end -->/.exec(guide);
    expect(block?.[1].split('\n')).toEqual(listed);
  }, 60_000);

  it('a bad connector.yaml stops it with the file, the path and the reason (exit 2), printing no scope', async () => {
    const file = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(file, 'flows:\n  invoice-stauts:\n    enabled: true\n');
    const res = await scopes(['--config', file]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(file);
    expect(res.stderr).toMatch(/flows.*invoice-stauts/);
  }, 60_000);
});
