import { inspect } from 'node:util';
import type { SqlStateStore } from '../store';
import { openTestStore } from '../store/test-stores';
import { KEY_CHECK_NAME, Vault as RealVault } from './vault';

const FAST = { scryptCost: 1024 };
const Vault = { open: (s: SqlStateStore, key: string) => RealVault.open(s, key, FAST) };

const MASTER = 'master-key-0123456789-abcdef';
const NEW_MASTER = 'another-master-key-9876543210';
const SECRET = 'sf-client-secret-Zq8vW2xY';

describe('Vault', () => {
  let store: SqlStateStore;
  beforeEach(async () => {
    store = await openTestStore('sqlite');
  });
  afterEach(() => store.close());

  it('encrypts at rest and returns the secret only to get(name)', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('salesforce.client_secret', SECRET);
    const row = await store.getCredential('salesforce.client_secret');
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(Buffer.from(row!.ciphertext, 'base64').toString('utf8')).not.toContain(SECRET);
    expect(await vault.get('salesforce.client_secret')).toBe(SECRET);
    expect(await vault.get('missing')).toBeNull();
    expect(await vault.list()).toEqual([expect.objectContaining({ name: 'salesforce.client_secret', keyVersion: 1 })]);
    expect(JSON.stringify(await vault.list())).not.toContain(SECRET);
    expect(JSON.stringify(await store.listAudit())).not.toContain(SECRET);
    expect(inspect(vault, { depth: 5 }) + JSON.stringify(vault)).not.toContain(SECRET);
  });

  it('uses a fresh IV each time so equal secrets differ at rest', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('a', SECRET);
    await vault.set('b', SECRET);
    const [a, b] = [await store.getCredential('a'), await store.getCredential('b')];
    expect(a!.ciphertext).not.toBe(b!.ciphertext);
    expect(a!.iv).not.toBe(b!.iv);
  });

  it('reopens with the same master key and refuses a different one', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('coupa.client_secret', SECRET);
    expect(await (await Vault.open(store, MASTER)).get('coupa.client_secret')).toBe(SECRET);
    await expect(Vault.open(store, NEW_MASTER)).rejects.toThrow(/CONNECTOR_MASTER_KEY does not match/);
    await expect(Vault.open(store, 'short')).rejects.toThrow(/at least 16/);
  });

  it('detects tampering and ciphertext moved to another name', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('a', SECRET);
    const row = (await store.getCredential('a'))!;
    await store.putCredential({ ...row, name: 'b' });
    await expect(vault.get('b')).rejects.toThrow(/could not be decrypted/);
    const bytes = Buffer.from(row.ciphertext, 'base64');
    bytes[0] ^= 1;
    await store.putCredential({ ...row, ciphertext: bytes.toString('base64') });
    await expect(vault.get('a')).rejects.toThrow(/could not be decrypted/);
  });

  it('rotates every credential to a new master key and version', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('a', 'secret-a');
    await vault.set('b', 'secret-b');
    const before = (await store.getCredential('a'))!.ciphertext;
    expect(await vault.rotate(NEW_MASTER, 'admin')).toEqual({ keyVersion: 2, rotated: 2 });
    expect((await store.getCredential('a'))!.ciphertext).not.toBe(before);
    expect(await vault.get('a')).toBe('secret-a');
    const reopened = await Vault.open(store, NEW_MASTER);
    expect(reopened.keyVersion).toBe(2);
    expect(await reopened.get('b')).toBe('secret-b');
    await expect(Vault.open(store, MASTER)).rejects.toThrow(/does not match the key \(version 2\)/);
    expect((await store.listAudit({ action: 'credential.rotate' }))[0]).toMatchObject({ actor: 'admin', detail: { toVersion: 2, count: 2 } });
  });

  it('leaves everything under the old key when rotation fails midway', async () => {
    const vault = await Vault.open(store, MASTER);
    await vault.set('a', 'secret-a');
    const good = (await store.getCredential('a'))!;
    await store.putCredential({ ...good, name: 'z', tag: Buffer.alloc(16).toString('base64') });
    await expect(vault.rotate(NEW_MASTER)).rejects.toThrow(/"z" could not be decrypted during rotation/);
    expect(vault.keyVersion).toBe(1);
    expect(await (await Vault.open(store, MASTER)).get('a')).toBe('secret-a');
  });

  it('rejects reserved or malformed names and deletes credentials', async () => {
    const vault = await Vault.open(store, MASTER);
    await expect(vault.set(KEY_CHECK_NAME, 'x')).rejects.toThrow(/invalid credential name/);
    await expect(vault.set('has space', 'x')).rejects.toThrow(/invalid credential name/);
    await vault.set('a', 'x');
    expect(await vault.delete('a')).toBe(true);
    expect(await vault.has('a')).toBe(false);
  });
});
