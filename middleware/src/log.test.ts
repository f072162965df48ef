import { Writable } from 'node:stream';
import { clearRegisteredSecrets, createLogger, registerSecret } from './log';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const SECRETS = {
  token: 'tok_9f8e7d6c5b4a',
  clientSecret: 'cs_Zx81LmQp42Rt',
  password: 'pw-Hunter2-Hunter2',
  auth: 'Bearer 00Dxx0000001gPL!AQ0AQ',
  key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
  refresh: 'rt_A1B2C3D4E5F6G7',
  master: 'master-key-0123456789-abcdef',
};

describe('logger redaction', () => {
  afterEach(() => clearRegisteredSecrets());

  it('never writes secret values found under secret-named keys at any depth', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    log.info({ token: SECRETS.token, clientSecret: SECRETS.clientSecret }, 'top');
    log.info({ req: { headers: { authorization: SECRETS.auth, accept: 'json' } } }, 'request');
    log.info({ config: { salesforce: { auth: { password: SECRETS.password, privateKey: SECRETS.key } } } }, 'deep');
    log.debug({ body: { data: [{ refresh_token: SECRETS.refresh }] } }, 'array');
    log.info({ env: { CONNECTOR_MASTER_KEY: SECRETS.master, COUPA_CLIENT_SECRET: SECRETS.clientSecret } }, 'env');
    const text = out.text();
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('"accept":"json"');
    expect(text.trim().split('\n')).toHaveLength(5);
  });

  it('masks registered secrets, bearer tokens and PEM keys inside messages and errors', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    registerSecret(SECRETS.clientSecret);
    log.info(`login failed for secret ${SECRETS.clientSecret}`);
    log.warn({ header: `Authorization: ${SECRETS.auth}` }, 'header in a string');
    const err = Object.assign(new Error(`bad key ${SECRETS.key}`), { response: { data: { access_token: SECRETS.token } } });
    log.error({ err }, 'failure');
    const text = out.text();
    for (const value of [SECRETS.clientSecret, SECRETS.auth, SECRETS.key, SECRETS.token]) expect(text).not.toContain(value);
    expect(text).toContain('login failed for secret [REDACTED]');
    expect(text).toContain('bad key [REDACTED]');
  });
});

describe('log format', () => {
  afterEach(() => clearRegisteredSecrets());

  it('writes JSON to a stream that is not a terminal, and readable lines (still masked) when asked', () => {
    registerSecret(SECRETS.clientSecret);
    const json = capture();
    createLogger({ destination: json.stream }).warn({ flow: 'invoice-status', record: 'coupa:invoices:7', reason: `bad ${SECRETS.clientSecret}` }, 'record dead-lettered');
    expect(JSON.parse(json.text())).toMatchObject({ level: 40, flow: 'invoice-status', msg: 'record dead-lettered' });

    const pretty = capture();
    createLogger({ destination: pretty.stream, format: 'pretty' }).warn(
      { flow: 'invoice-status', record: 'coupa:invoices:7', reason: `bad ${SECRETS.clientSecret}` },
      'record dead-lettered',
    );
    const text = pretty.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toMatch(/WARN.*record dead-lettered/);
    expect(text).toContain('record: "coupa:invoices:7"');
    expect(text).not.toContain(SECRETS.clientSecret);
  });
});
