import { formatDateTime, parseDateTime } from '../clock';
import { SfError } from '../errors';
import { MultipleMatches } from '../data/dml';
import { Rec } from '../data/store';
import { describeGlobalEntry, describeSObject } from '../schema/describe';
import { fieldValue } from '../schema/compound';
import { describeCompactLayouts, describeLayout, describeLayouts } from '../schema/layouts';
import { ObjectDef } from '../schema/types';
import { Call, Reply, Route, json } from './types';

export function recordUrl(version: string, type: string, id: string): string {
  return `/services/data/v${version}/sobjects/${type}/${id}`;
}

/** A stored record as the REST API returns it: `attributes` first, then all or the requested fields. */
export function renderRecord(call: Call, obj: ObjectDef, rec: Rec, fieldsParam?: string): Rec {
  const out: Rec = { attributes: { type: obj.name, url: recordUrl(call.version, obj.name, rec.Id as string) } };
  if (fieldsParam) {
    for (const name of fieldsParam.split(',').map((s) => s.trim()).filter(Boolean)) {
      const f = call.org.schema.field(obj.name, name);
      if (!f) throw new SfError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${obj.name}`);
      out[f.name] = fieldValue(f, rec);
    }
    return out;
  }
  for (const f of obj.fields) out[f.name] = fieldValue(f, rec);
  return out;
}

const obj = (call: Call, name: string): ObjectDef => call.org.dml.requireObject(name);

const notFound = () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
const isMasterRecordType = (id: string) => id === '012000000000000AAA' || id === '012000000000000';

function parseWindow(call: Call): [number, number] {
  const start = parseDateTime(call.query.start ?? '');
  const end = parseDateTime(call.query.end ?? '');
  if (start === undefined || end === undefined) throw new SfError(400, 'INVALID_REPLICATION_DATE', 'start date must be before end date');
  if (start > end) throw new SfError(400, 'INVALID_REPLICATION_DATE', 'start date must be before end date');
  return [start, end];
}

function upsertReply(call: Call, o: ObjectDef, r: { id: string; created: boolean }): Reply {
  if (r.created) return json(201, { id: r.id, success: true, errors: [], created: true }, { Location: recordUrl(call.version, o.name, r.id) });
  if (call.versionNum < 46) return json(204);
  return json(200, { id: r.id, success: true, errors: [], created: false });
}

export function multipleChoices(call: Call, e: MultipleMatches): Reply {
  return json(300, e.ids.map((id) => recordUrl(call.version, e.objectName, id)));
}

export const sobjectRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/sobjects\/?$/,
    endpoint: 'describeGlobal',
    handler: (call) => json(200, { encoding: 'UTF-8', maxBatchSize: 200, sobjects: call.org.schema.all().map((o) => describeGlobalEntry(o, call.version)) }),
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/describe\/?$/,
    endpoint: 'describe',
    handler: (call, [type]) => json(200, describeSObject(call.org.schema, obj(call, type), call.version)),
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/describe\/layouts(?:\/([^/]+))?\/?$/,
    endpoint: 'describe.layouts',
    handler: (call, [type, recordTypeId]) => {
      const o = obj(call, type);
      if (!recordTypeId) return json(200, describeLayouts(o, call.version));
      if (!isMasterRecordType(recordTypeId)) throw notFound();
      return json(200, describeLayout(o));
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/describe\/compactLayouts(?:\/([^/]+))?\/?$/,
    endpoint: 'describe.compactLayouts',
    handler: (call, [type, recordTypeId]) => {
      const all = describeCompactLayouts(obj(call, type), call.version);
      if (!recordTypeId) return json(200, all);
      if (!isMasterRecordType(recordTypeId)) throw notFound();
      return json(200, (all.compactLayouts as unknown[])[0]);
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/describe\/approvalLayouts(?:\/([^/]+))?\/?$/,
    endpoint: 'describe.approvalLayouts',
    handler: (call, [type, processName]) => {
      obj(call, type);
      // No approval processes in the emulated org: an empty list; a named process does not exist.
      if (processName) throw notFound();
      return json(200, { approvalLayouts: [] });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/describe\/namedLayouts\/([^/]+)\/?$/,
    endpoint: 'describe.namedLayouts',
    handler: (call, [type]) => {
      obj(call, type);
      // describe's namedLayoutInfos is empty for every emulated object, so no name is valid.
      throw notFound();
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/?$/,
    endpoint: 'sobject.info',
    handler: (call, [type]) => {
      const o = obj(call, type);
      const recent = call.org.store
        .all(o.name)
        .filter((r) => !r.IsDeleted)
        .slice(-10)
        .map((r) => ({ attributes: { type: o.name, url: recordUrl(call.version, o.name, r.Id as string) }, Id: r.Id, Name: r.Name ?? null }));
      return json(200, { objectDescribe: describeGlobalEntry(o, call.version), recentItems: recent });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/updated\/?$/,
    endpoint: 'sobject.updated',
    handler: (call, [type]) => {
      const o = obj(call, type);
      const [start, end] = parseWindow(call);
      const ids = call.org.store
        .all(o.name)
        .filter((r) => !r.IsDeleted)
        .filter((r) => {
          const t = parseDateTime(String(r.SystemModstamp)) ?? 0;
          return t >= start && t <= end;
        })
        .map((r) => r.Id);
      return json(200, { ids, latestDateCovered: formatDateTime(Math.min(end, call.org.clock.now()) - (Math.min(end, call.org.clock.now()) % 60000)) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/deleted\/?$/,
    endpoint: 'sobject.deleted',
    handler: (call, [type]) => {
      const o = obj(call, type);
      const [start, end] = parseWindow(call);
      const deleted = call.org.store
        .all(o.name)
        .filter((r) => r.IsDeleted)
        .filter((r) => {
          const t = parseDateTime(String(r.SystemModstamp)) ?? 0;
          return t >= start && t <= end;
        })
        .map((r) => ({ id: r.Id, deletedDate: r.SystemModstamp }));
      return json(200, { deletedRecords: deleted, earliestDateAvailable: formatDateTime(call.org.clock.now() - 15 * 86_400_000), latestDateCovered: formatDateTime(Math.min(end, call.org.clock.now())) });
    },
  },
  {
    method: 'POST',
    pattern: /^\/sobjects\/([^/]+)\/?$/,
    endpoint: 'sobject.create',
    handler: (call, [type]) => {
      const o = obj(call, type);
      const body = requireObjectBody(call.body);
      const id = call.org.dml.create(o.name, body, call.write);
      return json(201, { id, success: true, errors: [] }, { Location: recordUrl(call.version, o.name, id) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'sobject.retrieve',
    handler: (call, [type, id]) => {
      const o = obj(call, type);
      return json(200, renderRecord(call, o, call.org.dml.requireRecord(o, id), call.query.fields));
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'sobject.update',
    handler: (call, [type, id]) => {
      const o = obj(call, type);
      call.org.dml.update(o.name, id, requireObjectBody(call.body), call.write);
      return json(204);
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'sobject.delete',
    handler: (call, [type, id]) => {
      call.org.dml.remove(obj(call, type).name, id, call.write);
      return json(204);
    },
  },
  {
    method: 'GET',
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'sobject.retrieveByExternalId',
    handler: (call, [type, field, value]) => {
      const o = obj(call, type);
      const f = call.org.dml.upsertField(o, field);
      const ids = call.org.dml.matchExternal(o, f, value);
      if (ids.length > 1) return multipleChoices(call, new MultipleMatches(o.name, ids));
      if (!ids.length) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return json(200, renderRecord(call, o, call.org.dml.requireRecord(o, ids[0]), call.query.fields));
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
    endpoint: 'sobject.upsert',
    handler: (call, [type, field, value]) => {
      const o = obj(call, type);
      const body = requireObjectBody(call.body);
      if (call.query.updateOnly === 'true') {
        const f = call.org.dml.upsertField(o, field);
        if (!call.org.dml.matchExternal(o, f, value).length) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      }
      try {
        return upsertReply(call, o, call.org.dml.upsert(o.name, field, value, body, call.write));
      } catch (e) {
        if (e instanceof MultipleMatches) return multipleChoices(call, e);
        throw e;
      }
    },
  },
  {
    method: 'POST',
    pattern: /^\/sobjects\/([^/]+)\/Id\/?$/i,
    endpoint: 'sobject.create',
    handler: (call, [type]) => {
      const o = obj(call, type);
      const id = call.org.dml.create(o.name, requireObjectBody(call.body), call.write);
      return json(201, { id, success: true, errors: [], created: true });
    },
  },
];

export function requireObjectBody(body: unknown): Rec {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.');
  }
  return body as Rec;
}
