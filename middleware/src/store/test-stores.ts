import { openStateStore, uniqueSchemaName } from './index';
import type { SqlStateStore } from './sql-state-store';

/** PostgreSQL used by tests (trust auth); override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

/** A throwaway store: in-memory SQLite, or a unique PostgreSQL schema dropped on close. */
export function openTestStore(kind: StoreKind, opts: { now?: () => Date; sqlitePath?: string } = {}): Promise<SqlStateStore> {
  if (kind === 'sqlite') return openStateStore({ sqlitePath: opts.sqlitePath ?? ':memory:', now: opts.now });
  return openStateStore({
    databaseUrl: TEST_DATABASE_URL,
    pgSchema: uniqueSchemaName('cs_test'),
    dropSchemaOnClose: true,
    now: opts.now,
  });
}
