import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

const CENSOR = '[REDACTED]';

/** Keys whose values are secrets wherever they appear in a log object. */
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|client_?secret|token|access_?token|refresh_?token|id_?token|bearer|api_?key|private_?key|privatekey|assertion|master_?key|connector_master_key|admin_token|session_?id|x-sfdc-session|ciphertext)$/i;
const SECRET_KEY_PART = /(secret|password|token|private_?key|authorization|api_?key|master_?key)/i;

/** Well-known paths, handled by pino's fast-redact before the deep scrub below. */
export const REDACT_PATHS = [
  'password',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'privateKey',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.privateKey',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.headers.Authorization',
  'err.config.headers.Authorization',
];

const knownSecrets = new Set<string>();

/** Registers a secret value so that it is masked wherever it appears in log output, even inside messages. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= 6) knownSecrets.add(value);
}

export function clearRegisteredSecrets(): void {
  knownSecrets.clear();
}

function maskString(s: string): string {
  let out = s;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(CENSOR);
  // Bearer tokens and PEM keys that reach a message by accident.
  out = out.replace(/\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=!-]{8,}/g, `$1 ${CENSOR}`);
  out = out.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, CENSOR);
  return out;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || SECRET_KEY_PART.test(key);
}

/** Deep copy of a log object with secret-named keys censored and known secret values masked. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Error) {
    const e: Record<string, unknown> = { type: value.name, message: maskString(value.message) };
    if (value.stack) e.stack = maskString(value.stack);
    for (const [k, v] of Object.entries(value)) e[k] = isSecretKey(k) ? CENSOR : scrub(v, depth + 1, seen);
    return e;
  }
  if (Buffer.isBuffer(value)) return '[buffer]';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number' ? CENSOR : scrub(v, depth + 1, seen);
  }
  return out;
}

export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level?: LevelWithSilent;
  name?: string;
  /** Where to write (defaults to stdout); tests pass a capturing stream. */
  destination?: DestinationStream;
  /**
   * `json` (one object a line), `pretty` (readable lines: time, level, message, fields) or `auto` (default): pretty
   * when the destination is a terminal, JSON otherwise. Secrets are masked before either is written.
   */
  format?: LogFormat;
}

/** A pino-pretty stream writing to `target`, or null when pino-pretty is not installed (JSON is written then). */
function prettyStream(target: DestinationStream): DestinationStream | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ destination: target, sync: true, colorize: (target as { isTTY?: boolean }).isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' });
  } catch {
    return null;
  }
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const target = opts.destination ?? process.stdout;
  const format = opts.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && (target as { isTTY?: boolean }).isTTY === true);
  const destination = (pretty ? prettyStream(target) : null) ?? opts.destination;
  return pino(
    {
      name: opts.name ?? 'coupa-sf',
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: (e: unknown) => scrub(e) },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskString(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

let root: Logger | undefined;

/** The process-wide logger; `configureLogger` replaces it (e.g. after config is loaded). */
export function logger(): Logger {
  root ??= createLogger({ level: (process.env.LOG_LEVEL as LevelWithSilent | undefined) ?? 'info' });
  return root;
}

export function configureLogger(opts: LoggerOptions): Logger {
  root = createLogger(opts);
  return root;
}
