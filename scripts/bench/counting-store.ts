/**
 * A state store whose SQL driver counts what it is asked to run: every statement (`all`, `run`, `exec`) and every
 * transaction (BEGIN … COMMIT, counted once as a round trip of its own). The store above it is the real
 * SqlStateStore with its real migrations, so the counts are the SQL statements the engine and flows cause.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDriver } from '../../middleware/src/store/driver';
import { PostgresDriver } from '../../middleware/src/store/postgres/driver';
import { SqliteDriver } from '../../middleware/src/store/sqlite/driver';
import { SqlStateStore, dropPostgresSchema } from '../../middleware/src/store';

export interface StatementCounts {
  /** SQL statements sent to the database (reads and writes; migrations excluded once reset). */
  statements: number;
  /** Transactions opened (each adds BEGIN and COMMIT round trips on PostgreSQL). */
  transactions: number;
}

export class CountingDriver implements SqlDriver {
  readonly dialect: SqlDriver['dialect'];

  constructor(
    private readonly inner: SqlDriver,
    readonly counts: StatementCounts = { statements: 0, transactions: 0 }
  ) {
    this.dialect = inner.dialect;
  }

  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    this.counts.statements++;
    return this.inner.all<T>(sql, params);
  }

  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    this.counts.statements++;
    return this.inner.run(sql, params);
  }

  exec(sql: string): Promise<void> {
    this.counts.statements++;
    return this.inner.exec(sql);
  }

  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    this.counts.transactions++;
    // Statements inside the transaction are counted by the same tally; a nested call joins the outer one.
    return this.inner.transaction((tx) => fn(tx === this.inner ? this : new CountingDriver(tx, this.counts)));
  }

  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.inner.withMigrationLock(fn);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface CountingStore {
  store: SqlStateStore;
  counts: StatementCounts;
  /** Statement and transaction counts since the last reset. */
  reset(): void;
  snapshot(): StatementCounts;
}

/** Opens a migrated state store (SQLite file or `:memory:`, or PostgreSQL in a fresh schema) that counts its SQL. */
export async function openCountingStore(
  opts: { sqlitePath: string } | { databaseUrl: string; pgSchema: string }
): Promise<CountingStore> {
  let driver: CountingDriver;
  let onClose: (() => Promise<void>) | undefined;
  if ('databaseUrl' in opts) {
    driver = new CountingDriver(await PostgresDriver.open(opts.databaseUrl, opts.pgSchema));
    onClose = () => dropPostgresSchema(opts.databaseUrl, opts.pgSchema);
  } else {
    if (opts.sqlitePath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(opts.sqlitePath)), { recursive: true });
    driver = new CountingDriver(SqliteDriver.open(opts.sqlitePath));
  }
  const store = new SqlStateStore(driver, { onClose });
  await store.migrate();
  const counts = driver.counts;
  const result: CountingStore = {
    store,
    counts,
    reset() {
      counts.statements = 0;
      counts.transactions = 0;
    },
    snapshot: () => ({ ...counts })
  };
  result.reset();
  return result;
}
