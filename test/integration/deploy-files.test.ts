/**
 * The deployment files (Containerfile, compose.yaml, Procfile, app.json, .env.example) against the code they deploy:
 * every variable they set is one the connector reads, app.json's variables filled in make a valid live configuration,
 * the image copies everything the middleware imports and runs it as a non-root user with a health check, and the
 * compose file wires the connector to its PostgreSQL. These are static checks: nothing is built or run here.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../middleware/src/config';
import { envSchema } from '../../middleware/src/config/env-schema';
import { buildCli } from '../../middleware/src/cli/main';

const repo = path.resolve(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(repo, f), 'utf8');
const KNOWN = new Set(Object.keys(envSchema.shape));
/** Variables for the platform rather than the connector. */
const PLATFORM = new Set(['PGSSLMODE', 'POSTGRES_PASSWORD', 'NODE_ENV']);

describe('app.json (Heroku)', () => {
  const app = JSON.parse(read('app.json')) as {
    env: Record<string, { value?: string; generator?: string; required?: boolean }>;
    addons: Array<{ plan: string }>;
    formation: Record<string, unknown>;
  };

  it('sets only variables the connector (or the platform) reads', () => {
    const unknown = Object.keys(app.env).filter((k) => !KNOWN.has(k) && !PLATFORM.has(k));
    expect(unknown).toEqual([]);
  });

  it('filled in as Heroku would (generated secrets, placeholders for the required ones, DATABASE_URL from the add-on), is a valid live configuration listening on every interface', () => {
    const env: NodeJS.ProcessEnv = { DATABASE_URL: 'postgres://u:p@db.example.com:5432/d', PORT: '40123' };
    for (const [k, v] of Object.entries(app.env)) {
      if (v.value !== undefined) env[k] = v.value;
      else if (v.generator === 'secret') env[k] = 'a'.repeat(64);
      else if (v.required) env[k] = /URL/.test(k) ? 'https://example.my.salesforce.com' : 'placeholder';
    }
    const config = loadConfig({ env, cwd: repo });
    expect(config).toMatchObject({ mode: 'live', host: '0.0.0.0', port: 40123, databaseUrl: env.DATABASE_URL });
    expect(app.addons.map((a) => a.plan)).toEqual([expect.stringMatching(/^heroku-postgresql:/)]);
  });

  it('its Procfile runs the start command of the CLI', () => {
    const web = /^web:\s*(.+)$/m.exec(read('Procfile'))?.[1];
    expect(web).toBe('node bin/coupa-sf.js start');
    expect(fs.existsSync(path.join(repo, 'bin', 'coupa-sf.js'))).toBe(true);
    expect(buildCli().commands.map((c) => c.name())).toContain('start');
    expect(Object.keys(app.formation)).toEqual(['web']);
  });
});

describe('Containerfile', () => {
  const file = read('Containerfile');
  const instructions = file
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const lastFrom = instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  const runtime = instructions.slice(lastFrom);

  it('is two stages, installing production dependencies only from the lock file', () => {
    expect(instructions.filter((l) => l.startsWith('FROM '))).toHaveLength(2);
    expect(file).toMatch(/npm ci --omit=dev/);
    expect(runtime.join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('runs as a non-root user, with a health check on /healthz and SQLite under the /data volume', () => {
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER\s+(root|0)\b/);
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toMatch(/\/healthz/);
    expect(runtime.join('\n')).toMatch(/SQLITE_PATH=\/data\//);
    expect(runtime.find((l) => l.startsWith('VOLUME '))).toContain('/data');
    expect(runtime.join('\n')).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime.find((l) => l.startsWith('ENTRYPOINT '))).toContain('bin/coupa-sf.js');
  });

  it('copies every source it names, and the middleware imports nothing outside what it copies', () => {
    const copied = runtime
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const src of copied) expect(fs.existsSync(path.join(repo, src))).toBe(true);
    expect(copied).toEqual(expect.arrayContaining(['bin', 'config', 'middleware/src', 'package.json']));

    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const outside = walk(path.join(repo, 'middleware', 'src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) =>
        [...fs.readFileSync(f, 'utf8').matchAll(/from '(\.[^']+)'/g)]
          .map((m) => path.relative(repo, path.resolve(path.dirname(f), m[1])))
          .filter((target) => !target.startsWith(path.join('middleware', 'src')))
          .map((target) => `${path.relative(repo, f)} → ${target}`)
      );
    expect(outside).toEqual([]);
  });

  it('keeps secrets, state and node_modules out of the build context', () => {
    const ignored = read('.containerignore').split('\n');
    for (const p of ['node_modules', 'data', '.env', '*.key', '*.pem']) expect(ignored).toContain(p);
  });
});

describe('compose.yaml and .env.example', () => {
  const compose = YAML.parse(read('compose.yaml')) as {
    services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; env_file?: string; build?: { dockerfile: string } }>;
  };

  it('runs the connector on PostgreSQL, started once the database is healthy', () => {
    const { connector, postgres } = compose.services;
    expect(postgres).toBeDefined();
    expect(connector.build?.dockerfile).toBe('Containerfile');
    expect(connector.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(connector.depends_on?.postgres.condition).toBe('service_healthy');
    expect(connector.env_file).toBe('.env');
    expect(read('compose.yaml')).not.toMatch(/PASSWORD: +[^$\s]/);
  });

  it('.env.example names only variables the connector or compose reads, with no value for any secret', () => {
    const lines = read('.env.example').split('\n').filter((l) => l && !l.startsWith('#'));
    for (const l of lines) {
      const [k, v] = l.split('=');
      expect(KNOWN.has(k) || PLATFORM.has(k)).toBe(true);
      if (/SECRET|PASSWORD|TOKEN|KEY/.test(k)) expect(v).toBe('');
    }
  });
});
