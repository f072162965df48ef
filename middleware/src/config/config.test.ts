import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, resolveSecrets } from './index';

const LIVE_ENV = {
  SALESFORCE_LOGIN_URL: 'https://login.example.com/',
  SALESFORCE_CLIENT_ID: 'sf-id',
  SALESFORCE_CLIENT_SECRET: 'sf-secret-value-123',
  COUPA_BASE_URL: 'https://acme.coupahost.com',
  COUPA_CLIENT_ID: 'coupa-id',
  COUPA_CLIENT_SECRET: 'coupa-secret-value-456',
};

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-config-'));
    fs.writeFileSync(path.join(dir, 'connector.yaml'), '');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (yaml: string) => fs.writeFileSync(path.join(dir, 'connector.yaml'), yaml);
  const load = (env: Record<string, string> = {}) => loadConfig({ env, cwd: dir, configFile: 'connector.yaml' });
  const problemsOf = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('runs as a sandbox with defaults when nothing is configured', () => {
    fs.rmSync(path.join(dir, 'connector.yaml'));
    const cfg = loadConfig({ env: {}, cwd: dir });
    expect(cfg.mode).toBe('sandbox');
    expect(cfg.configFile).toBeNull();
    expect(cfg.port).toBe(3000);
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.flows['invoice-status']).toEqual({ enabled: false, overlapSeconds: 60, options: {} });
    expect(cfg.limits.coupa.rateLimit).toEqual({ requestsPerSecond: 25, burst: 20 });
    expect(cfg.engine.pingPong.maxWrites).toBe(6);
  });

  it('reads connections from the environment and flows from connector.yaml', () => {
    write(`flows:\n  invoice-status:\n    enabled: true\n    schedule: "*/5 * * * *"\n    batchSize: 100\ncoupa:\n  rateLimit:\n    requestsPerSecond: 10\n`);
    const cfg = load({ ...LIVE_ENV, PORT: '8080', LOG_LEVEL: 'debug' });
    expect(cfg.mode).toBe('live');
    expect(cfg.salesforce).toEqual({
      loginUrl: 'https://login.example.com',
      auth: { kind: 'client-credentials', clientId: 'sf-id', clientSecret: 'sf-secret-value-123' },
      pubsubUrl: 'https://api.pubsub.salesforce.com:7443',
    });
    expect(cfg.streaming).toMatchObject({ enabled: false, transport: 'pubsub', safetyNetSchedule: '*/15 * * * *' });
    expect(cfg.coupa?.baseUrl).toBe('https://acme.coupahost.com');
    expect(cfg.flows['invoice-status']).toMatchObject({ enabled: true, schedule: '*/5 * * * *', batchSize: 100 });
    expect(cfg.limits.coupa.rateLimit).toEqual({ requestsPerSecond: 10, burst: 20 });
    expect(cfg.port).toBe(8080);
    expect(cfg.logLevel).toBe('debug');
  });

  it('listens on loopback unless HOST says otherwise, and refuses a HOST that is no address', () => {
    expect(load(LIVE_ENV).host).toBe('127.0.0.1');
    expect(load({ ...LIVE_ENV, HOST: '' }).host).toBe('127.0.0.1');
    expect(load({ ...LIVE_ENV, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(load({ ...LIVE_ENV, HOST: '::' }).host).toBe('::');
    expect(load({ ...LIVE_ENV, HOST: 'connector.internal' }).host).toBe('connector.internal');
    expect(() => load({ ...LIVE_ENV, HOST: 'http://0.0.0.0:80' })).toThrow(/environment: HOST: must be an IP address or a host name/);
  });

  it('names file, path and reason for a bad cron expression, a typo and a wrong type', () => {
    write(`flows:\n  invoice-status:\n    schedule: "*/5 * * *"\n  invoice-stauts:\n    enabled: true\n  spend-summary:\n    batchSize: "lots"\n`);
    const problems = problemsOf(() => load());
    expect(problems).toEqual(
      expect.arrayContaining([
        'connector.yaml: flows.invoice-status.schedule: invalid cron expression "*/5 * * *" (expected 5 or 6 fields)',
        'connector.yaml: flows.invoice-stauts: unknown key',
        expect.stringMatching(/^connector\.yaml: flows\.spend-summary\.batchSize: .*number/),
      ]),
    );
    write(`flows:\n  invoice-status:\n    schedule: "61 * * * *"\n`);
    expect(problemsOf(() => load())).toEqual(['connector.yaml: flows.invoice-status.schedule: invalid cron expression "61 * * * *"']);
  });

  it('reports YAML syntax errors and a missing explicit file', () => {
    write('flows: [unclosed\n');
    expect(problemsOf(() => load())[0]).toMatch(/^connector\.yaml: /);
    expect(problemsOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'nope.yaml' }))).toContain('nope.yaml: file not found');
  });

  it('names each missing or malformed environment variable without echoing secrets', () => {
    const err = (() => {
      try {
        load({ SALESFORCE_CLIENT_SECRET: 'sf-secret-value-123', COUPA_BASE_URL: 'not a url', PORT: 'eighty' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected failure');
    })();
    expect(err.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^environment: COUPA_BASE_URL: must be an http\(s\) URL/), expect.stringMatching(/^environment: PORT: /)]),
    );
    expect(err.message).not.toContain('sf-secret-value-123');
    const missing = problemsOf(() => load({ SALESFORCE_CLIENT_SECRET: 'sf-secret-value-123' }));
    expect(missing).toEqual(
      expect.arrayContaining([
        'environment: SALESFORCE_LOGIN_URL: required when any SALESFORCE_* variable is set',
        'environment: SALESFORCE_CLIENT_ID: required for both the client-credentials and the JWT bearer flow',
      ]),
    );
  });

  it('requires both systems or neither', () => {
    const { COUPA_BASE_URL: _a, COUPA_CLIENT_ID: _b, COUPA_CLIENT_SECRET: _c, ...sfOnly } = LIVE_ENV;
    expect(problemsOf(() => load(sfOnly))).toEqual([expect.stringMatching(/^environment: COUPA_BASE_URL: required when Salesforce is configured/)]);
  });

  it('selects the JWT bearer flow and checks the key file exists', () => {
    const jwtEnv = { ...LIVE_ENV, SALESFORCE_CLIENT_SECRET: '', SALESFORCE_USERNAME: 'int@example.com', SALESFORCE_PRIVATE_KEY_FILE: 'server.key' };
    expect(problemsOf(() => load(jwtEnv))).toEqual(['environment: SALESFORCE_PRIVATE_KEY_FILE: file not found: server.key']);
    fs.writeFileSync(path.join(dir, 'server.key'), 'x');
    expect(load(jwtEnv).salesforce?.auth).toEqual({
      kind: 'jwt',
      clientId: 'sf-id',
      username: 'int@example.com',
      privateKeyFile: path.join(dir, 'server.key'),
    });
  });

  it('takes secrets from the credential store when the environment lacks them', async () => {
    const env = { ...LIVE_ENV, SALESFORCE_CLIENT_SECRET: '', COUPA_CLIENT_SECRET: '', CONNECTOR_MASTER_KEY: 'master-key-0123456789' };
    const cfg = load(env);
    const vault = { get: async (name: string) => (name === 'coupa.client_secret' ? 'from-vault-789' : null) };
    await expect(resolveSecrets(cfg, vault)).rejects.toThrow(
      /credentials: salesforce\.client_secret: missing \(set SALESFORCE_CLIENT_SECRET or run `coupa-sf credentials set salesforce\.client_secret`\)/,
    );
    const full = await resolveSecrets(cfg, { get: async (n: string) => `v:${n}` });
    expect(full.coupa?.clientSecret).toBe('v:coupa.client_secret');
    expect(full.salesforce?.auth).toMatchObject({ clientSecret: 'v:salesforce.client_secret' });
    expect(problemsOf(() => load({ ...env, CONNECTOR_MASTER_KEY: '' }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^environment: COUPA_CLIENT_SECRET: required unless/)]),
    );
  });
});

describe('connector.example.yaml', () => {
  it('is a valid configuration', () => {
    const cfg = loadConfig({ env: {}, configFile: path.join(__dirname, 'connector.example.yaml') });
    expect(cfg.flows['spend-summary']).toMatchObject({ enabled: true, schedule: '0 2 * * *' });
    expect(cfg.flows['invoice-status'].overlapSeconds).toBe(120);
    expect(cfg.streaming).toMatchObject({ enabled: true, transport: 'pubsub', safetyNetSchedule: '*/15 * * * *' });
  });
});
