import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Connection } from 'jsforce';

describe('emulator:salesforce command line', () => {
  it('prints the URL it listens on and serves jsforce with the given client credentials', async () => {
    const root = resolve(__dirname, '../../..');
    const child = spawn(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'emulators/salesforce/src/cli.ts', '--port', '0', '--client-id', 'cli-id', '--client-secret', 'cli-secret', '--metadata', 'test/conformance/salesforce/fixtures/mdapi'], { cwd: root });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) ok(m[1]);
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}`)));
      });
      const conn = new Connection({ oauth2: { clientId: 'cli-id', clientSecret: 'cli-secret', loginUrl: url }, version: '62.0' });
      await conn.authorize({ grant_type: 'client_credentials' });
      const d = await conn.sobject('Legacy_Record__c').describe();
      expect(d.name).toBe('Legacy_Record__c');
      expect((await conn.sobject('Coupa_Invoice__c').describe()).custom).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);

  it('exits with a usage message when credentials are missing', async () => {
    const root = resolve(__dirname, '../../..');
    const child = spawn(process.execPath, [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'emulators/salesforce/src/cli.ts', '--port', '0'], { cwd: root });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    expect(code).toBe(2);
    expect(err).toContain('--client-id and --client-secret are required');
  }, 30_000);
});
