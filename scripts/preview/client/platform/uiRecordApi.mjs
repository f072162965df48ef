import { RestWireAdapter, sfFetch, splitField, toUiRecord } from './transport.mjs';

function fieldNames(config) {
  const all = [...(config.fields || []), ...(config.optionalFields || [])].map(splitField);
  return { objectApiName: all.length ? all[0][0] : undefined, names: [...new Set(all.map(([, f]) => f))] };
}

async function fetchRecord(recordId, objectApiName, names) {
  const raw = await sfFetch(`/sobjects/${objectApiName}/${recordId}?fields=${names.join(',')}`);
  return toUiRecord(raw, objectApiName, recordId);
}

export class getRecord extends RestWireAdapter {
  static instances = new Set();

  load(config) {
    if (!config || !config.recordId) {
      return undefined;
    }
    const { objectApiName, names } = fieldNames(config);
    return fetchRecord(config.recordId, objectApiName, names);
  }
}

export function getFieldValue(record, field) {
  if (!record) {
    return undefined;
  }
  const [, name] = splitField(field);
  const f = record.fields[name];
  return f === undefined ? undefined : f.value;
}

export function getFieldDisplayValue(record, field) {
  if (!record) {
    return undefined;
  }
  const [, name] = splitField(field);
  const f = record.fields[name];
  return f === undefined ? undefined : f.displayValue;
}

export async function createRecord({ apiName, fields }) {
  const { id } = await sfFetch(`/sobjects/${apiName}`, { method: 'POST', body: fields });
  return fetchRecord(id, apiName, [...new Set(['Name', ...Object.keys(fields)])]);
}

/** Tells every connected getRecord of these records to fetch again, as LDS does. */
export function notifyRecordUpdateAvailable(items) {
  const ids = new Set(items.map((i) => i.recordId));
  const refreshes = [...getRecord.instances]
    .filter((a) => a.config && ids.has(a.config.recordId))
    .map((a) => a.refresh());
  return Promise.all(refreshes).then(() => undefined);
}
