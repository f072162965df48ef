/**
 * The running sandbox's connection settings: emulator URLs and client credentials, the admin token, the state store
 * file. The sandbox writes them (owner-only, 0600; git-ignored) so that `coupa-sf` commands work against it, and
 * removes the file when it stops.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_SANDBOX_SETTINGS_FILE = path.join('data', 'sandbox.json');

const settingsSchema = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  connectorUrl: z.string(),
  adminToken: z.string(),
  /** The sandbox's agent token (MCP): `coupa-sf mcp` uses it when COUPA_SF_MCP_TOKEN is not set. */
  agentToken: z.string().optional(),
  configFile: z.string(),
  sqlitePath: z.string(),
  salesforce: z.object({ loginUrl: z.string(), clientId: z.string(), clientSecret: z.string() }),
  coupa: z.object({ baseUrl: z.string(), clientId: z.string(), clientSecret: z.string() }),
  /** Flow options the sandbox computed from its seeded data (merged under connector.sandbox.yaml's). */
  flowOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type SandboxSettings = z.infer<typeof settingsSchema>;

/** Writes the settings readable by their owner only (created 0600, and narrowed to 0600 if the file existed). */
export function writeSandboxSettings(file: string, settings: SandboxSettings): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, `${JSON.stringify(settings, null, 2)}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Removes the file if it is still this process's (another sandbox may have started since). */
export function removeSandboxSettings(file: string, pid = process.pid): void {
  try {
    const current = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number };
    if (current.pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // already gone or unreadable: nothing to clean up
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type SandboxSettingsLookup =
  | { status: 'running'; settings: SandboxSettings }
  | { status: 'absent' }
  | { status: 'stale' | 'invalid'; reason: string };

/** The settings of a sandbox that is running now; a file left by a sandbox that died is `stale`. */
export function readSandboxSettings(file: string): SandboxSettingsLookup {
  if (!fs.existsSync(file)) return { status: 'absent' };
  let parsed: SandboxSettings;
  try {
    parsed = settingsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    return { status: 'invalid', reason: `${file} is not a sandbox settings file (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  if (!alive(parsed.pid)) return { status: 'stale', reason: `${file} was left by a sandbox (pid ${parsed.pid}) that is no longer running` };
  return { status: 'running', settings: parsed };
}

/** The environment a command needs to act on the sandbox as its connector does. */
export function sandboxEnv(s: SandboxSettings): Record<string, string> {
  return {
    SALESFORCE_LOGIN_URL: s.salesforce.loginUrl,
    SALESFORCE_CLIENT_ID: s.salesforce.clientId,
    SALESFORCE_CLIENT_SECRET: s.salesforce.clientSecret,
    COUPA_BASE_URL: s.coupa.baseUrl,
    COUPA_CLIENT_ID: s.coupa.clientId,
    COUPA_CLIENT_SECRET: s.coupa.clientSecret,
    SQLITE_PATH: s.sqlitePath,
    ADMIN_TOKEN: s.adminToken,
  };
}
