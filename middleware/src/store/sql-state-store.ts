import { randomUUID } from 'node:crypto';
import type { SqlDriver } from './driver';
import { migrations as allMigrations, renderMigration, type Migration } from './migrations';
import { QUARANTINE_RELEASED, type LinkSide, type StateStore } from './state-store';
import type {
  Approval,
  ApprovalStatus,
  AuditEntry,
  Checkpoint,
  StreamPosition,
  Conflict,
  ConflictStatus,
  CredentialRow,
  DeadLetter,
  DeadLetterStatus,
  EchoEntry,
  FlowState,
  IdempotencyEntry,
  JournalEntry,
  Link,
  NewApproval,
  NewConflict,
  NewDeadLetter,
  NewJournalEntry,
  NewLink,
  QuarantineEntry,
  Run,
  RunStatus,
  WorkItem,
} from './types';

type Row = Record<string, any>;

const toJson = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const fromJson = (v: unknown): unknown => (v === null || v === undefined ? null : JSON.parse(String(v)));
const num = (v: unknown): number => Number(v);
/** `column = ?` conditions for the defined values, in order. */
function filters(byColumn: Record<string, unknown>): { where: string; params: unknown[] } {
  const defined = Object.entries(byColumn).filter(([, v]) => v !== undefined);
  return { where: defined.map(([c]) => `${c} = ?`).join(' AND '), params: defined.map(([, v]) => v) };
}
const limitOf = (n: number | undefined, dflt = 100): number => Math.max(1, Math.min(Math.floor(n ?? dflt), 10_000));
/** Batched statements keep well under both databases' bind-parameter limits. */
const CHUNK = 500;
function chunked<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
/** `?, ?, …` or `(?, ?), (?, ?), …`; a page asks for the same few shapes again and again, so they are kept. */
const markCache = new Map<string, string>();
function marks(n: number, width = 1): string {
  const key = `${n}x${width}`;
  let text = markCache.get(key);
  if (text === undefined) {
    text = Array.from({ length: n }, () => (width === 1 ? '?' : `(${Array.from({ length: width }, () => '?').join(', ')})`)).join(', ');
    if (markCache.size >= 500) markCache.delete(markCache.keys().next().value!);
    markCache.set(key, text);
  }
  return text;
}
function echoFrom(r: Row): EchoEntry {
  return { flow: r.flow, linkId: num(r.link_id), direction: r.direction, hash: r.hash, payload: fromJson(r.payload), at: r.at };
}

function linkFrom(r: Row): Link {
  return {
    id: num(r.id),
    flow: r.flow,
    sfObject: r.sf_object,
    sfId: r.sf_id,
    coupaResource: r.coupa_resource,
    coupaId: r.coupa_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function runFrom(r: Row): Run {
  return {
    id: r.id,
    flow: r.flow,
    trigger: r.trigger_type,
    startedAt: r.started_at,
    finishedAt: r.finished_at ?? null,
    status: r.status,
    counts: (fromJson(r.counts) as Record<string, number>) ?? {},
    error: r.error ?? null,
  };
}

function journalFrom(r: Row): JournalEntry {
  return {
    id: num(r.id),
    runId: r.run_id ?? null,
    flow: r.flow,
    direction: r.direction,
    recordKey: r.record_key,
    linkId: r.link_id === null || r.link_id === undefined ? null : num(r.link_id),
    action: r.action,
    origin: r.origin ?? null,
    before: fromJson(r.before_json),
    after: fromJson(r.after_json),
    error: r.error ?? null,
    at: r.at,
  };
}

function deadLetterFrom(r: Row): DeadLetter {
  return {
    id: num(r.id),
    flow: r.flow,
    recordKey: r.record_key,
    payload: fromJson(r.payload),
    request: fromJson(r.request),
    response: fromJson(r.response),
    errorClass: r.error_class,
    message: r.message ?? null,
    attempts: num(r.attempts),
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function idempotencyFrom(r: Row): IdempotencyEntry {
  return {
    key: r.idem_key,
    flow: r.flow,
    state: r.state,
    remoteId: r.remote_id ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function conflictFrom(r: Row): Conflict {
  return {
    id: num(r.id),
    flow: r.flow,
    recordKey: r.record_key,
    field: r.field,
    sfValue: fromJson(r.sf_value),
    coupaValue: fromJson(r.coupa_value),
    status: r.status,
    resolution: r.resolution ?? null,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at ?? null,
  };
}

function credentialFrom(r: Row): CredentialRow {
  return {
    name: r.name,
    ciphertext: r.ciphertext,
    iv: r.iv,
    tag: r.tag,
    keyVersion: num(r.key_version),
    salt: r.salt ?? null,
    updatedAt: r.updated_at,
  };
}

function workFrom(r: Row): WorkItem {
  return {
    id: num(r.id),
    flow: r.flow,
    recordKey: r.record_key,
    payload: fromJson(r.payload),
    status: r.status,
    claimedBy: r.claimed_by ?? null,
    leaseUntil: r.lease_until ?? null,
    attempts: num(r.attempts),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface SqlStateStoreOptions {
  /** Clock for timestamps and lease expiry; tests inject one. */
  now?: () => Date;
  /** Called once when the store is closed (e.g. to drop a test schema). */
  onClose?: () => Promise<void>;
}

export class SqlStateStore implements StateStore {
  readonly kind: 'sqlite' | 'postgres';
  private readonly now: () => Date;

  constructor(
    private readonly db: SqlDriver,
    private readonly opts: SqlStateStoreOptions = {},
  ) {
    this.kind = db.dialect;
    this.now = opts.now ?? (() => new Date());
  }

  private ts(): string {
    return this.now().toISOString();
  }

  /**
   * `column IN (…)` over a list: on PostgreSQL `= ANY` of one array parameter (the same statement text for any
   * length, one value to bind instead of hundreds), on SQLite one mark per value.
   */
  private inList(column: string, values: unknown[], pgType: 'text' | 'bigint' = 'text'): { sql: string; params: unknown[] } {
    return this.kind === 'postgres'
      ? { sql: `${column} = ANY(?::${pgType}[])`, params: [values] }
      : { sql: `${column} IN (${marks(values.length)})`, params: values };
  }

  /**
   * Inserts many rows in few statements. SQLite: multi-row VALUES, 200 rows a statement. PostgreSQL: one
   * `INSERT … SELECT FROM jsonb_array_elements(rows)` per 5,000 rows, so the statement text stays the same and the
   * parameters are one JSON text (serialised natively, not escaped value by value into array literals).
   */
  private async insertRows(table: string, columns: Array<[name: string, pgType: string]>, rows: unknown[][], tail = ''): Promise<Row[]> {
    const out: Row[] = [];
    const names = columns.map(([n]) => n).join(', ');
    const exec = async (sql: string, params: unknown[]) => {
      if (/\bRETURNING\b/.test(tail)) out.push(...(await this.db.all<Row>(sql, params)));
      else await this.db.run(sql, params);
    };
    if (this.kind === 'postgres') {
      for (const part of chunked(rows, 5000)) {
        const json = JSON.stringify(part);
        // jsonb refuses the escape JSON gives a lone surrogate, which a text parameter would carry as U+FFFD.
        if (!json.includes('\\ud')) {
          const fields = columns.map(([, t], i) => (t === 'text' ? `r->>${i}` : `(r->>${i})::${t}`)).join(', ');
          await exec(`INSERT INTO ${table} (${names}) SELECT ${fields} FROM jsonb_array_elements(?::jsonb) AS r WHERE true ${tail}`, [json]);
          continue;
        }
        const unnest = columns.map(([, t]) => `?::${t}[]`).join(', ');
        await exec(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) WHERE true ${tail}`, columns.map((_c, i) => part.map((r) => r[i])));
      }
      return out;
    }
    for (const part of chunked(rows, 200)) {
      await exec(`INSERT INTO ${table} (${names}) VALUES ${marks(part.length, columns.length)} ${tail}`, part.flat());
    }
    return out;
  }

  /** Applies pending migrations in version order; returns the versions applied. */
  async migrate(list: Migration[] = allMigrations): Promise<number[]> {
    return this.db.withMigrationLock(async () => {
      await this.db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const done = new Set(
        (await this.db.all<Row>('SELECT version FROM schema_migrations')).map((r) => num(r.version)),
      );
      const applied: number[] = [];
      for (const m of [...list].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await this.db.transaction(async (tx) => {
          await tx.exec(renderMigration(m.sql, tx.dialect));
          await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
            m.version,
            m.name,
            this.ts(),
          ]);
        });
        applied.push(m.version);
      }
      return applied;
    });
  }

  async appliedMigrations(): Promise<number[]> {
    const rows = await this.db.all<Row>('SELECT version FROM schema_migrations ORDER BY version');
    return rows.map((r) => num(r.version));
  }

  transaction<T>(fn: (tx: StateStore) => Promise<T>): Promise<T> {
    return this.db.transaction((txDb) => fn(new SqlStateStore(txDb, { now: this.now })));
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.opts.onClose?.();
  }

  // links

  async findLink(flow: string, side: LinkSide, object: string, id: string): Promise<Link | null> {
    const sql =
      side === 'salesforce'
        ? 'SELECT * FROM links WHERE flow = ? AND sf_object = ? AND sf_id = ?'
        : 'SELECT * FROM links WHERE flow = ? AND coupa_resource = ? AND coupa_id = ?';
    const rows = await this.db.all<Row>(sql, [flow, object, id]);
    return rows[0] ? linkFrom(rows[0]) : null;
  }

  async findLinks(flow: string, side: LinkSide, object: string, ids: string[]): Promise<Link[]> {
    const column = side === 'salesforce' ? 'sf' : 'coupa';
    const objectColumn = side === 'salesforce' ? 'sf_object' : 'coupa_resource';
    const out: Link[] = [];
    for (const part of chunked([...new Set(ids)])) {
      const ids = this.inList(`${column}_id`, part);
      const rows = await this.db.all<Row>(`SELECT * FROM links WHERE flow = ? AND ${objectColumn} = ? AND ${ids.sql}`, [flow, object, ...ids.params]);
      out.push(...rows.map(linkFrom));
    }
    return out;
  }

  async insertLinks(links: NewLink[], opts: { skipConflicts?: boolean } = {}): Promise<Link[]> {
    const now = this.ts();
    const rows = await this.insertRows(
      'links',
      [['flow', 'text'], ['sf_object', 'text'], ['sf_id', 'text'], ['coupa_resource', 'text'], ['coupa_id', 'text'], ['created_at', 'text'], ['updated_at', 'text']],
      links.map((l) => [l.flow, l.sfObject, l.sfId, l.coupaResource, l.coupaId, now, now]),
      `${opts.skipConflicts ? 'ON CONFLICT DO NOTHING ' : ''}RETURNING *`,
    );
    return rows.map(linkFrom);
  }

  async getLink(id: number): Promise<Link | null> {
    const rows = await this.db.all<Row>('SELECT * FROM links WHERE id = ?', [id]);
    return rows[0] ? linkFrom(rows[0]) : null;
  }

  async createLink(link: NewLink): Promise<Link> {
    const existing = await this.findLink(link.flow, 'salesforce', link.sfObject, link.sfId);
    if (existing) {
      if (existing.coupaResource === link.coupaResource && existing.coupaId === link.coupaId) return existing;
      throw new Error(`${link.flow}: ${link.sfObject} ${link.sfId} is already linked to ${existing.coupaResource} ${existing.coupaId}`);
    }
    const other = await this.findLink(link.flow, 'coupa', link.coupaResource, link.coupaId);
    if (other) {
      throw new Error(`${link.flow}: ${link.coupaResource} ${link.coupaId} is already linked to ${other.sfObject} ${other.sfId}`);
    }
    const now = this.ts();
    const rows = await this.db.all<Row>(
      `INSERT INTO links (flow, sf_object, sf_id, coupa_resource, coupa_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [link.flow, link.sfObject, link.sfId, link.coupaResource, link.coupaId, now, now],
    );
    return linkFrom(rows[0]);
  }

  async listLinks(flow: string, opts: { limit?: number; offset?: number } = {}): Promise<Link[]> {
    const rows = await this.db.all<Row>('SELECT * FROM links WHERE flow = ? ORDER BY id LIMIT ? OFFSET ?', [
      flow,
      limitOf(opts.limit, 1000),
      Math.max(0, opts.offset ?? 0),
    ]);
    return rows.map(linkFrom);
  }

  async deleteLink(id: number): Promise<void> {
    await this.db.run('DELETE FROM links WHERE id = ?', [id]);
  }

  // checkpoints

  async getCheckpoint(flow: string): Promise<Checkpoint | null> {
    const rows = await this.db.all<Row>('SELECT * FROM checkpoints WHERE flow = ?', [flow]);
    const r = rows[0];
    if (!r) return null;
    return {
      flow: r.flow,
      cursorTs: r.cursor_ts ?? null,
      cursorId: r.cursor_id ?? null,
      extra: (fromJson(r.extra) as Record<string, unknown>) ?? {},
      updatedAt: r.updated_at,
    };
  }

  async saveCheckpoint(cp: Omit<Checkpoint, 'updatedAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO checkpoints (flow, cursor_ts, cursor_id, extra, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (flow) DO UPDATE SET cursor_ts = excluded.cursor_ts, cursor_id = excluded.cursor_id,
         extra = excluded.extra, updated_at = excluded.updated_at`,
      [cp.flow, cp.cursorTs, cp.cursorId, toJson(cp.extra ?? {}), this.ts()],
    );
  }

  async resetCheckpoint(flow: string): Promise<void> {
    await this.db.run('DELETE FROM checkpoints WHERE flow = ?', [flow]);
  }

  // stream positions

  async getStreamPosition(consumer: string, channel: string): Promise<StreamPosition | null> {
    const rows = await this.db.all<Row>('SELECT * FROM stream_positions WHERE consumer = ? AND channel = ?', [consumer, channel]);
    const r = rows[0];
    return r ? { consumer: r.consumer, channel: r.channel, replayId: r.replay_id, updatedAt: r.updated_at } : null;
  }

  async saveStreamPosition(p: Omit<StreamPosition, 'updatedAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO stream_positions (consumer, channel, replay_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (consumer, channel) DO UPDATE SET replay_id = excluded.replay_id, updated_at = excluded.updated_at`,
      [p.consumer, p.channel, p.replayId, this.ts()],
    );
  }

  async clearStreamPosition(consumer: string, channel: string): Promise<void> {
    await this.db.run('DELETE FROM stream_positions WHERE consumer = ? AND channel = ?', [consumer, channel]);
  }

  // runs

  async startRun(run: { flow: string; trigger: string; id?: string }): Promise<Run> {
    const id = run.id ?? randomUUID();
    const rows = await this.db.all<Row>(
      `INSERT INTO runs (id, flow, trigger_type, started_at, status, counts) VALUES (?, ?, ?, ?, 'running', '{}') RETURNING *`,
      [id, run.flow, run.trigger, this.ts()],
    );
    return runFrom(rows[0]);
  }

  async finishRun(id: string, result: { status: RunStatus; counts: Record<string, number>; error?: string | null }): Promise<void> {
    await this.db.run('UPDATE runs SET status = ?, counts = ?, error = ?, finished_at = ? WHERE id = ?', [
      result.status,
      toJson(result.counts),
      result.error ?? null,
      this.ts(),
      id,
    ]);
  }

  async failRunningRuns(flow: string, error: string, opts: { unlessLeaseHeld?: string } = {}): Promise<number> {
    const now = this.ts();
    const update = `UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE flow = ? AND status = 'running'`;
    const result = opts.unlessLeaseHeld
      ? await this.db.run(`${update} AND NOT EXISTS (SELECT 1 FROM leases WHERE name = ? AND expires_at > ?)`, [
          error,
          now,
          flow,
          opts.unlessLeaseHeld,
          now,
        ])
      : await this.db.run(update, [error, now, flow]);
    return result.changes;
  }

  async getRun(id: string): Promise<Run | null> {
    const rows = await this.db.all<Row>('SELECT * FROM runs WHERE id = ?', [id]);
    return rows[0] ? runFrom(rows[0]) : null;
  }

  async listRuns(opts: { flow?: string; limit?: number } = {}): Promise<Run[]> {
    const rows = opts.flow
      ? await this.db.all<Row>('SELECT * FROM runs WHERE flow = ? ORDER BY started_at DESC, id DESC LIMIT ?', [
          opts.flow,
          limitOf(opts.limit),
        ])
      : await this.db.all<Row>('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?', [limitOf(opts.limit)]);
    return rows.map(runFrom);
  }

  // journal

  async appendJournal(e: NewJournalEntry): Promise<number> {
    const rows = await this.db.all<Row>(
      `INSERT INTO journal (run_id, flow, direction, record_key, link_id, action, origin, before_json, after_json, error, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        e.runId ?? null,
        e.flow,
        e.direction,
        e.recordKey,
        e.linkId ?? null,
        e.action,
        e.origin ?? null,
        toJson(e.before),
        toJson(e.after),
        e.error ?? null,
        e.at ?? this.ts(),
      ],
    );
    return num(rows[0].id);
  }

  async appendJournalMany(entries: NewJournalEntry[]): Promise<void> {
    const now = this.ts();
    await this.insertRows(
      'journal',
      [['run_id', 'text'], ['flow', 'text'], ['direction', 'text'], ['record_key', 'text'], ['link_id', 'bigint'], ['action', 'text'], ['origin', 'text'], ['before_json', 'text'], ['after_json', 'text'], ['error', 'text'], ['at', 'text']],
      entries.map((e) => [e.runId ?? null, e.flow, e.direction, e.recordKey, e.linkId ?? null, e.action, e.origin ?? null, toJson(e.before), toJson(e.after), e.error ?? null, e.at ?? now]),
    );
  }

  async listJournal(opts: { flow?: string; recordKey?: string; runId?: string; linkId?: number; limit?: number }): Promise<JournalEntry[]> {
    const { where, params } = filters({
      flow: opts.flow,
      record_key: opts.recordKey,
      run_id: opts.runId,
      link_id: opts.linkId,
    });
    const sql = `SELECT * FROM journal ${where.length ? `WHERE ${where}` : ''} ORDER BY id LIMIT ?`;
    const rows = await this.db.all<Row>(sql, [...params, limitOf(opts.limit, 1000)]);
    return rows.map(journalFrom);
  }

  async countLinkWrites(linkId: number, since: string, actions: string[]): Promise<number> {
    if (actions.length === 0) return 0;
    const rows = await this.db.all<Row>(
      `SELECT COUNT(*) AS n FROM journal j WHERE j.link_id = ? AND j.at >= ? AND j.action IN (${actions.map(() => '?').join(', ')})
         AND j.at > COALESCE((SELECT MAX(r.at) FROM journal r WHERE r.link_id = j.link_id AND r.action = '${QUARANTINE_RELEASED}'), '')`,
      [linkId, since, ...actions],
    );
    return num(rows[0].n);
  }

  async countLinkWritesMany(linkIds: number[], since: string, actions: string[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (actions.length === 0) return out;
    for (const part of chunked([...new Set(linkIds)])) {
      const ids = this.inList('j.link_id', part, 'bigint');
      const rows = await this.db.all<Row>(
        // Writes before an operator released the link from quarantine no longer count.
        `SELECT j.link_id, COUNT(*) AS n FROM journal j
         WHERE ${ids.sql} AND j.at >= ? AND j.action IN (${marks(actions.length)})
           AND j.at > COALESCE((SELECT MAX(r.at) FROM journal r WHERE r.link_id = j.link_id AND r.action = '${QUARANTINE_RELEASED}'), '')
         GROUP BY j.link_id`,
        [...ids.params, since, ...actions],
      );
      for (const r of rows) out.set(num(r.link_id), num(r.n));
    }
    return out;
  }

  // dead letters

  /**
   * One open dead letter per record and flow: a record that fails again (the next run, a stream event and the
   * safety-net poll) updates the open one with the latest request, answer and reason, adding its attempts.
   */
  async addDeadLetter(dl: NewDeadLetter): Promise<number> {
    const now = this.ts();
    const again = await this.db.all<Row>(
      `UPDATE dead_letters SET payload = ?, request = ?, response = ?, error_class = ?, message = ?, attempts = attempts + ?, updated_at = ?
       WHERE id = (SELECT MIN(id) FROM dead_letters WHERE flow = ? AND record_key = ? AND status = 'open') RETURNING id`,
      [toJson(dl.payload), toJson(dl.request), toJson(dl.response), dl.errorClass, dl.message ?? null, dl.attempts, now, dl.flow, dl.recordKey],
    );
    if (again.length) return num(again[0].id);
    const rows = await this.db.all<Row>(
      `INSERT INTO dead_letters (flow, record_key, payload, request, response, error_class, message, attempts, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`,
      [dl.flow, dl.recordKey, toJson(dl.payload), toJson(dl.request), toJson(dl.response), dl.errorClass, dl.message ?? null, dl.attempts, now, now],
    );
    return num(rows[0].id);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const rows = await this.db.all<Row>('SELECT * FROM dead_letters WHERE id = ?', [id]);
    return rows[0] ? deadLetterFrom(rows[0]) : null;
  }

  async listDeadLetters(opts: { flow?: string; status?: DeadLetterStatus; limit?: number } = {}): Promise<DeadLetter[]> {
    const { where, params } = filters({
      flow: opts.flow,
      status: opts.status,
    });
    const sql = `SELECT * FROM dead_letters ${where.length ? `WHERE ${where}` : ''} ORDER BY id LIMIT ?`;
    const rows = await this.db.all<Row>(sql, [...params, limitOf(opts.limit, 1000)]);
    return rows.map(deadLetterFrom);
  }

  async updateDeadLetter(id: number, patch: { status?: DeadLetterStatus; attempts?: number; message?: string | null }): Promise<void> {
    const current = await this.getDeadLetter(id);
    if (!current) throw new Error(`dead letter ${id} not found`);
    await this.db.run('UPDATE dead_letters SET status = ?, attempts = ?, message = ?, updated_at = ? WHERE id = ?', [
      patch.status ?? current.status,
      patch.attempts ?? current.attempts,
      patch.message === undefined ? current.message : patch.message,
      this.ts(),
      id,
    ]);
  }

  // idempotency ledger

  async getIdempotency(key: string): Promise<IdempotencyEntry | null> {
    const rows = await this.db.all<Row>('SELECT * FROM idempotency WHERE idem_key = ?', [key]);
    return rows[0] ? idempotencyFrom(rows[0]) : null;
  }

  async beginIdempotent(key: string, flow: string): Promise<{ created: boolean; entry: IdempotencyEntry }> {
    const now = this.ts();
    const { changes } = await this.db.run(
      `INSERT INTO idempotency (idem_key, flow, state, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)
       ON CONFLICT (idem_key) DO NOTHING`,
      [key, flow, now, now],
    );
    const entry = await this.getIdempotency(key);
    if (!entry) throw new Error(`idempotency entry ${key} vanished`);
    return { created: changes > 0, entry };
  }

  async getIdempotencies(keys: string[]): Promise<IdempotencyEntry[]> {
    const out: IdempotencyEntry[] = [];
    for (const part of chunked([...new Set(keys)])) {
      const keys = this.inList('idem_key', part);
      const rows = await this.db.all<Row>(`SELECT * FROM idempotency WHERE ${keys.sql}`, keys.params);
      out.push(...rows.map(idempotencyFrom));
    }
    return out;
  }

  async beginIdempotentMany(keys: string[], flow: string): Promise<Map<string, { created: boolean; entry: IdempotencyEntry }>> {
    const unique = [...new Set(keys)];
    const now = this.ts();
    const created = new Set<string>(
      (
        await this.insertRows(
          'idempotency',
          [['idem_key', 'text'], ['flow', 'text'], ['state', 'text'], ['created_at', 'text'], ['updated_at', 'text']],
          unique.map((k) => [k, flow, 'pending', now, now]),
          'ON CONFLICT (idem_key) DO NOTHING RETURNING idem_key',
        )
      ).map((r) => r.idem_key as string),
    );
    const out = new Map<string, { created: boolean; entry: IdempotencyEntry }>();
    for (const k of created) out.set(k, { created: true, entry: { key: k, flow, state: 'pending', remoteId: null, createdAt: now, updatedAt: now } });
    const rest = unique.filter((k) => !created.has(k));
    if (rest.length) for (const entry of await this.getIdempotencies(rest)) out.set(entry.key, { created: false, entry });
    return out;
  }

  async completeIdempotentMany(entries: { key: string; remoteId: string; flow: string }[]): Promise<void> {
    const now = this.ts();
    const latest = new Map(entries.map((e) => [e.key, e]));
    await this.insertRows(
      'idempotency',
      [['idem_key', 'text'], ['flow', 'text'], ['state', 'text'], ['remote_id', 'text'], ['created_at', 'text'], ['updated_at', 'text']],
      [...latest.values()].map((e) => [e.key, e.flow, 'done', e.remoteId, now, now]),
      'ON CONFLICT (idem_key) DO UPDATE SET state = excluded.state, remote_id = excluded.remote_id, updated_at = excluded.updated_at',
    );
  }

  async completeIdempotent(key: string, remoteId: string): Promise<void> {
    const { changes } = await this.db.run(
      "UPDATE idempotency SET state = 'done', remote_id = ?, updated_at = ? WHERE idem_key = ?",
      [remoteId, this.ts(), key],
    );
    if (changes === 0) throw new Error(`idempotency entry ${key} not found`);
  }

  async deleteIdempotency(key: string): Promise<void> {
    await this.db.run('DELETE FROM idempotency WHERE idem_key = ?', [key]);
  }

  // conflicts

  async addConflict(c: NewConflict): Promise<number> {
    const rows = await this.db.all<Row>(
      `INSERT INTO conflicts (flow, record_key, field, sf_value, coupa_value, status, created_at)
       VALUES (?, ?, ?, ?, ?, 'open', ?) RETURNING id`,
      [c.flow, c.recordKey, c.field, toJson(c.sfValue ?? null), toJson(c.coupaValue ?? null), this.ts()],
    );
    return num(rows[0].id);
  }

  async getConflict(id: number): Promise<Conflict | null> {
    const rows = await this.db.all<Row>('SELECT * FROM conflicts WHERE id = ?', [id]);
    return rows[0] ? conflictFrom(rows[0]) : null;
  }

  async listConflicts(opts: { flow?: string; status?: ConflictStatus; recordKey?: string; limit?: number } = {}): Promise<Conflict[]> {
    const { where, params } = filters({
      flow: opts.flow,
      status: opts.status,
      record_key: opts.recordKey,
    });
    const sql = `SELECT * FROM conflicts ${where.length ? `WHERE ${where}` : ''} ORDER BY id LIMIT ?`;
    const rows = await this.db.all<Row>(sql, [...params, limitOf(opts.limit, 1000)]);
    return rows.map(conflictFrom);
  }

  async countOpen(): Promise<{ deadLetters: Map<string, number>; conflicts: Map<string, number>; quarantined: Map<string, number> }> {
    const byFlow = async (sql: string) => new Map((await this.db.all<Row>(sql)).map((r) => [String(r.flow), Number(r.n)]));
    const [deadLetters, conflicts, quarantined] = await Promise.all([
      byFlow("SELECT flow, COUNT(*) AS n FROM dead_letters WHERE status = 'open' GROUP BY flow"),
      byFlow("SELECT flow, COUNT(*) AS n FROM conflicts WHERE status = 'open' GROUP BY flow"),
      byFlow('SELECT flow, COUNT(*) AS n FROM quarantine GROUP BY flow'),
    ]);
    return { deadLetters, conflicts, quarantined };
  }

  async listOpenConflictFields(flow: string): Promise<Array<{ recordKey: string; field: string }>> {
    const rows = await this.db.all<Row>("SELECT record_key, field FROM conflicts WHERE flow = ? AND status = 'open'", [flow]);
    return rows.map((r) => ({ recordKey: String(r.record_key), field: String(r.field) }));
  }

  async resolveConflict(id: number, resolution: string): Promise<void> {
    const { changes } = await this.db.run(
      "UPDATE conflicts SET status = 'resolved', resolution = ?, resolved_at = ? WHERE id = ?",
      [resolution, this.ts(), id],
    );
    if (changes === 0) throw new Error(`conflict ${id} not found`);
  }

  async reopenConflict(id: number): Promise<void> {
    await this.db.run("UPDATE conflicts SET status = 'open', resolution = NULL, resolved_at = NULL WHERE id = ?", [id]);
  }

  // echo ledger

  async getEcho(flow: string, linkId: number, direction: string): Promise<EchoEntry | null> {
    const rows = await this.db.all<Row>('SELECT * FROM echo_ledger WHERE flow = ? AND link_id = ? AND direction = ?', [
      flow,
      linkId,
      direction,
    ]);
    return rows[0] ? echoFrom(rows[0]) : null;
  }

  async listEchoes(flow: string, linkIds: number[]): Promise<EchoEntry[]> {
    const out: EchoEntry[] = [];
    for (const part of chunked([...new Set(linkIds)])) {
      const ids = this.inList('link_id', part, 'bigint');
      const rows = await this.db.all<Row>(`SELECT * FROM echo_ledger WHERE flow = ? AND ${ids.sql}`, [flow, ...ids.params]);
      out.push(...rows.map(echoFrom));
    }
    return out;
  }

  async setEchoes(entries: Omit<EchoEntry, 'at'>[]): Promise<void> {
    const now = this.ts();
    // One row per key: a page never sets the same link and direction twice in one statement (PostgreSQL refuses that).
    const latest = new Map(entries.map((e) => [`${e.flow}\u0000${e.linkId}\u0000${e.direction}`, e]));
    await this.insertRows(
      'echo_ledger',
      [['flow', 'text'], ['link_id', 'bigint'], ['direction', 'text'], ['hash', 'text'], ['payload', 'text'], ['at', 'text']],
      [...latest.values()].map((e) => [e.flow, e.linkId, e.direction, e.hash, toJson(e.payload), now]),
      'ON CONFLICT (flow, link_id, direction) DO UPDATE SET hash = excluded.hash, payload = excluded.payload, at = excluded.at',
    );
  }


  async setEcho(e: Omit<EchoEntry, 'at'>): Promise<void> {
    await this.db.run(
      `INSERT INTO echo_ledger (flow, link_id, direction, hash, payload, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (flow, link_id, direction) DO UPDATE SET hash = excluded.hash, payload = excluded.payload, at = excluded.at`,
      [e.flow, e.linkId, e.direction, e.hash, toJson(e.payload), this.ts()],
    );
  }

  // audit

  async audit(actor: string, action: string, detail?: unknown): Promise<void> {
    await this.db.run('INSERT INTO audit_log (actor, action, detail, at) VALUES (?, ?, ?, ?)', [
      actor,
      action,
      toJson(detail ?? null),
      this.ts(),
    ]);
  }

  async listAudit(opts: { limit?: number; action?: string } = {}): Promise<AuditEntry[]> {
    const rows = opts.action
      ? await this.db.all<Row>('SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?', [opts.action, limitOf(opts.limit)])
      : await this.db.all<Row>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', [limitOf(opts.limit)]);
    return rows.map((r) => ({ id: num(r.id), actor: r.actor, action: r.action, detail: fromJson(r.detail), at: r.at }));
  }

  // agent approvals

  async createApproval(a: NewApproval): Promise<{ created: boolean; approval: Approval }> {
    return this.db.transaction(async (tx) => {
      // Two instances taking the same request at once: the second waits here, then finds the first's approval.
      if (tx.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(hashtext(?))', [a.dedupeKey]);
      const open = await tx.all<Row>(
        `SELECT * FROM agent_approvals WHERE dedupe_key = ? AND status IN ('pending', 'approved', 'succeeded') ORDER BY created_at DESC LIMIT 1`,
        [a.dedupeKey],
      );
      if (open[0]) return { created: false, approval: approvalFrom(open[0]) };
      const now = this.ts();
      const decided = a.status === 'approved';
      await tx.run(
        `INSERT INTO agent_approvals (id, token, tool, args, dedupe_key, status, created_at, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [a.id, a.token, a.tool, JSON.stringify(a.args), a.dedupeKey, a.status, now, decided ? (a.decidedBy ?? null) : null, decided ? now : null],
      );
      const rows = await tx.all<Row>('SELECT * FROM agent_approvals WHERE id = ?', [a.id]);
      return { created: true, approval: approvalFrom(rows[0]) };
    });
  }

  async getApproval(id: string): Promise<Approval | null> {
    const rows = await this.db.all<Row>('SELECT * FROM agent_approvals WHERE id = ?', [id]);
    return rows[0] ? approvalFrom(rows[0]) : null;
  }

  async listApprovals(opts: { status?: ApprovalStatus; token?: string; limit?: number } = {}): Promise<Approval[]> {
    const f = filters({ status: opts.status, token: opts.token });
    const rows = await this.db.all<Row>(
      `SELECT * FROM agent_approvals ${f.where ? `WHERE ${f.where}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...f.params, limitOf(opts.limit)],
    );
    return rows.map(approvalFrom);
  }

  async transitionApproval(
    id: string,
    from: ApprovalStatus,
    patch: { status: ApprovalStatus; decidedBy?: string; reason?: string | null; result?: unknown; error?: string | null },
  ): Promise<boolean> {
    const now = this.ts();
    const deciding = from === 'pending';
    const finishing = patch.status === 'succeeded' || patch.status === 'failed' || patch.status === 'rejected';
    const { changes } = await this.db.run(
      `UPDATE agent_approvals SET status = ?,
         decided_by = CASE WHEN ? = 1 THEN ? ELSE decided_by END, decided_at = CASE WHEN ? = 1 THEN ? ELSE decided_at END,
         reason = COALESCE(?, reason), result = COALESCE(?, result),
         error = CASE WHEN ? = 'succeeded' THEN NULL ELSE COALESCE(?, error) END,
         finished_at = CASE WHEN ? = 1 THEN ? ELSE finished_at END
       WHERE id = ? AND status = ?`,
      [
        patch.status,
        deciding ? 1 : 0,
        patch.decidedBy ?? null,
        deciding ? 1 : 0,
        now,
        patch.reason ?? null,
        patch.result === undefined ? null : JSON.stringify(patch.result),
        patch.status,
        patch.error ?? null,
        finishing ? 1 : 0,
        now,
        id,
        from,
      ],
    );
    return changes > 0;
  }

  async claimApprovalRecovery(id: string, note: string, staleBefore: string): Promise<'claimed' | 'running' | 'interrupted-again' | 'not-approved'> {
    const { changes } = await this.db.run(
      `UPDATE agent_approvals SET error = ?, recovery_started_at = ? WHERE id = ? AND status = 'approved' AND recovery_started_at IS NULL`,
      [note, this.ts(), id],
    );
    if (changes > 0) return 'claimed';
    const [row] = await this.db.all<Row>('SELECT status, recovery_started_at FROM agent_approvals WHERE id = ?', [id]);
    if (row?.status !== 'approved') return 'not-approved';
    return String(row.recovery_started_at) <= staleBefore ? 'interrupted-again' : 'running';
  }

  async takeAgentCall(token: string, perMinute: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const now = this.now().getTime();
    const start = Math.floor(now / 60_000) * 60_000;
    const window = new Date(start).toISOString();
    const previous = new Date(start - 60_000).toISOString();
    const [row] = await this.db.all<Row>(
      `INSERT INTO agent_rate_limits (token, window_start, calls) VALUES (?, ?, 1)
       ON CONFLICT (token, window_start) DO UPDATE SET calls = agent_rate_limits.calls + 1 RETURNING calls`,
      [token, window],
    );
    const calls = num(row.calls);
    if (calls === 1) await this.db.run('DELETE FROM agent_rate_limits WHERE token = ? AND window_start < ?', [token, previous]);
    const prev = await this.db.all<Row>('SELECT calls FROM agent_rate_limits WHERE token = ? AND window_start = ?', [token, previous]);
    const before = prev[0] ? num(prev[0].calls) : 0;
    // Sliding window: the previous minute counts for the part of it still inside the last 60 seconds (whole ms, no rounding).
    const left = 60_000 - (now - start);
    if (before * left + calls * 60_000 <= perMinute * 60_000) return { ok: true };
    await this.db.run('UPDATE agent_rate_limits SET calls = calls - 1 WHERE token = ? AND window_start = ?', [token, window]);
    // When the previous minute's share has shrunk enough for one more call, or at the end of this minute.
    const waitMs = calls > perMinute || before === 0 ? left : left - Math.floor(((perMinute - calls) * 60_000) / before);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  // credentials

  async putCredential(row: Omit<CredentialRow, 'updatedAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO credentials (name, ciphertext, iv, tag, key_version, salt, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, iv = excluded.iv, tag = excluded.tag,
         key_version = excluded.key_version, salt = excluded.salt, updated_at = excluded.updated_at`,
      [row.name, row.ciphertext, row.iv, row.tag, row.keyVersion, row.salt, this.ts()],
    );
  }

  async getCredential(name: string): Promise<CredentialRow | null> {
    const rows = await this.db.all<Row>('SELECT * FROM credentials WHERE name = ?', [name]);
    return rows[0] ? credentialFrom(rows[0]) : null;
  }

  async listCredentials(): Promise<CredentialRow[]> {
    return (await this.db.all<Row>('SELECT * FROM credentials ORDER BY name')).map(credentialFrom);
  }

  async deleteCredential(name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM credentials WHERE name = ?', [name])).changes > 0;
  }

  // flow state

  async getFlowState(flow: string): Promise<FlowState> {
    const rows = await this.db.all<Row>('SELECT * FROM flow_state WHERE flow = ?', [flow]);
    const r = rows[0];
    if (!r) return { flow, paused: false, reason: null, updatedAt: this.ts() };
    return { flow, paused: num(r.paused) === 1, reason: r.reason ?? null, updatedAt: r.updated_at };
  }

  async setFlowPaused(flow: string, paused: boolean, reason: string | null = null): Promise<void> {
    await this.db.run(
      `INSERT INTO flow_state (flow, paused, reason, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (flow) DO UPDATE SET paused = excluded.paused, reason = excluded.reason, updated_at = excluded.updated_at`,
      [flow, paused ? 1 : 0, reason, this.ts()],
    );
  }

  // quarantine

  async quarantine(flow: string, recordKey: string, reason: string): Promise<void> {
    await this.db.run(
      `INSERT INTO quarantine (flow, record_key, reason, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (flow, record_key) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
      [flow, recordKey, reason, this.ts()],
    );
  }

  async isQuarantined(flow: string, recordKey: string): Promise<boolean> {
    const rows = await this.db.all<Row>('SELECT 1 AS q FROM quarantine WHERE flow = ? AND record_key = ?', [flow, recordKey]);
    return rows.length > 0;
  }

  async listQuarantine(flow?: string): Promise<QuarantineEntry[]> {
    const rows = flow
      ? await this.db.all<Row>('SELECT * FROM quarantine WHERE flow = ? ORDER BY at', [flow])
      : await this.db.all<Row>('SELECT * FROM quarantine ORDER BY at');
    return rows.map((r) => ({ flow: r.flow, recordKey: r.record_key, reason: r.reason ?? null, at: r.at }));
  }

  async releaseQuarantine(flow: string, recordKey: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM quarantine WHERE flow = ? AND record_key = ?', [flow, recordKey])).changes > 0;
  }

  // leases

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const until = new Date(now.getTime() + ttlMs).toISOString();
    await this.db.run(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
      [name, holder, until, now.toISOString()],
    );
    const rows = await this.db.all<Row>('SELECT holder, expires_at FROM leases WHERE name = ?', [name]);
    return rows[0]?.holder === holder && rows[0]?.expires_at === until;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }

  // dependents: records waiting for a link to appear

  async addWaiting(rows: { depKey: string; flow: string; sourceId: string }[]): Promise<void> {
    const now = this.ts();
    for (const part of chunked(rows, 200)) {
      await this.db.run(
        `INSERT INTO waiting (dep_key, flow, source_id, at) VALUES ${marks(part.length, 4)} ON CONFLICT (dep_key, flow, source_id) DO NOTHING`,
        part.flatMap((r) => [r.depKey, r.flow, r.sourceId, now]),
      );
    }
  }

  async releaseWaiting(depKeys: string[]): Promise<number> {
    let released = 0;
    const now = this.ts();
    for (const part of chunked([...new Set(depKeys)])) {
      const keys = this.inList('dep_key', part);
      const rows = await this.db.all<Row>(`DELETE FROM waiting WHERE ${keys.sql} RETURNING flow, source_id`, keys.params);
      const unique = [...new Map(rows.map((r) => [`${r.flow}\u0000${r.source_id}`, r])).values()];
      for (const chunk of chunked(unique, 200)) {
        await this.db.run(
          `INSERT INTO work_items (flow, record_key, payload, status, attempts, created_at, updated_at) VALUES ${marks(chunk.length, 7)}`,
          chunk.flatMap((r) => [r.flow, r.source_id, null, 'pending', 0, now, now]),
        );
      }
      released += unique.length;
    }
    return released;
  }

  async countWaiting(flow: string): Promise<number> {
    const rows = await this.db.all<Row>('SELECT COUNT(*) AS n FROM waiting WHERE flow = ?', [flow]);
    return num(rows[0].n);
  }

  // work claiming

  async enqueueWork(flow: string, recordKey: string, payload: unknown): Promise<number> {
    const now = this.ts();
    const rows = await this.db.all<Row>(
      `INSERT INTO work_items (flow, record_key, payload, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', 0, ?, ?) RETURNING id`,
      [flow, recordKey, toJson(payload), now, now],
    );
    return num(rows[0].id);
  }

  async claimWork(flow: string, holder: string, limit: number, ttlMs: number): Promise<WorkItem[]> {
    const now = this.now();
    const until = new Date(now.getTime() + ttlMs).toISOString();
    // SQLite has one writer at a time, so the sub-select and update are already atomic there.
    const lock = this.kind === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.all<Row>(
      `UPDATE work_items SET claimed_by = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
       WHERE id IN (
         SELECT id FROM work_items
         WHERE flow = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY id LIMIT ? ${lock}
       ) RETURNING *`,
      [holder, until, now.toISOString(), flow, now.toISOString(), limitOf(limit)],
    );
    return rows.map(workFrom).sort((a, b) => a.id - b.id);
  }

  async completeWork(id: number, holder: string): Promise<boolean> {
    const { changes } = await this.db.run(
      "UPDATE work_items SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
      [this.ts(), id, holder],
    );
    return changes > 0;
  }
}

function approvalFrom(r: Row): Approval {
  return {
    id: String(r.id),
    token: r.token,
    tool: r.tool,
    args: (fromJson(r.args) ?? {}) as Record<string, unknown>,
    dedupeKey: r.dedupe_key,
    status: r.status,
    createdAt: r.created_at,
    decidedBy: r.decided_by ?? null,
    decidedAt: r.decided_at ?? null,
    reason: r.reason ?? null,
    result: fromJson(r.result),
    error: r.error ?? null,
    finishedAt: r.finished_at ?? null,
  };
}
