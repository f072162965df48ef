import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { formatDateTime } from './clock';
import { SfError } from './errors';
import { MultipleMatches, WriteContext } from './data/dml';
import { Rec } from './data/store';
import { Org } from './org';
import { Call, Route, json } from './rest/types';
import { runSoql } from './soql/evaluate';

const DELIMITERS: Record<string, string> = { COMMA: ',', BACKQUOTE: '`', CARET: '^', PIPE: '|', SEMICOLON: ';', TAB: '\t' };
const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];

interface Job {
  id: string;
  kind: 'ingest' | 'query';
  info: Rec;
  ctx: WriteContext;
  csv: string[];
  successful: Rec[];
  failed: Rec[];
  unprocessed: Rec[];
  columns: string[];
  /** Query results, flattened to CSV columns. */
  rows: string[][];
}

const badJob = (message: string): SfError => new SfError(400, 'INVALIDJOB', message);

/** Bulk API 2.0 ingest and query jobs. Jobs run in the background right after UploadComplete / creation. */
export class Bulk2 {
  private jobs = new Map<string, Job>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(private readonly org: Org) {}

  clear(): void {
    this.jobs.clear();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, 5);
    this.timers.add(t);
  }

  private job(id: string, kind: Job['kind']): Job {
    const j = this.jobs.get(id);
    if (!j || j.kind !== kind) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return j;
  }

  private touch(job: Job, state?: string): void {
    if (state) job.info.state = state;
    job.info.systemModstamp = formatDateTime(this.org.clock.now());
  }

  routes(): Route[] {
    return [
      { method: 'POST', pattern: /^\/jobs\/ingest\/?$/, endpoint: 'bulk2.ingest.create', handler: (call) => this.createIngest(call) },
      { method: 'GET', pattern: /^\/jobs\/ingest\/?$/, endpoint: 'bulk2.ingest.list', handler: () => json(200, { done: true, records: [...this.jobs.values()].filter((j) => j.kind === 'ingest').map((j) => j.info), nextRecordsUrl: null }) },
      { method: 'PUT', pattern: /^\/jobs\/ingest\/([^/]+)\/batches\/?$/, endpoint: 'bulk2.ingest.upload', handler: (call, [id]) => this.upload(call, id) },
      { method: 'PATCH', pattern: /^\/jobs\/ingest\/([^/]+)\/?$/, endpoint: 'bulk2.ingest.state', handler: (call, [id]) => this.setIngestState(call, id) },
      { method: 'GET', pattern: /^\/jobs\/ingest\/([^/]+)\/?$/, endpoint: 'bulk2.ingest.info', handler: (_c, [id]) => json(200, this.job(id, 'ingest').info) },
      { method: 'DELETE', pattern: /^\/jobs\/ingest\/([^/]+)\/?$/, endpoint: 'bulk2.ingest.delete', handler: (_c, [id]) => this.remove(id, 'ingest') },
      { method: 'GET', pattern: /^\/jobs\/ingest\/([^/]+)\/successfulResults\/?$/, endpoint: 'bulk2.ingest.results', handler: (_c, [id]) => this.ingestResults(id, 'successful') },
      { method: 'GET', pattern: /^\/jobs\/ingest\/([^/]+)\/failedResults\/?$/, endpoint: 'bulk2.ingest.results', handler: (_c, [id]) => this.ingestResults(id, 'failed') },
      { method: 'GET', pattern: /^\/jobs\/ingest\/([^/]+)\/unprocessedrecords\/?$/, endpoint: 'bulk2.ingest.results', handler: (_c, [id]) => this.ingestResults(id, 'unprocessed') },
      { method: 'POST', pattern: /^\/jobs\/query\/?$/, endpoint: 'bulk2.query.create', handler: (call) => this.createQuery(call) },
      { method: 'GET', pattern: /^\/jobs\/query\/?$/, endpoint: 'bulk2.query.list', handler: () => json(200, { done: true, records: [...this.jobs.values()].filter((j) => j.kind === 'query').map((j) => j.info), nextRecordsUrl: null }) },
      { method: 'GET', pattern: /^\/jobs\/query\/([^/]+)\/?$/, endpoint: 'bulk2.query.info', handler: (_c, [id]) => json(200, this.job(id, 'query').info) },
      { method: 'PATCH', pattern: /^\/jobs\/query\/([^/]+)\/?$/, endpoint: 'bulk2.query.state', handler: (call, [id]) => this.abortQuery(call, id) },
      { method: 'DELETE', pattern: /^\/jobs\/query\/([^/]+)\/?$/, endpoint: 'bulk2.query.delete', handler: (_c, [id]) => this.remove(id, 'query') },
      { method: 'GET', pattern: /^\/jobs\/query\/([^/]+)\/results\/?$/, endpoint: 'bulk2.query.results', handler: (call, [id]) => this.queryResults(call, id) },
    ];
  }

  private baseInfo(call: Call, kind: Job['kind'], body: Rec): { id: string; info: Rec } {
    const id = this.org.ids.next('750');
    const now = formatDateTime(this.org.clock.now());
    const lineEnding = String(body.lineEnding ?? 'LF');
    const columnDelimiter = String(body.columnDelimiter ?? 'COMMA');
    if (!['LF', 'CRLF'].includes(lineEnding)) throw badJob(`Invalid line ending: ${lineEnding}`);
    if (!DELIMITERS[columnDelimiter]) throw badJob(`Invalid column delimiter: ${columnDelimiter}`);
    const info: Rec = {
      id,
      operation: body.operation,
      object: body.object,
      createdById: call.session.userId,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: call.versionNum,
      jobType: kind === 'ingest' ? 'V2Ingest' : 'V2Query',
      lineEnding,
      columnDelimiter,
      numberRecordsProcessed: 0,
      retries: 0,
      totalProcessingTime: 0,
    };
    return { id, info };
  }

  private createIngest(call: Call): ReturnType<typeof json> {
    const body = (call.body ?? {}) as Rec;
    const obj = this.org.schema.object(String(body.object ?? ''));
    if (!obj) throw badJob(`Unable to find object: ${String(body.object)}`);
    const operation = String(body.operation ?? '');
    if (!OPERATIONS.includes(operation)) throw badJob(`Invalid operation: ${operation}`);
    if (operation === 'upsert') {
      if (!body.externalIdFieldName) throw badJob(`External ID was blank for ${obj.name}. An External ID must be specified for upsert.`);
      try {
        this.org.dml.upsertField(obj, String(body.externalIdFieldName));
      } catch {
        throw badJob(`The field ${String(body.externalIdFieldName)} is not an External ID field for ${obj.name}`);
      }
    }
    const { id, info } = this.baseInfo(call, 'ingest', { ...body, object: obj.name });
    info.object = obj.name;
    if (body.externalIdFieldName) info.externalIdFieldName = body.externalIdFieldName;
    info.contentUrl = `services/data/v${call.version}/jobs/ingest/${id}/batches`;
    Object.assign(info, { numberRecordsFailed: 0, apexProcessingTime: 0, apiActiveProcessingTime: 0 });
    this.jobs.set(id, { id, kind: 'ingest', info, ctx: { ...call.write, api: 'bulkapi' }, csv: [], successful: [], failed: [], unprocessed: [], columns: [], rows: [] });
    return json(200, info);
  }

  private upload(call: Call, id: string): ReturnType<typeof json> {
    const job = this.job(id, 'ingest');
    if (job.info.state !== 'Open') throw new SfError(409, 'INVALIDJOBSTATE', `Job ${id} is not open for data upload. Current state: ${String(job.info.state)}`);
    // An empty upload (Content-Length: 0) is accepted: the job then completes with no records.
    const empty = call.headers['content-length'] === '0' && (call.body === '' || call.body === undefined || (typeof call.body === 'object' && call.body !== null && !Object.keys(call.body).length));
    if (empty) return json(201);
    if (typeof call.body !== 'string' || !call.body.length) throw new SfError(400, 'INVALIDJOB', 'The request body is empty or the Content-Type is not text/csv');
    job.csv.push(call.body);
    return json(201);
  }

  private setIngestState(call: Call, id: string): ReturnType<typeof json> {
    const job = this.job(id, 'ingest');
    const state = String((call.body as Rec | undefined)?.state ?? '');
    if (state === 'Aborted') {
      if (['JobComplete', 'Failed'].includes(String(job.info.state))) throw new SfError(400, 'INVALIDJOBSTATE', `Job ${id} cannot be aborted in state ${String(job.info.state)}`);
      this.touch(job, 'Aborted');
      // Uploaded rows that were never processed are reported as unprocessed records.
      try {
        job.unprocessed = this.parseUploads(job);
      } catch {
        job.unprocessed = [];
      }
      return json(200, job.info);
    }
    if (state !== 'UploadComplete') throw new SfError(400, 'INVALIDJOBSTATE', `Invalid state: ${state}`);
    if (job.info.state !== 'Open') throw new SfError(400, 'INVALIDJOBSTATE', `Job ${id} is not open. Current state: ${String(job.info.state)}`);
    this.touch(job, 'UploadComplete');
    this.later(() => {
      if (job.info.state !== 'UploadComplete') return;
      this.touch(job, 'InProgress');
      this.later(() => {
        try {
          this.processIngest(job);
        } catch (e) {
          // Never let a background job take the emulator down; report it as a failed job instead.
          job.info.errorMessage = `InternalServerError : ${(e as Error).message}`;
          this.touch(job, 'Failed');
        }
      });
    });
    return json(200, job.info);
  }

  private parseUploads(job: Job): Array<Record<string, string>> {
    const delimiter = DELIMITERS[String(job.info.columnDelimiter)];
    const rows: Array<Record<string, string>> = [];
    for (const text of job.csv) {
      const parsed = parse(text, { columns: true, delimiter, skip_empty_lines: true, bom: true, record_delimiter: job.info.lineEnding === 'CRLF' ? '\r\n' : '\n' }) as Array<Record<string, string>>;
      if (parsed.length) job.columns = Object.keys(parsed[0]);
      rows.push(...parsed);
    }
    return rows;
  }

  private processIngest(job: Job): void {
    if (job.info.state !== 'InProgress') return;
    const start = Date.now();
    let rows: Array<Record<string, string>>;
    try {
      rows = this.parseUploads(job);
    } catch (e) {
      job.info.errorMessage = `InvalidBatch : Failed to parse CSV: ${(e as Error).message}`;
      this.touch(job, 'Failed');
      return;
    }
    const obj = String(job.info.object);
    const op = String(job.info.operation);
    const ext = job.info.externalIdFieldName as string | undefined;
    // A header naming a field the object does not have fails the whole job, before any row is processed.
    const unknown = op === 'delete' || op === 'hardDelete' ? undefined : job.columns.find((col) => !this.columnExists(obj, col));
    if (unknown) {
      job.info.errorMessage = `InvalidBatch : Field name not found : ${unknown}`;
      Object.assign(job.info, { numberRecordsProcessed: 0, numberRecordsFailed: 0, totalProcessingTime: Date.now() - start });
      this.touch(job, 'Failed');
      return;
    }
    const upsertOnId = op === 'upsert' && String(ext).toLowerCase() === 'id';
    for (const row of rows) {
      const fields: Rec = {};
      for (const [col, raw] of Object.entries(row)) {
        if (raw === '' && op !== 'delete') continue;
        const value = raw === '#N/A' ? null : raw;
        const dot = col.indexOf('.');
        if (dot > 0) fields[col.slice(0, dot)] = { [col.slice(dot + 1)]: value };
        else fields[col] = value;
      }
      try {
        let id: string;
        let created = false;
        const rawId = Object.entries(fields).find(([k]) => k.toLowerCase() === 'id')?.[1];
        const { Id: _i, id: _j, ...rest } = fields;
        if (op === 'insert') {
          id = this.org.dml.create(obj, rest, job.ctx);
          created = true;
        } else if (op === 'update') {
          if (!rawId) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', []);
          id = this.org.dml.update(obj, String(rawId), rest, job.ctx);
        } else if (op === 'upsert') {
          const key = Object.keys(fields).find((k) => k.toLowerCase() === String(ext).toLowerCase());
          // Upsert on Id: a row with a blank Id is inserted.
          if (!upsertOnId && (!key || fields[key] === null)) throw new SfError(400, 'MISSING_ARGUMENT', `${String(ext)} not specified`, []);
          try {
            const r = this.org.dml.upsert(obj, String(ext), key ? fields[key] : null, fields, job.ctx);
            id = r.id;
            created = r.created;
          } catch (e) {
            if (e instanceof MultipleMatches) throw new SfError(300, 'DUPLICATE_EXTERNAL_ID', `${String(ext)}: more than one record found for external id field: [${e.ids.join(', ')}]`, [String(ext)]);
            throw e;
          }
        } else {
          if (!rawId) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in a delete call', []);
          id = this.org.dml.remove(obj, String(rawId), job.ctx);
          if (op === 'hardDelete') this.org.store.purge(obj, id);
        }
        job.successful.push({ sf__Id: id, sf__Created: String(created), ...row });
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        const code = e.errorCode === 'NOT_FOUND' ? 'INVALID_CROSS_REFERENCE_KEY' : e.errorCode;
        const message = e.errorCode === 'NOT_FOUND' ? 'invalid cross reference id' : e.message;
        job.failed.push({ sf__Id: '', sf__Error: `${code}:${message}:${(e.fields ?? []).join(',')} --`, ...row });
      }
    }
    Object.assign(job.info, { numberRecordsProcessed: rows.length, numberRecordsFailed: job.failed.length, totalProcessingTime: Date.now() - start });
    this.touch(job, 'JobComplete');
  }

  /** A CSV column names a field of the object, or `Relationship.Field` a field of a related object. */
  private columnExists(objName: string, col: string): boolean {
    const dot = col.indexOf('.');
    if (dot < 0) return !!this.org.schema.field(objName, col);
    const rel = this.org.schema.relationship(objName, col.slice(0, dot));
    return !!rel && rel.referenceTo.some((t) => !!this.org.schema.field(t, col.slice(dot + 1)));
  }

  private ingestResults(id: string, which: 'successful' | 'failed' | 'unprocessed'): ReturnType<typeof json> {
    const job = this.job(id, 'ingest');
    const lead = which === 'successful' ? ['sf__Id', 'sf__Created'] : which === 'failed' ? ['sf__Id', 'sf__Error'] : [];
    const rows = which === 'unprocessed' ? job.unprocessed : which === 'successful' ? job.successful : job.failed;
    const columns = [...lead, ...job.columns];
    const body = stringify(rows as Array<Record<string, string>>, { header: true, columns, quoted: true, record_delimiter: '\n' });
    return { status: 200, body: rows.length || columns.length ? body : '', contentType: 'text/csv' };
  }

  private remove(id: string, kind: Job['kind']): ReturnType<typeof json> {
    const job = this.job(id, kind);
    // Docs: only UploadComplete, JobComplete, Aborted or Failed jobs can be deleted.
    if (['Open', 'InProgress'].includes(String(job.info.state))) {
      throw new SfError(400, 'INVALIDJOBSTATE', `Job ${id} cannot be deleted in state ${String(job.info.state)}`);
    }
    this.jobs.delete(id);
    return json(204);
  }

  private createQuery(call: Call): ReturnType<typeof json> {
    const body = (call.body ?? {}) as Rec;
    const operation = String(body.operation ?? 'query');
    if (!['query', 'queryAll'].includes(operation)) throw badJob(`Invalid operation: ${operation}`);
    const soql = String(body.query ?? '');
    const result = runSoql(soql, { schema: this.org.schema, store: this.org.store, now: this.org.clock.now(), version: call.version, includeDeleted: operation === 'queryAll' });
    if (result.entity === 'AggregateResult' || result.records.some((r) => Object.values(r).some((v) => v && typeof v === 'object' && 'records' in (v as Rec)))) {
      throw new SfError(400, 'API_ERROR', 'Aggregate queries and nested child queries are not supported by Bulk API 2.0');
    }
    const { id, info } = this.baseInfo(call, 'query', { ...body, object: result.entity });
    info.object = result.entity;
    info.operation = operation;
    info.state = 'UploadComplete';
    const columns = selectColumns(soql);
    const flat = result.records.map((r) => flatten(r));
    if (!columns.length) for (const f of flat) for (const k of Object.keys(f)) if (!columns.includes(k)) columns.push(k);
    const lower = flat.map((f) => new Map(Object.entries(f).map(([k, v]) => [k.toLowerCase(), v])));
    const rows = lower.map((f) => columns.map((c) => f.get(c.toLowerCase()) ?? ''));
    const job: Job = { id, kind: 'query', info, ctx: call.write, csv: [], successful: [], failed: [], unprocessed: [], columns, rows };
    this.jobs.set(id, job);
    this.later(() => {
      if (job.info.state !== 'UploadComplete') return;
      this.touch(job, 'InProgress');
      this.later(() => {
        if (job.info.state !== 'InProgress') return;
        job.info.numberRecordsProcessed = rows.length;
        this.touch(job, 'JobComplete');
      });
    });
    return json(200, info);
  }

  private abortQuery(call: Call, id: string): ReturnType<typeof json> {
    const job = this.job(id, 'query');
    if ((call.body as Rec | undefined)?.state !== 'Aborted') throw new SfError(400, 'INVALIDJOBSTATE', 'Only Aborted can be set on a query job');
    this.touch(job, 'Aborted');
    return json(200, job.info);
  }

  private queryResults(call: Call, id: string): ReturnType<typeof json> {
    const job = this.job(id, 'query');
    if (job.info.state !== 'JobComplete') {
      throw new SfError(412, 'JOB_NOT_COMPLETE', `can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: ${String(job.info.state).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`);
    }
    if (Number(job.info.apiVersion) !== call.versionNum) throw new SfError(409, 'INVALIDJOBSTATE', 'The API version of the request does not match the version of the job');
    const offset = call.query.locator ? Number(Buffer.from(call.query.locator, 'base64').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new SfError(400, 'INVALID_LOCATOR', 'Invalid locator');
    const pageSize = Number(call.query.maxRecords ?? this.org.options.bulkQueryPageSize ?? Number.MAX_SAFE_INTEGER);
    const page = job.rows.slice(offset, offset + pageSize);
    const next = offset + page.length;
    const delimiter = DELIMITERS[String(job.info.columnDelimiter)];
    const body = stringify([job.columns, ...page], { delimiter, record_delimiter: job.info.lineEnding === 'CRLF' ? '\r\n' : '\n', quoted: true });
    return {
      status: 200,
      body,
      contentType: 'text/csv',
      headers: { 'Sforce-NumberOfRecords': String(page.length), 'Sforce-Locator': next < job.rows.length ? Buffer.from(String(next)).toString('base64') : 'null' },
    };
  }
}

/** CSV header = the field paths as written in the SELECT list (empty when FIELDS() is used). */
function selectColumns(soql: string): string[] {
  const q = parseQuery(soql);
  const cols: string[] = [];
  for (const f of q.fields ?? []) {
    if (f.type === 'Field') cols.push(f.field);
    else if (f.type === 'FieldRelationship') cols.push([...f.relationships, f.field].join('.'));
    else return [];
  }
  return cols;
}

/** `{Account: {Name: 'x'}}` → `{'Account.Name': 'x'}`; nulls become empty CSV cells. */
function flatten(rec: Rec, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'attributes') continue;
    if (v && typeof v === 'object') Object.assign(out, flatten(v as Rec, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}
