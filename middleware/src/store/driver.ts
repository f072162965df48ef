import type { Dialect } from './migrations';

/** The few operations the shared SQL store needs from a database. SQL uses `?` placeholders. */
export interface SqlDriver {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one database transaction; nested calls join the outer transaction. */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /** Serialises schema migration between processes sharing the database. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
