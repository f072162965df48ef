import { SfError } from '../errors';
import { Rec } from '../data/store';
import { Org } from '../org';
import { runSoql } from '../soql/evaluate';
import { Call, Reply, Route, json } from './types';

interface Cursor {
  id: string;
  records: Rec[];
  totalSize: number;
  batchSize: number;
  lastUsed: number;
}

/** Open query cursors behind `nextRecordsUrl`, with inactivity expiry. */
export class Cursors {
  private cursors = new Map<string, Cursor>();
  constructor(private readonly org: Org) {}

  clear(): void {
    this.cursors.clear();
  }

  /** Opens a cursor; beyond the per-user maximum the oldest cursor is closed, as Salesforce does. */
  open(records: Rec[], totalSize: number, batchSize: number): Cursor {
    const max = this.org.options.maxOpenCursors ?? 10;
    while (this.cursors.size >= max) this.cursors.delete(this.cursors.keys().next().value as string);
    const id = this.org.ids.next('01g').slice(0, 15);
    const c: Cursor = { id, records, totalSize, batchSize, lastUsed: this.org.clock.now() };
    this.cursors.set(id, c);
    return c;
  }

  get(id: string): Cursor {
    const ttl = this.org.options.queryCursorTtlMs ?? 15 * 60_000;
    const c = this.cursors.get(id);
    if (!c || this.org.clock.now() - c.lastUsed > ttl) {
      this.cursors.delete(id);
      throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    c.lastUsed = this.org.clock.now();
    return c;
  }

  close(id: string): void {
    this.cursors.delete(id);
  }
}

/**
 * `Sforce-Query-Options: batchSize=N`: default 2,000 (or the org's configured size), clamped to 200–2,000. The size is
 * not guaranteed; as a real org does, a query selecting two or more custom long text area fields pages by 200.
 */
function batchSize(call: Call, records: Rec[]): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(call.headers['sforce-query-options'] ?? '');
  const n = m ? Number(m[1]) : call.org.queryBatchSize;
  let size = Math.min(2000, Math.max(200, n));
  const first = records[0];
  const type = (first?.attributes as { type?: string } | undefined)?.type;
  if (first && type) {
    const longText = Object.keys(first).filter((k) => {
      const f = call.org.schema.field(type, k);
      return f?.custom && f.type === 'textarea' && f.length > 255;
    });
    if (longText.length >= 2) size = Math.min(size, 200);
  }
  return size;
}

/** Rows a record counts toward the batch: itself plus the child rows of its subqueries on this page. */
function weight(rec: Rec): number {
  let n = 1;
  for (const v of Object.values(rec)) {
    const sub = v as { records?: unknown } | null;
    if (sub && typeof sub === 'object' && Array.isArray(sub.records)) n += sub.records.length;
  }
  return n;
}

/** The end of the page starting at `offset`: child rows count toward the batch size; at least one record. */
function pageEnd(records: Rec[], offset: number, size: number): number {
  let end = offset;
  let used = 0;
  while (end < records.length) {
    const w = weight(records[end]);
    if (end > offset && used + w > size) break;
    used += w;
    end++;
  }
  return end;
}

function page(call: Call, cursor: { id: string; records: Rec[]; totalSize: number; batchSize: number }, offset: number, scanAll: boolean, cursors: Cursors): Reply {
  const next = pageEnd(cursor.records, offset, cursor.batchSize);
  const records = cursor.records.slice(offset, next);
  const done = next >= cursor.records.length;
  const body: Rec = { totalSize: cursor.totalSize, done };
  if (!done) body.nextRecordsUrl = `/services/data/v${call.version}/${scanAll ? 'queryAll' : 'query'}/${cursor.id}-${next}`;
  else cursors.close(cursor.id);
  body.records = records;
  return json(200, body);
}

export function queryRoutes(cursors: Cursors): Route[] {
  const run = (scanAll: boolean) => (call: Call) => {
    const q = call.query.q;
    if (call.query.explain) throw new SfError(400, 'NOT_SUPPORTED', 'explain is not supported by this emulator');
    if (!q) throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const childBatchSize = call.org.options.childBatchSize ?? 200;
    const result = runSoql(q, {
      schema: call.org.schema,
      store: call.org.store,
      now: call.org.clock.now(),
      version: call.version,
      includeDeleted: scanAll,
      childBatchSize,
      openChildCursor: (records, totalSize, offset) => `/services/data/v${call.version}/query/${cursors.open(records, totalSize, childBatchSize).id}-${offset}`,
    });
    const size = batchSize(call, result.records);
    if (pageEnd(result.records, 0, size) >= result.records.length) return json(200, { totalSize: result.totalSize, done: true, records: result.records });
    const cursor = cursors.open(result.records, result.totalSize, size);
    return page(call, cursor, 0, scanAll, cursors);
  };
  const more = (scanAll: boolean) => (call: Call, [locator]: string[]) => {
    const m = /^([A-Za-z0-9]+)-(\d+)$/.exec(locator);
    if (!m) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const cursor = cursors.get(m[1]);
    return page(call, cursor, Number(m[2]), scanAll, cursors);
  };
  return [
    { method: 'GET', pattern: /^\/query\/?$/, endpoint: 'query', handler: run(false) },
    { method: 'GET', pattern: /^\/queryAll\/?$/, endpoint: 'queryAll', handler: run(true) },
    { method: 'GET', pattern: /^\/query\/([^/]+)\/?$/, endpoint: 'queryMore', handler: more(false) },
    { method: 'GET', pattern: /^\/queryAll\/([^/]+)\/?$/, endpoint: 'queryMore', handler: more(true) },
  ];
}
