import type { Duplex } from 'node:stream';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import type { SqlDriver } from '../driver';

/** Rewrites `?` placeholders to `$1…$n`. Our SQL never contains a literal `?`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The same statements come back page after page: their rewritten text is kept (bounded). */
const rewritten = new Map<string, string>();
function pgText(sql: string): string {
  let text = rewritten.get(sql);
  if (text === undefined) {
    text = toPgPlaceholders(sql);
    if (rewritten.size >= 500) rewritten.delete(rewritten.keys().next().value!);
    rewritten.set(sql, text);
  }
  return text;
}

/**
 * Statements a transaction issues in one tick (pipelined) leave in one socket write instead of one each: the
 * connection's socket is corked until the next tick.
 */
const corked = new WeakSet<Duplex>();
function corkForTick(client: PoolClient): void {
  const stream = client.connection?.stream;
  if (!stream || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}

const MIGRATION_LOCK_KEY = 827_364_519;

type Queryable = Pick<Pool, 'query'> | PoolClient;

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;

  private constructor(
    private readonly pool: Pool,
    private readonly client: Queryable,
    private readonly inTx: boolean,
  ) {}

  /** `schema`, when given, is created if missing and used as the search path of every connection. */
  static async open(databaseUrl: string, schema?: string): Promise<PostgresDriver> {
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new Error(`invalid PostgreSQL schema name "${schema}"`);
    }
    const pool = new Pool({
      connectionString: databaseUrl,
      max: 5,
      // Each connection writes a statement as soon as it is asked (one Sync each), not after the previous answer:
      // statements a caller issues together cost one round trip. In a transaction they still run in order.
      pipeline: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection emits 'error' on the pool; without a listener that kills the process.
    pool.on('error', () => undefined);
    if (schema) {
      try {
        await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } catch (err) {
        // Two instances creating the schema at once: the loser sees a unique violation.
        if ((err as { code?: string }).code !== '23505') {
          await pool.end();
          throw err;
        }
      }
    }
    return new PostgresDriver(pool, pool, false);
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.send(pgText(sql), params);
    return res.rows as T[];
  }

  async run(sql: string, params: unknown[] = []): Promise<{ changes: number }> {
    const res = await this.send(pgText(sql), params);
    return { changes: res.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.send(sql);
  }

  private send(text: string, params?: unknown[]): Promise<QueryResult> {
    if (this.inTx) corkForTick(this.client as PoolClient);
    return this.client.query(text, params);
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    const client = await this.pool.connect();
    try {
      // BEGIN goes out with the transaction's first statement instead of costing a round trip of its own. It can only
      // fail with the connection (or in a session stuck in a failed transaction), and then so does every statement
      // written behind it; it is awaited before COMMIT either way.
      corkForTick(client);
      const begun = client.query('BEGIN').then(
        () => null,
        (err: unknown) => ({ err }),
      );
      try {
        const result = await fn(new PostgresDriver(this.pool, client, true));
        const failed = await begun;
        if (failed) throw failed.err;
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await begun;
        await client.query('ROLLBACK');
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
