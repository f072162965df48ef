/**
 * Runs a bench script in a Node process of its own and returns the JSON line it prints last: for figures that must
 * not carry this process's heap (its emulators, the families measured before), such as peak RSS and the engine's own
 * throughput. `asConnector`: started as bin/coupa-sf.js starts the connector (its Node options, tsx's CommonJS hook),
 * so a memory figure is the product's as started by default; otherwise through the tsx CLI.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { connectorNodeArgs } = require('../../bin/connector-node') as { connectorNodeArgs: (env?: NodeJS.ProcessEnv) => string[] };

export function runBenchChild<T>(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  opts: { asConnector?: boolean } = {}
): Promise<T> {
  return new Promise((resolve, reject) => {
    const file = path.join(__dirname, script);
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const [cmd, argv] = opts.asConnector ? [process.execPath, [...connectorNodeArgs(env), file, ...args]] : [tsx, [file, ...args]];
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}
