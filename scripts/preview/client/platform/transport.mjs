/** Salesforce REST over the preview server's proxy (which adds the session), with LDS-shaped errors. */
export const API_VERSION = '62.0';
const BASE = `/services/data/v${API_VERSION}`;

export async function sfFetch(path, { method = 'GET', body } = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    // LDS errors carry the HTTP status and the API's error body (an array of { errorCode, message }).
    throw { status: res.status, statusText: res.statusText, ok: false, body: json };
  }
  return json;
}

export const soql = (q) => sfFetch(`/query?q=${encodeURIComponent(q)}`);

/** 'Obj.Field' or { objectApiName, fieldApiName } → ['Obj', 'Field']. */
export function splitField(field) {
  if (typeof field === 'string') {
    const i = field.indexOf('.');
    return [field.slice(0, i), field.slice(i + 1)];
  }
  return [field.objectApiName, field.fieldApiName];
}

export const quote = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A REST record as a UI API record: { apiName, id, fields: { F: { value, displayValue } } }. */
export function toUiRecord(raw, apiName, id = raw.Id) {
  const fields = {};
  for (const [k, value] of Object.entries(raw)) {
    if (k !== 'attributes' && k !== 'Id') {
      fields[k] = { value, displayValue: null };
    }
  }
  return { apiName: (raw.attributes && raw.attributes.type) || apiName, id, fields };
}

const describes = new Map();
export function describe(objectApiName) {
  if (!describes.has(objectApiName)) {
    const p = sfFetch(`/sobjects/${objectApiName}/describe`);
    p.catch(() => describes.delete(objectApiName));
    describes.set(objectApiName, p);
  }
  return describes.get(objectApiName);
}

let globalDescribe;
/** Object API name for a record Id, from the key prefixes of the global describe. */
export async function objectForId(id) {
  if (!globalDescribe) {
    globalDescribe = sfFetch('/sobjects');
  }
  const { sobjects } = await globalDescribe;
  const match = sobjects.find((o) => o.keyPrefix && String(id).startsWith(o.keyPrefix));
  if (!match) {
    throw { status: 404, statusText: 'Not Found', body: [{ errorCode: 'NOT_FOUND', message: `No object for ${id}` }] };
  }
  return match.name;
}

/**
 * Base for wire adapters: emits { data, error } like LDS, starting with both undefined, and can be
 * refreshed (notifyRecordUpdateAvailable) while connected.
 */
export class RestWireAdapter {
  static instances = new Set();

  constructor(dataCallback) {
    this.dataCallback = dataCallback;
    this.config = undefined;
    this.connected = false;
    this.seq = 0;
    dataCallback({ data: undefined, error: undefined });
  }

  connect() {
    this.connected = true;
    this.constructor.instances.add(this);
    if (this.config) {
      this.refresh();
    }
  }

  disconnect() {
    this.connected = false;
    this.constructor.instances.delete(this);
  }

  update(config) {
    this.config = config;
    if (this.connected) {
      this.refresh();
    }
  }

  /** Subclasses: return a promise of the data, or undefined when the config is not complete yet. */
  load() {
    return undefined;
  }

  refresh() {
    const pending = this.load(this.config);
    if (!pending) {
      return Promise.resolve();
    }
    const seq = ++this.seq;
    return pending.then(
      (data) => seq === this.seq && this.connected && this.dataCallback({ data, error: undefined }),
      (error) => seq === this.seq && this.connected && this.dataCallback({ data: undefined, error })
    );
  }
}
