import { SfError } from '../errors';
import { MultipleMatches } from '../data/dml';
import { Rec } from '../data/store';
import { normalizeId } from '../ids';
import { renderRecord } from './sobjects';
import { Call, Route, json } from './types';

const MAX_RECORDS = 200;

interface Outcome {
  id?: string;
  created?: boolean;
  error?: SfError;
}

const rolledBack = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [] as string[],
};

/** Per-item error codes differ from single-record REST for a few cases. */
function itemError(e: SfError): { statusCode: string; message: string; fields: string[] } {
  if (e.errorCode === 'NOT_FOUND') return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] };
  return e.toItemError();
}

/** Runs one write per item, all-or-none if asked; returns results in request order with `statusCode` errors. */
function runBatch(call: Call, allOrNone: boolean, n: number, fn: (i: number) => Outcome, withCreated: boolean, knownIds: Array<string | undefined> = []): Rec[] {
  const outcomes: Outcome[] = [];
  const tx = allOrNone ? call.org.dml.begin() : undefined;
  let failed = false;
  try {
    for (let i = 0; i < n; i++) {
      try {
        outcomes.push(fn(i));
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        failed = true;
        outcomes.push({ error: e, id: knownIds[i] });
      }
    }
  } catch (e) {
    tx?.rollback();
    throw e;
  }
  if (tx) {
    if (failed) tx.rollback();
    else tx.commit();
  }
  return outcomes.map((o, i) => {
    const out: Rec = {};
    const id = o.error || (allOrNone && failed) ? (knownIds[i] ?? undefined) : o.id;
    if (id) out.id = id;
    if (o.error) {
      out.success = false;
      out.errors = [itemError(o.error)];
    } else if (allOrNone && failed) {
      out.success = false;
      out.errors = [rolledBack];
    } else {
      out.success = true;
      out.errors = [];
    }
    if (withCreated) out.created = o.created ?? !knownIds[i];
    return out;
  });
}

function parseBody(call: Call): { allOrNone: boolean; records: Rec[] } {
  const body = call.body as { allOrNone?: unknown; records?: unknown } | undefined;
  if (!body || !Array.isArray(body.records)) throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.');
  if (body.records.length > MAX_RECORDS) throw new SfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
  return { allOrNone: body.allOrNone === true || body.allOrNone === 'true', records: body.records as Rec[] };
}

function typeOf(rec: Rec): string {
  const t = (rec.attributes as Rec | undefined)?.type;
  if (typeof t !== 'string') throw new SfError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  return t;
}

function fieldsOf(rec: Rec): Rec {
  const { attributes: _a, ...rest } = rec;
  return rest;
}

export const collectionRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/composite\/sobjects\/?$/,
    endpoint: 'composite.sobjects.create',
    handler: (call) => {
      const { allOrNone, records } = parseBody(call);
      return json(
        200,
        runBatch(call, allOrNone, records.length, (i) => ({ id: call.org.dml.create(typeOf(records[i]), fieldsOf(records[i]), call.write) }), false),
      );
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/composite\/sobjects\/?$/,
    endpoint: 'composite.sobjects.update',
    handler: (call) => {
      const { allOrNone, records } = parseBody(call);
      const ids = records.map((r) => normalizeId(r.id ?? r.Id) ?? (typeof (r.id ?? r.Id) === 'string' ? String(r.id ?? r.Id) : undefined));
      return json(
        200,
        runBatch(
          call,
          allOrNone,
          records.length,
          (i) => {
            const raw = records[i].id ?? records[i].Id;
            if (raw === undefined || raw === null) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', []);
            if (!normalizeId(raw)) throw new SfError(400, 'MALFORMED_ID', `Record ID: id value of incorrect type: ${String(raw)}`, ['Id']);
            const { id: _i, Id: _I, ...fields } = fieldsOf(records[i]);
            return { id: call.org.dml.update(typeOf(records[i]), String(raw), fields, call.write) };
          },
          false,
          ids,
        ),
      );
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/composite\/sobjects\/?$/,
    endpoint: 'composite.sobjects.delete',
    handler: (call) => {
      const ids = (call.query.ids ?? '').split(',').filter(Boolean);
      if (!ids.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'At least 1 Id is required.');
      if (ids.length > MAX_RECORDS) throw new SfError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);
      const allOrNone = call.query.allOrNone === 'true';
      return json(
        200,
        runBatch(
          call,
          allOrNone,
          ids.length,
          (i) => {
            const id = normalizeId(ids[i]);
            if (!id) throw new SfError(400, 'MALFORMED_ID', `malformed id ${ids[i]}`, []);
            const obj = call.org.schema.objectByPrefix(id.slice(0, 3));
            if (!obj) throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
            return { id: call.org.dml.remove(obj.name, id, call.write) };
          },
          false,
          ids.map((x) => normalizeId(x) ?? x),
        ),
      );
    },
  },
  {
    method: 'POST',
    pattern: /^\/composite\/sobjects\/([^/]+)\/?$/,
    endpoint: 'composite.sobjects.retrieve',
    handler: (call, [type]) => retrieve(call, type, (call.body as Rec | undefined)?.ids as unknown[], (call.body as Rec | undefined)?.fields as unknown[]),
  },
  {
    method: 'GET',
    pattern: /^\/composite\/sobjects\/([^/]+)\/?$/,
    endpoint: 'composite.sobjects.retrieve',
    handler: (call, [type]) => retrieve(call, type, (call.query.ids ?? '').split(',').filter(Boolean), (call.query.fields ?? '').split(',').filter(Boolean)),
  },
  {
    method: 'PATCH',
    pattern: /^\/composite\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'composite.sobjects.upsert',
    handler: (call, [type, extField]) => {
      if (call.versionNum < 46) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const obj = call.org.dml.requireObject(type);
      const f = call.org.dml.upsertField(obj, extField);
      const { allOrNone, records } = parseBody(call);
      const valueOf = (r: Rec): unknown => Object.entries(r).find(([k]) => k.toLowerCase() === f.name.toLowerCase())?.[1];
      const seen = new Map<string, number>();
      for (const r of records) {
        const v = valueOf(r);
        if (v !== undefined && v !== null) seen.set(String(v).toLowerCase(), (seen.get(String(v).toLowerCase()) ?? 0) + 1);
      }
      const existing = records.map((r) => {
        const matches = call.org.dml.matchExternal(obj, f, valueOf(r));
        return matches.length === 1 ? matches[0] : undefined;
      });
      return json(
        200,
        runBatch(
          call,
          allOrNone,
          records.length,
          (i) => {
            const r = records[i];
            const t = (r.attributes as Rec | undefined)?.type;
            if (typeof t === 'string' && t.toLowerCase() !== obj.name.toLowerCase()) throw new SfError(400, 'INVALID_TYPE', `Record type ${t} does not match ${obj.name}`, []);
            const v = valueOf(r);
            if (v === undefined || v === null || v === '') throw new SfError(400, 'MISSING_ARGUMENT', `${f.name} not specified`, []);
            if ((seen.get(String(v).toLowerCase()) ?? 0) > 1) throw new SfError(400, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(v)}`, [f.name]);
            try {
              return call.org.dml.upsert(obj.name, f.name, v, fieldsOf(r), call.write);
            } catch (e) {
              if (e instanceof MultipleMatches) throw new SfError(300, 'DUPLICATE_EXTERNAL_ID', `${f.name}: more than one record found for external id field: ${e.ids.join(', ')}`, [f.name]);
              throw e;
            }
          },
          true,
          existing,
        ),
      );
    },
  },
];

function retrieve(call: Call, type: string, ids: unknown[] | undefined, fields: unknown[] | undefined): ReturnType<typeof json> {
  const obj = call.org.dml.requireObject(type);
  if (!Array.isArray(ids) || !ids.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'At least 1 Id is required.');
  if (!Array.isArray(fields) || !fields.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'At least 1 field is required.');
  const fieldList = fields.map(String).join(',');
  return json(
    200,
    ids.map((raw) => {
      const id = normalizeId(raw);
      const rec = id ? call.org.store.get(obj.name, id) : undefined;
      return rec && !rec.IsDeleted ? renderRecord(call, obj, rec, fieldList) : null;
    }),
  );
}
