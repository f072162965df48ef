/**
 * The sandbox's ports: read from the environment (validated), then held — bound by a placeholder each — before
 * anything is started or deleted, so a busy port stops start-up with the variable that moves it and nothing else
 * happens. Each placeholder is released just before its component binds the port.
 */
import net from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../../middleware/src/config';
import { describeIssues } from '../../middleware/src/config/errors';

const port = (fallback: number) => z.preprocess((v) => (v === undefined || v === '' ? fallback : v), z.coerce.number().int().min(0).max(65_535));

const portsSchema = z.object({
  PORT: port(3000),
  SANDBOX_SALESFORCE_PORT: port(4410),
  SANDBOX_COUPA_PORT: port(4420),
  SANDBOX_PREVIEW_PORT: port(4430),
  SANDBOX_PREVIEW: z.preprocess((v) => (v === undefined || v === '' ? 'true' : v), z.enum(['true', 'false'])),
});

export interface SandboxPorts {
  connector: number;
  salesforce: number;
  coupa: number;
  preview: number;
  previewOn: boolean;
}

export function sandboxPortsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxPorts {
  const parsed = portsSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues('environment', parsed.error.issues));
  const e = parsed.data;
  return { connector: e.PORT, salesforce: e.SANDBOX_SALESFORCE_PORT, coupa: e.SANDBOX_COUPA_PORT, preview: e.SANDBOX_PREVIEW_PORT, previewOn: e.SANDBOX_PREVIEW === 'true' };
}

export interface PortClaim {
  port: number;
  /** The environment variable that moves it. */
  variable: string;
  what: string;
}

export interface HeldPorts {
  /** Frees a held port for its component to bind (no-op for port 0 or one already released). */
  release(port: number): Promise<void>;
  releaseAll(): Promise<void>;
}

function bind(p: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: p, host, exclusive: true }, () => resolve(server));
  });
}

/** Binds every claimed port (0 = any, not held); throws one ConfigError naming every busy one and its variable. */
export async function holdPorts(claims: PortClaim[], host = '127.0.0.1'): Promise<HeldPorts> {
  const held = new Map<number, net.Server>();
  const problems: string[] = [];
  for (const c of claims) {
    if (c.port === 0) continue;
    if (held.has(c.port)) {
      problems.push(`environment: ${c.variable}: port ${c.port} is also claimed by another sandbox component; give each a different port`);
      continue;
    }
    try {
      held.set(c.port, await bind(c.port, host));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'is in use (is a sandbox already running?)' : code === 'EACCES' ? 'needs privileges to bind' : `cannot be bound (${code ?? String(err)})`;
      problems.push(`environment: ${c.variable}: port ${c.port} for the ${c.what} on ${host} ${why}; set ${c.variable} to a free port, e.g. ${c.variable}=${c.port + 1000}`);
    }
  }
  const close = (s: net.Server) => new Promise<void>((resolve) => s.close(() => resolve()));
  if (problems.length) {
    await Promise.all([...held.values()].map(close));
    throw new ConfigError(problems);
  }
  return {
    async release(p) {
      const s = held.get(p);
      held.delete(p);
      if (s) await close(s);
    },
    async releaseAll() {
      const all = [...held.values()];
      held.clear();
      await Promise.all(all.map(close));
    },
  };
}
