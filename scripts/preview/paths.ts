/** Where the preview's sources and bundle live, and whether the bundle needs building (no rollup here). */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const LWC_DIR = path.join(ROOT, 'force-app/main/default/lwc');
export const OUT_DIR = path.join(__dirname, '.preview-build');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '__tests__' && e.name !== '.preview-build') newest = Math.max(newest, newestMtime(p));
    } else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or older than a component or a platform module. */
export function isStale(): boolean {
  const out = path.join(OUT_DIR, 'preview.js');
  if (!fs.existsSync(out)) return true;
  const built = fs.statSync(out).mtimeMs;
  const labels = path.join(LWC_DIR, '..', 'labels');
  return (
    newestMtime(LWC_DIR) > built ||
    newestMtime(path.join(__dirname, 'client')) > built ||
    (fs.existsSync(labels) && newestMtime(labels) > built) ||
    fs.statSync(path.join(__dirname, 'build.ts')).mtimeMs > built
  );
}
