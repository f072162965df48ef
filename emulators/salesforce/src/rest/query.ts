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

function batchSize(call: Call): number {
  const m = /batchSize\s*=\s*(\d+)/i.exec(call.headers['sforce-query-options'] ?? '');
  const n = m ? Number(m[1]) : call.org.queryBatchSize;
  return Math.min(2000, Math.max(200, n));
}

function page(call: Call, cursor: { id: string; records: Rec[]; totalSize: number; batchSize: number }, offset: number, scanAll: boolean, cursors: Cursors): Reply {
  const records = cursor.records.slice(offset, offset + cursor.batchSize);
  const next = offset + cursor.batchSize;
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
    const size = batchSize(call);
    if (result.records.length <= size) return json(200, { totalSize: result.totalSize, done: true, records: result.records });
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
