import { isIP } from 'node:net';
import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const envSchema = z.object({
  SALESFORCE_LOGIN_URL: opt(httpUrl),
  SALESFORCE_CLIENT_ID: opt(z.string()),
  SALESFORCE_CLIENT_SECRET: opt(z.string()),
  SALESFORCE_USERNAME: opt(z.string()),
  SALESFORCE_PRIVATE_KEY_FILE: opt(z.string()),
  /** Pub/Sub API endpoint for change events; `http://` means plaintext gRPC (the emulator). */
  SALESFORCE_PUBSUB_URL: opt(httpUrl),
  COUPA_BASE_URL: opt(httpUrl),
  COUPA_CLIENT_ID: opt(z.string()),
  COUPA_CLIENT_SECRET: opt(z.string()),
  DATABASE_URL: opt(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')),
  PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).default(3000)),
  /** Address the admin API listens on: loopback unless an operator opens it up (0.0.0.0 for every interface). */
  HOST: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine((v) => isIP(v) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v), 'must be an IP address or a host name')
      .default('127.0.0.1'),
  ),
  CONNECTOR_MASTER_KEY: opt(z.string().min(16, 'must be at least 16 characters')),
  ADMIN_TOKEN: opt(z.string().min(16, 'must be at least 16 characters')),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** `auto` (default): readable lines on a terminal, JSON otherwise; `json` or `pretty` force one. */
  LOG_FORMAT: z.preprocess(blankToUndefined, z.enum(['auto', 'json', 'pretty']).default('auto')),
  SQLITE_PATH: opt(z.string()),
  /** Where the sandbox writes its connection settings and the CLI looks for them (default data/sandbox.json). */
  SANDBOX_SETTINGS_FILE: opt(z.string()),
});
export type EnvConfig = z.infer<typeof envSchema>;
