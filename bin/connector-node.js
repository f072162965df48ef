// How the connector's Node process is started: by bin/coupa-sf.js, and by the benchmark that measures its memory.
// TypeScript runs through tsx's CommonJS hook (the code is CommonJS): no ESM loader thread, no tsx CLI process in
// between. The old-generation limit is a V8 setting, and below 2 GB it also lowers how far V8 lets garbage grow the
// heap before a full collection (its growing factor: 4× the live heap at 2 GB and above, 1.6× at 1 GB), so the default
// keeps peak memory near the live heap while leaving room far above it; NODE_OPTIONS=--max-old-space-size=N overrides.
const DEFAULT_MAX_OLD_SPACE_MB = 1024;

/** Node options for the connector's process, before the entry script. */
function connectorNodeArgs(env = process.env) {
  const heapSet = /--max-old-space-size[= ]/.test(env.NODE_OPTIONS ?? '');
  return [...(heapSet ? [] : [`--max-old-space-size=${DEFAULT_MAX_OLD_SPACE_MB}`]), '--require', require.resolve('tsx/cjs')];
}

/**
 * Runs `entry` (a TypeScript file) in a Node process started as above and exits with its status. SIGINT, SIGTERM and
 * SIGHUP sent to this launcher (a container's `docker stop`, a platform's shutdown) are passed on, so the connector
 * stops gracefully instead of being orphaned and later killed.
 */
function runConnector(entry, args = []) {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...connectorNodeArgs(), entry, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1)));
}

module.exports = { connectorNodeArgs, runConnector, DEFAULT_MAX_OLD_SPACE_MB };
