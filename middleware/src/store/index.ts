import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresDriver } from './postgres/driver';
import { SqliteDriver } from './sqlite/driver';
import { SqlStateStore } from './sql-state-store';
import type { StateStore } from './state-store';

export type { StateStore, LinkSide } from './state-store';
export { QUARANTINE_RELEASED } from './state-store';
export * from './types';
export { SqlStateStore } from './sql-state-store';
export { migrations } from './migrations';

export const DEFAULT_SQLITE_PATH = path.join('data', 'connector.db');

export interface OpenStateStoreOptions {
  /** PostgreSQL connection string; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl?: string;
  /** SQLite file (default `./data/connector.db`); `:memory:` for tests. */
  sqlitePath?: string;
  /** PostgreSQL schema to use (created if missing). */
  pgSchema?: string;
  /** Drop `pgSchema` when the store is closed (tests). */
  dropSchemaOnClose?: boolean;
  now?: () => Date;
}

/** Opens the state store and applies pending migrations. */
export async function openStateStore(opts: OpenStateStoreOptions = {}): Promise<SqlStateStore> {
  let store: SqlStateStore;
  if (opts.databaseUrl) {
    const { databaseUrl, pgSchema } = opts;
    const driver = await PostgresDriver.open(databaseUrl, pgSchema);
    const onClose =
      opts.dropSchemaOnClose && pgSchema ? () => dropPostgresSchema(databaseUrl, pgSchema) : undefined;
    store = new SqlStateStore(driver, { now: opts.now, onClose });
  } else {
    store = new SqlStateStore(SqliteDriver.open(opts.sqlitePath ?? DEFAULT_SQLITE_PATH), { now: opts.now });
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** A fresh schema name so parallel test runs never share tables. */
export function uniqueSchemaName(prefix = 'test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export function isStateStore(x: unknown): x is StateStore {
  return typeof x === 'object' && x !== null && 'saveCheckpoint' in x && 'appendJournal' in x;
}
