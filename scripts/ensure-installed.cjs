// Installs the locked dependencies on first use, so a fresh clone needs only `npm start` or `npm test`.
// Plain Node (no dependency of its own): it runs before node_modules exists.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
// npm writes node_modules/.package-lock.json at the end of every install.
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  process.stderr.write('First run: installing the locked dependencies (npm ci, a few minutes)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
