/** A stored Coupa record: dash-case keys; associations hold the target id; datetimes are epoch ms. */
export type Rec = { id: number; [key: string]: any };

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

  constructor(readonly name: string) {}

  get(id: number): Rec | undefined {
    if (!Number.isInteger(id) || id < 1 || this.deleted.has(id)) return undefined;
    const row = this.rows.get(id);
    if (row) return row;
    if (this.generator && id <= this.virtualCount) return this.generator(id);
    return undefined;
  }

  /** Stores (or replaces) a row; every write path ends here. */
  put(rec: Rec): Rec {
    this.rows.set(rec.id, rec);
    this.deleted.delete(rec.id);
    if (rec.id >= this.nextId) this.nextId = rec.id + 1;
    return rec;
  }

  newId(): number {
    return this.nextId++;
  }

  delete(id: number): boolean {
    if (!this.get(id)) return false;
    this.rows.delete(id);
    this.deleted.add(id);
    return true;
  }

  /** Rows in ascending id order, generated lazily. */
  *scan(): Generator<Rec> {
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
    this.virtualCount = count;
    this.generator = generator;
    if (count >= this.nextId) this.nextId = count + 1;
  }

  clear(): void {
    this.rows.clear();
    this.deleted.clear();
    this.virtualCount = 0;
    this.generator = undefined;
    this.nextId = 1;
  }
}

export class Store {
  private collections = new Map<string, Collection>();
  private seqs = new Map<string, number>();

  collection(name: string): Collection {
    let c = this.collections.get(name);
    if (!c) {
      c = new Collection(name);
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
  }
}
