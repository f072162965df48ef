import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import type { StateStore } from '../store';
import type { CredentialRow } from '../store/types';

/** The row that proves which master key (and key version) encrypted the store. Not a credential. */
export const KEY_CHECK_NAME = '__vault_key_check__';
const KEY_CHECK_PLAINTEXT = 'coupa-sf-connector vault key check';
const SCRYPT: ScryptOptions = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const MIN_MASTER_KEY_LENGTH = 16;

export class VaultError extends Error {
  override name = 'VaultError';
}

export interface CredentialInfo {
  name: string;
  keyVersion: number;
  updatedAt: string;
}

export interface VaultOptions {
  /** scrypt cost N (power of two). Lower it only in tests. */
  scryptCost?: number;
}

function scrypt(password: string, salt: Buffer, cost: number | undefined): Promise<Buffer> {
  const opts = cost ? { ...SCRYPT, N: cost } : SCRYPT;
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function checkMasterKey(masterKey: string): void {
  if (typeof masterKey !== 'string' || masterKey.length < MIN_MASTER_KEY_LENGTH) {
    throw new VaultError(`CONNECTOR_MASTER_KEY must be at least ${MIN_MASTER_KEY_LENGTH} characters`);
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(name) || name === KEY_CHECK_NAME) {
    throw new VaultError(`invalid credential name "${name}"`);
  }
}

interface DataKey {
  key: Buffer;
  salt: string;
  version: number;
}

function seal(dk: DataKey, name: string, plaintext: string): Omit<CredentialRow, 'updatedAt'> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dk.key, iv);
  // The name is authenticated data, so a ciphertext copied to another name fails to open.
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    name,
    ciphertext: ciphertext.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    keyVersion: dk.version,
    salt: dk.salt,
  };
}

function open(key: Buffer, row: CredentialRow): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(row.iv, 'base64'));
  decipher.setAAD(Buffer.from(row.name, 'utf8'));
  decipher.setAuthTag(Buffer.from(row.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(row.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

/**
 * Secrets encrypted at rest with AES-256-GCM under a key derived (scrypt) from CONNECTOR_MASTER_KEY.
 * Plaintext leaves only through `get(name)`; nothing here logs, and errors never include values.
 */
export class Vault {
  #dataKey: DataKey;

  private constructor(
    private readonly store: StateStore,
    dataKey: DataKey,
    private readonly opts: VaultOptions,
  ) {
    this.#dataKey = dataKey;
  }

  /** Opens the vault, creating its key check on first use; fails if the master key does not match. */
  static async open(store: StateStore, masterKey: string, opts: VaultOptions = {}): Promise<Vault> {
    checkMasterKey(masterKey);
    const check = await store.getCredential(KEY_CHECK_NAME);
    if (!check) {
      const salt = randomBytes(16);
      const dk: DataKey = { key: await scrypt(masterKey, salt, opts.scryptCost), salt: salt.toString('base64'), version: 1 };
      await store.putCredential(seal(dk, KEY_CHECK_NAME, KEY_CHECK_PLAINTEXT));
      return new Vault(store, dk, opts);
    }
    const salt = check.salt ?? '';
    const key = await scrypt(masterKey, Buffer.from(salt, 'base64'), opts.scryptCost);
    try {
      if (open(key, check) !== KEY_CHECK_PLAINTEXT) throw new Error('mismatch');
    } catch {
      throw new VaultError(
        `CONNECTOR_MASTER_KEY does not match the key (version ${check.keyVersion}) that encrypted the stored credentials`,
      );
    }
    return new Vault(store, { key, salt, version: check.keyVersion }, opts);
  }

  get keyVersion(): number {
    return this.#dataKey.version;
  }

  async set(name: string, secret: string, actor = 'system'): Promise<void> {
    checkName(name);
    if (typeof secret !== 'string' || secret.length === 0) throw new VaultError(`credential "${name}" must be a non-empty string`);
    await this.store.putCredential(seal(this.#dataKey, name, secret));
    await this.store.audit(actor, 'credential.set', { name, keyVersion: this.#dataKey.version });
  }

  /** The plaintext secret, or null when none is stored under `name`. */
  async get(name: string): Promise<string | null> {
    checkName(name);
    const row = await this.store.getCredential(name);
    if (!row) return null;
    if (row.keyVersion !== this.#dataKey.version || row.salt !== this.#dataKey.salt) {
      throw new VaultError(`credential "${name}" is under key version ${row.keyVersion}, vault is at ${this.#dataKey.version}`);
    }
    try {
      return open(this.#dataKey.key, row);
    } catch {
      throw new VaultError(`credential "${name}" could not be decrypted (tampered or wrong key)`);
    }
  }

  async has(name: string): Promise<boolean> {
    checkName(name);
    return (await this.store.getCredential(name)) !== null;
  }

  async delete(name: string, actor = 'system'): Promise<boolean> {
    checkName(name);
    const deleted = await this.store.deleteCredential(name);
    if (deleted) await this.store.audit(actor, 'credential.delete', { name });
    return deleted;
  }

  /** Names and key versions only. */
  async list(): Promise<CredentialInfo[]> {
    return (await this.store.listCredentials())
      .filter((r) => r.name !== KEY_CHECK_NAME)
      .map((r) => ({ name: r.name, keyVersion: r.keyVersion, updatedAt: r.updatedAt }));
  }

  /** Re-encrypts every credential under `newMasterKey` in one transaction; the vault then uses the new key. */
  async rotate(newMasterKey: string, actor = 'system'): Promise<{ keyVersion: number; rotated: number }> {
    checkMasterKey(newMasterKey);
    const salt = randomBytes(16);
    const next: DataKey = { key: await scrypt(newMasterKey, salt, this.opts.scryptCost), salt: salt.toString('base64'), version: this.#dataKey.version + 1 };
    const current = this.#dataKey;
    const rotated = await this.store.transaction(async (tx) => {
      const rows = (await tx.listCredentials()).filter((r) => r.name !== KEY_CHECK_NAME);
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = open(current.key, row);
        } catch {
          throw new VaultError(`credential "${row.name}" could not be decrypted during rotation; nothing was changed`);
        }
        await tx.putCredential(seal(next, row.name, plaintext));
      }
      await tx.putCredential(seal(next, KEY_CHECK_NAME, KEY_CHECK_PLAINTEXT));
      await tx.audit(actor, 'credential.rotate', { fromVersion: current.version, toVersion: next.version, count: rows.length });
      return rows.length;
    });
    this.#dataKey = next;
    return { keyVersion: next.version, rotated };
  }

  toJSON(): Record<string, unknown> {
    return { keyVersion: this.#dataKey.version };
  }
}
