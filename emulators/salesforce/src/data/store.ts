import { Schema } from '../schema/schema';

/** A stored record: canonical field API names → wire values (datetimes as `…+0000` strings, dates `YYYY-MM-DD`). */
export type Rec = Record<string, unknown>;

type UndoEntry = { obj: string; id: string; prev: Rec | undefined };

/**
 * In-memory tables plus indexes on unique and External ID fields, with an undo log so a group of writes
 * can be rolled back (allOrNone, composite).
 */
export class Store {
  private readonly tables = new Map<string, Map<string, Rec>>();
  /** `object.field` → normalised value → ids; only live (non-deleted) records are indexed. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private undo: UndoEntry[] | null = null;

  constructor(private readonly schema: Schema) {}

  clear(): void {
    this.tables.clear();
    this.indexes.clear();
    this.undo = null;
  }

  table(obj: string): Map<string, Rec> {
    const key = obj.toLowerCase();
    let t = this.tables.get(key);
    if (!t) {
      t = new Map();
      this.tables.set(key, t);
    }
    return t;
  }

  get(obj: string, id: string): Rec | undefined {
    return this.tables.get(obj.toLowerCase())?.get(id);
  }

  all(obj: string): Rec[] {
    return [...this.table(obj).values()];
  }

  count(obj: string): number {
    return this.table(obj).size;
  }

  put(obj: string, rec: Rec): void {
    const id = rec.Id as string;
    const t = this.table(obj);
    const prev = t.get(id);
    this.undo?.push({ obj, id, prev });
    if (prev) this.unindex(obj, prev);
    t.set(id, rec);
    this.index(obj, rec);
  }

  /** Physically removes (hard delete / recycle bin purge). */
  purge(obj: string, id: string): void {
    const t = this.table(obj);
    const prev = t.get(id);
    if (!prev) return;
    this.undo?.push({ obj, id, prev });
    this.unindex(obj, prev);
    t.delete(id);
  }

  /** Ids of live records whose indexed field equals value (unique/External ID fields only). */
  lookup(obj: string, field: string, value: unknown): string[] {
    const f = this.schema.field(obj, field);
    if (!f) return [];
    const idx = this.indexes.get(`${obj.toLowerCase()}.${f.name.toLowerCase()}`);
    if (idx) return [...(idx.get(this.key(value, f.caseSensitive)) ?? [])];
    return this.all(obj)
      .filter((r) => !r.IsDeleted && r[f.name] != null && this.key(r[f.name], f.caseSensitive) === this.key(value, f.caseSensitive))
      .map((r) => r.Id as string);
  }

  /** Runs fn; if it throws, every write it made is undone. Nested calls join the outer transaction. */
  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.undo = [];
    try {
      const result = fn();
      this.undo = null;
      return result;
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  /** Starts an explicit transaction (or a savepoint inside an open one); returns commit/rollback. */
  begin(): { commit(): void; rollback(): void } {
    if (this.undo) {
      const log = this.undo;
      const mark = log.length;
      return { commit: () => undefined, rollback: () => this.rollbackTo(log, mark) };
    }
    this.undo = [];
    return {
      commit: () => {
        this.undo = null;
      },
      rollback: () => this.rollback(),
    };
  }

  private rollbackTo(log: UndoEntry[], mark: number): void {
    const tail = log.splice(mark);
    this.apply(tail);
  }

  private rollback(): void {
    const log = this.undo ?? [];
    this.undo = null;
    this.apply(log);
  }

  private apply(log: UndoEntry[]): void {
    for (let i = log.length - 1; i >= 0; i--) {
      const { obj, id, prev } = log[i];
      const t = this.table(obj);
      const cur = t.get(id);
      if (cur) this.unindex(obj, cur);
      if (prev) {
        t.set(id, prev);
        this.index(obj, prev);
      } else t.delete(id);
    }
  }

  private key(v: unknown, caseSensitive: boolean): string {
    const s = String(v);
    return caseSensitive ? s : s.toLowerCase();
  }

  private indexedFields(obj: string): Array<{ name: string; caseSensitive: boolean }> {
    const o = this.schema.object(obj);
    return o ? o.fields.filter((f) => f.externalId || f.unique || f.name === 'Username') : [];
  }

  private index(obj: string, rec: Rec): void {
    if (rec.IsDeleted) return;
    for (const f of this.indexedFields(obj)) {
      const v = rec[f.name];
      if (v == null) continue;
      const ik = `${obj.toLowerCase()}.${f.name.toLowerCase()}`;
      let idx = this.indexes.get(ik);
      if (!idx) {
        idx = new Map();
        this.indexes.set(ik, idx);
      }
      const k = this.key(v, f.caseSensitive);
      let set = idx.get(k);
      if (!set) {
        set = new Set();
        idx.set(k, set);
      }
      set.add(rec.Id as string);
    }
  }

  private unindex(obj: string, rec: Rec): void {
    for (const f of this.indexedFields(obj)) {
      const v = rec[f.name];
      if (v == null) continue;
      this.indexes.get(`${obj.toLowerCase()}.${f.name.toLowerCase()}`)?.get(this.key(v, f.caseSensitive))?.delete(rec.Id as string);
    }
  }
}
