import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver } from '../driver';

type Db = InstanceType<typeof Database>;

/**
 * better-sqlite3 is synchronous, so a single statement can never interleave with another.
 * A transaction whose body awaits can, so while one is open every other caller waits for it.
 */
class Gate {
  busy = false;
  private idle: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  async enter(): Promise<void> {
    while (this.busy) await this.idle;
    this.busy = true;
    this.idle = new Promise((resolve) => (this.release = resolve));
  }

  leave(): void {
    this.busy = false;
    this.release();
  }

  async wait(): Promise<void> {
    while (this.busy) await this.idle;
  }
}

/**
 * better-sqlite3's SqliteError is created by a native module that outlives jest's per-file realms, so
 * callers could not rely on `instanceof Error`. Re-raise it as a plain Error carrying the SQLite code.
 */
export class SqliteStoreError extends Error {
  override name = 'SqliteStoreError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

function rethrow(err: unknown): never {
  const e = err as { message?: string; code?: string };
  throw new SqliteStoreError(String(e?.message ?? err), e?.code);
}

function bind(params: unknown[] = []): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
}

/**
 * The database holds dead letters (full request and response payloads), so only its owner may read it: the file is
 * created 0600 before SQLite opens it, and an existing one (with its -wal and -shm) is narrowed to 0600. SQLite
 * gives the -wal and -shm files it creates the database file's mode.
 */
function restrictToOwner(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o777) !== 0o600) fs.chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;

  private constructor(
    private readonly db: Db,
    private readonly gate: Gate,
    private readonly inTx: boolean,
    /** Prepared statements by SQL text, shared by the transaction drivers of one database (bounded). */
    private readonly statements: Map<string, Database.Statement<unknown[]>> = new Map(),
  ) {}

  private prepare(sql: string): Database.Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(sql);
      if (this.statements.size >= 500) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  static open(file: string): SqliteDriver {
    if (file !== ':memory:') {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      restrictToOwner(file);
    }
    const db = new Database(file);
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -32000'); // 32 MB page cache: a page's batched statements touch several indexes
    db.pragma('temp_store = memory');
    return new SqliteDriver(db, new Gate(), false);
  }

  private async ready(): Promise<void> {
    if (!this.inTx) await this.gate.wait();
  }

  async all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    await this.ready();
    try {
      return this.prepare(sql).all(...bind(params)) as T[];
    } catch (err) {
      rethrow(err);
    }
  }

  async run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    await this.ready();
    try {
      const stmt = this.prepare(sql);
      if (!stmt.reader) return { changes: stmt.run(...bind(params)).changes };
      stmt.all(...bind(params));
      return { changes: 0 };
    } catch (err) {
      rethrow(err);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.ready();
    try {
      this.db.exec(sql);
    } catch (err) {
      rethrow(err);
    }
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    await this.gate.enter();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const tx = new SqliteDriver(this.db, this.gate, true, this.statements);
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.gate.leave();
    }
  }

  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    // One process owns the file; better-sqlite3's busy_timeout covers the rest.
    return fn();
  }

  async close(): Promise<void> {
    await this.gate.wait();
    if (this.db.open) this.db.close();
  }
}
