/** A stored Coupa record: dash-case keys; associations hold the target id; datetimes are epoch ms. */
export type Rec = { id: number; [key: string]: any };

/**
 * Bumped by every write to any collection. Generated rows may be derived from other collections' rows (a PO's
 * updated-at from its requisition's), so an ordering cached by one collection is only trusted while nothing changed.
 */
let storeVersion = 0;

/** Ids in (value of one field, id) ascending order, as of one store version. */
export interface Ordering {
  version: number;
  ids: number[];
  /** True when every non-null value is a number (epoch-ms datetimes, ids, amounts): ranges on it are monotone. */
  numeric: boolean;
}

/**
 * One resource's rows. Seeded rows can be virtual: produced on demand by a deterministic generator, so a
 * million-record seed costs no memory until a row is written (then it lives in the overlay).
 */
export class Collection {
  private rows = new Map<number, Rec>();
  private deleted = new Set<number>();
  private virtualCount = 0;
  private generator: ((id: number) => Rec) | undefined;
  private nextId = 1;
  /** A read-only view over other collections (e.g. PO lines inside POs); survives clear(). */
  private view: { get(id: number): Rec | undefined; scan(): Iterable<Rec> } | undefined;

  setView(view: { get(id: number): Rec | undefined; scan(): Iterable<Rec> }): void {
    this.view = view;
  }

  private orderings = new Map<string, Ordering>();

  /**
   * Every row's id ordered by (`field`, id) under `compare`, built by one scan and kept until the store changes.
   * Lets an ordered page stop after offset + limit matches instead of generating and sorting every row per page.
   * Undefined for view collections, whose rows live elsewhere.
   */
  ordered(field: string, compare: (a: unknown, b: unknown) => number): Ordering | undefined {
    if (this.view) return undefined;
    const cached = this.orderings.get(field);
    if (cached && cached.version === storeVersion) return cached;
    const version = storeVersion;
    const pairs: Array<[unknown, number]> = [];
    let numeric = true;
    for (const r of this.scan()) {
      const v = r[field];
      if (v !== null && v !== undefined && typeof v !== 'number') numeric = false;
      pairs.push([v, r.id]);
    }
    pairs.sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]);
    const ordering = { version, ids: pairs.map((p) => p[1]), numeric };
    this.orderings.set(field, ordering);
    return ordering;
  }

  /**
   * Lazily built value → ids indexes (natural keys, unique fields), maintained on every put/delete. Keyed by field,
   * or by field + "\0ci" for a case-folded index (keys lower-cased, for case-insensitive query filters).
   */
  private indexes = new Map<string, { field: string; fold: boolean; map: Map<string, Set<number>> }>();

  constructor(
    readonly name: string,
    private readonly onChange: () => void = () => {},
  ) {}

  /**
   * Rows whose `field` equals `value` (compared as strings, or case-insensitively with `fold`), via an index built on
   * first use.
   */
  lookup(field: string, value: unknown, fold = false): Rec[] {
    const name = fold ? `${field}\0ci` : field;
    let idx = this.indexes.get(name);
    if (!idx) {
      idx = { field, fold, map: new Map() };
      for (const r of this.scan()) indexAdd(idx, r[field], r.id);
      this.indexes.set(name, idx);
    }
    const key = indexKey(idx.fold, value);
    const ids = idx.map.get(key);
    if (!ids) return [];
    const out: Rec[] = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const r = this.get(id);
      if (r && r[field] !== null && r[field] !== undefined && indexKey(fold, r[field]) === key) out.push(r);
    }
    return out;
  }

  get(id: number): Rec | undefined {
    if (!Number.isInteger(id) || id < 1 || this.deleted.has(id)) return undefined;
    if (this.view) return this.view.get(id);
    const row = this.rows.get(id);
    if (row) return row;
    if (this.generator && id <= this.virtualCount) return this.generator(id);
    return undefined;
  }

  /** Stores (or replaces) a row; every write path ends here. */
  put(rec: Rec): Rec {
    storeVersion++;
    if (this.indexes.size) {
      const old = this.get(rec.id);
      for (const idx of this.indexes.values()) {
        if (old) idx.map.get(indexKey(idx.fold, old[idx.field]))?.delete(rec.id);
        indexAdd(idx, rec[idx.field], rec.id);
      }
    }
    this.rows.set(rec.id, rec);
    this.onChange();
    this.deleted.delete(rec.id);
    if (rec.id >= this.nextId) this.nextId = rec.id + 1;
    return rec;
  }

  newId(): number {
    return this.nextId++;
  }

  delete(id: number): boolean {
    const old = this.get(id);
    if (!old) return false;
    storeVersion++;
    for (const idx of this.indexes.values()) idx.map.get(indexKey(idx.fold, old[idx.field]))?.delete(id);
    this.rows.delete(id);
    this.deleted.add(id);
    this.onChange();
    return true;
  }

  /** Rows in ascending id order, generated lazily. */
  *scan(): Generator<Rec> {
    if (this.view) {
      yield* this.view.scan();
      return;
    }
    const max = this.nextId - 1;
    for (let id = 1; id <= max; id++) {
      const rec = this.get(id);
      if (rec) yield rec;
    }
  }

  get size(): number {
    let n = 0;
    for (const _ of this.scan()) n++;
    return n;
  }

  setVirtual(count: number, generator: (id: number) => Rec): void {
    storeVersion++;
    this.virtualCount = count;
    this.generator = generator;
    this.indexes.clear();
    this.onChange();
    if (count >= this.nextId) this.nextId = count + 1;
  }

  clear(): void {
    storeVersion++;
    this.orderings.clear();
    this.rows.clear();
    this.deleted.clear();
    this.indexes.clear();
    this.virtualCount = 0;
    this.generator = undefined;
    this.nextId = 1;
  }
}

function indexKey(fold: boolean, value: unknown): string {
  return fold ? String(value).toLowerCase() : String(value);
}

function indexAdd(idx: { fold: boolean; map: Map<string, Set<number>> }, value: unknown, id: number): void {
  if (value === null || value === undefined || typeof value === 'object') return;
  const key = indexKey(idx.fold, value);
  let set = idx.map.get(key);
  if (!set) idx.map.set(key, (set = new Set()));
  set.add(id);
}

export class Store {
  private collections = new Map<string, Collection>();
  private seqs = new Map<string, number>();
  /** Increments on every write anywhere; lets derived views (budget consumption) cache safely. */
  version = 0;

  collection(name: string): Collection {
    let c = this.collections.get(name);
    if (!c) {
      c = new Collection(name, () => this.version++);
      this.collections.set(name, c);
    }
    return c;
  }

  names(): string[] {
    return [...this.collections.keys()];
  }

  /** Id sequence for embedded rows (lines, contacts, payments…). */
  nextSeq(name: string): number {
    const v = (this.seqs.get(name) ?? 1) as number;
    this.seqs.set(name, v + 1);
    return v;
  }

  setSeqFloor(name: string, floor: number): void {
    if ((this.seqs.get(name) ?? 1) < floor) this.seqs.set(name, floor);
  }

  clear(): void {
    for (const c of this.collections.values()) c.clear();
    this.seqs.clear();
    this.version++;
  }
}
