/**
 * Pub/Sub API (gRPC service `eventbus.v1.PubSub`) carrying Change Data Capture events: GetTopic, GetSchema and
 * Subscribe with pull-based flow control (FetchRequest.num_requested), replay presets LATEST / EARLIEST / CUSTOM, Avro
 * binary payloads with the schema shape a real org publishes for `/data/<Object>ChangeEvent`, bitmap-encoded
 * changedFields / nulledFields / diffFields, 8-byte replay ids, keepalives carrying the latest replay id, and auth by
 * the `accesstoken`, `instanceurl` and `tenantid` metadata headers. Publishing is refused (change events are
 * read-only). Listens on its own port, as the real API does (api.pubsub.salesforce.com:7443), in plaintext.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro from 'avsc';
import { changeChannel, type StoredEvent } from './cdc';
import type { OAuth } from './oauth';
import { ORG_ID, type Org } from './org';
import type { FieldDef, ObjectDef } from './schema/types';

const PROTO = path.join(__dirname, '..', 'proto', 'pubsub_api.proto');

/** Fields a change event never carries (the record id is in the header). */
const NOT_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW', 'SNAPSHOT'];

const HEADER_SCHEMA = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', namespace: 'com.sforce.eventbus', symbols: CHANGE_TYPES } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

function avroType(f: FieldDef): unknown {
  switch (f.type) {
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'int';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'datetime':
      return { type: 'long', logicalType: 'timestamp-millis' };
    default:
      return 'string';
  }
}

/** The change event's record name: `AccountChangeEvent`, `Coupa_Invoice__ChangeEvent`. */
function eventName(obj: ObjectDef): string {
  return changeChannel(obj.name).slice('/data/'.length);
}

/** Avro schema of an object's change events: the header first, then every field as an optional value. */
export function changeEventSchema(obj: ObjectDef): Record<string, unknown> {
  return {
    type: 'record',
    name: eventName(obj),
    namespace: 'com.sforce.eventbus',
    fields: [
      { name: 'ChangeEventHeader', type: HEADER_SCHEMA },
      ...obj.fields.filter((f) => !NOT_IN_EVENTS.has(f.name)).map((f) => ({ name: f.name, type: ['null', avroType(f)], default: null })),
    ],
  };
}

/** Field names as a bitmap over the schema's field positions: bit i (from the right) is field i; `0x…`. */
export function fieldBitmap(fieldNames: string[], names: string[]): string[] {
  let bits = 0n;
  for (const n of names) {
    const i = fieldNames.indexOf(n);
    if (i >= 0) bits |= 1n << BigInt(i);
  }
  return bits === 0n ? [] : [`0x${bits.toString(16).toUpperCase()}`];
}

export function encodeReplayId(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(id));
  return b;
}

function decodeReplayId(b: Buffer | undefined): number | null {
  if (!b || b.length !== 8) return null;
  return Number(b.readBigUInt64BE());
}

interface CompiledSchema {
  id: string;
  json: string;
  type: avro.Type;
  fieldNames: string[];
  fields: Map<string, FieldDef>;
}

interface FetchRequest {
  topic_name?: string;
  replay_preset?: string;
  replay_id?: Buffer;
  num_requested?: number;
  auth_refresh?: string;
}

function statusError(code: grpc.status, details: string, errorCode: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('error-code', errorCode);
  return Object.assign(new Error(details), { code, details, metadata }) as grpc.ServiceError;
}

export interface PubSubOptions {
  port?: number;
  host?: string;
  /** Empty FetchResponse with the latest replay id after this long without events; default 270 s (as Salesforce). */
  keepaliveMs?: number;
}

export class PubSubServer {
  private readonly server = new grpc.Server();
  private readonly schemas = new Map<string, CompiledSchema>();
  private readonly calls = new Set<grpc.ServerDuplexStream<FetchRequest, unknown>>();
  private readonly wakers = new Set<() => void>();
  private rpcCounter = 0;
  url = '';

  constructor(
    private readonly org: Org,
    private readonly oauth: OAuth,
    private readonly options: PubSubOptions = {},
  ) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { eventbus: { v1: { PubSub: grpc.ServiceClientConstructor } } };
    this.server.addService(pkg.eventbus.v1.PubSub.service, {
      GetTopic: (call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getTopic(call, cb),
      GetSchema: (call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getSchema(call, cb),
      Subscribe: (call: grpc.ServerDuplexStream<FetchRequest, unknown>) => this.subscribe(call),
      Publish: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(statusError(grpc.status.PERMISSION_DENIED, 'Change events cannot be published', 'sfdc.platform.eventbus.grpc.publish.topic.not.publishable')),
      PublishStream: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
        call.emit('error', statusError(grpc.status.PERMISSION_DENIED, 'Change events cannot be published', 'sfdc.platform.eventbus.grpc.publish.topic.not.publishable')),
    });
    org.changes.onEvent(() => {
      for (const wake of this.wakers) wake();
    });
  }

  listen(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${this.options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) return reject(err);
        this.url = `http://${host}:${port}`;
        resolve(this.url);
      });
    });
  }

  async close(): Promise<void> {
    this.dropConnections();
    this.server.forceShutdown();
  }

  /** Test control: ends every open subscription with UNAVAILABLE, as a network cut or server restart would. */
  dropConnections(): number {
    const n = this.calls.size;
    for (const call of [...this.calls]) call.emit('error', statusError(grpc.status.UNAVAILABLE, 'Connection dropped (emulator control)', 'sfdc.platform.eventbus.grpc.service.unavailable'));
    this.calls.clear();
    return n;
  }

  private rpcId(): string {
    return `emu-rpc-${++this.rpcCounter}`;
  }

  private authenticate(metadata: grpc.Metadata): grpc.ServiceError | null {
    const token = String(metadata.get('accesstoken')[0] ?? '');
    const tenant = String(metadata.get('tenantid')[0] ?? '');
    const instance = String(metadata.get('instanceurl')[0] ?? '');
    if (!token || !this.oauth.authenticate(`Bearer ${token}`)) {
      return statusError(grpc.status.UNAUTHENTICATED, 'The session is invalid or has expired', 'sfdc.platform.eventbus.grpc.service.auth.error');
    }
    if (tenant !== ORG_ID || !instance) {
      return statusError(grpc.status.UNAUTHENTICATED, 'The tenantid or instanceurl header does not match the session', 'sfdc.platform.eventbus.grpc.service.auth.error');
    }
    return null;
  }

  /** The object behind a change-event topic, or null (unknown topic, or CDC not enabled for it). */
  private topicObject(topic: string): ObjectDef | null {
    const m = /^\/data\/(.+)ChangeEvent$/.exec(topic);
    if (!m) return null;
    const entity = m[1].endsWith('__') ? `${m[1]}c` : m[1];
    const obj = this.org.schema.object(entity);
    return obj && changeChannel(obj.name) === topic && this.org.cdcEnabled(obj.name) ? obj : null;
  }

  schemaFor(obj: ObjectDef): CompiledSchema {
    const key = obj.name.toLowerCase();
    let s = this.schemas.get(key);
    if (!s) {
      const schema = changeEventSchema(obj);
      const json = JSON.stringify(schema);
      s = {
        id: Buffer.from(`${obj.name}ChangeEvent-schema`).toString('base64url').slice(0, 22),
        json,
        type: avro.Type.forSchema(schema as avro.Schema),
        fieldNames: (schema.fields as Array<{ name: string }>).map((f) => f.name),
        fields: new Map(obj.fields.map((f) => [f.name, f])),
      };
      this.schemas.set(key, s);
    }
    return s;
  }

  private getTopic(call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const denied = this.authenticate(call.metadata);
    if (denied) return cb(denied);
    const obj = this.topicObject(call.request.topic_name);
    if (!obj) return cb(statusError(grpc.status.NOT_FOUND, `Topic ${call.request.topic_name} not found`, 'sfdc.platform.eventbus.grpc.topic.not.found'));
    cb(null, { topic_name: call.request.topic_name, tenant_guid: ORG_ID, can_publish: false, can_subscribe: true, schema_id: this.schemaFor(obj).id, rpc_id: this.rpcId() });
  }

  private getSchema(call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const denied = this.authenticate(call.metadata);
    if (denied) return cb(denied);
    for (const obj of this.org.schema.all()) {
      if (!this.org.cdcEnabled(obj.name)) continue;
      const s = this.schemaFor(obj);
      if (s.id === call.request.schema_id) return cb(null, { schema_json: s.json, schema_id: s.id, rpc_id: this.rpcId() });
    }
    cb(statusError(grpc.status.NOT_FOUND, `Schema ${call.request.schema_id} not found`, 'sfdc.platform.eventbus.grpc.schema.not.found'));
  }

  /** Avro-encodes a stored change event with its object's schema. */
  encode(e: StoredEvent): { id: string; schema_id: string; payload: Buffer; headers: [] } {
    const header = e.data.payload.ChangeEventHeader as Record<string, unknown>;
    const obj = this.org.schema.object(String(header.entityName));
    if (!obj) throw new Error(`no schema for ${String(header.entityName)}`);
    const s = this.schemaFor(obj);
    const names = (k: string) => (Array.isArray(header[k]) ? (header[k] as string[]) : []);
    const record: Record<string, unknown> = {
      ChangeEventHeader: {
        entityName: header.entityName,
        recordIds: header.recordIds,
        changeType: header.changeType,
        changeOrigin: String(header.changeOrigin ?? ''),
        transactionKey: String(header.transactionKey ?? ''),
        sequenceNumber: Number(header.sequenceNumber ?? 0),
        commitTimestamp: Number(header.commitTimestamp ?? 0),
        commitNumber: Number(header.commitNumber ?? 0),
        commitUser: String(header.commitUser ?? ''),
        nulledFields: fieldBitmap(s.fieldNames, names('nulledFields')),
        diffFields: fieldBitmap(s.fieldNames, names('diffFields')),
        changedFields: fieldBitmap(s.fieldNames, names('changedFields')),
      },
    };
    for (const name of s.fieldNames.slice(1)) record[name] = avroValue(s.fields.get(name), e.data.payload[name]);
    return { id: `${e.replayId}`, schema_id: s.id, payload: s.type.toBuffer(record), headers: [] };
  }

  private subscribe(call: grpc.ServerDuplexStream<FetchRequest, unknown>): void {
    const denied = this.authenticate(call.metadata);
    if (denied) {
      call.emit('error', denied);
      return;
    }
    let topic: string | null = null;
    let after = 0;
    let pending = 0;
    let lastSentAt = Date.now();
    const fail = (err: grpc.ServiceError) => {
      cleanup();
      call.emit('error', err);
    };
    const flush = () => {
      if (!topic || pending <= 0 || !this.calls.has(call)) return;
      const events = this.org.changes.since(topic, after).slice(0, pending);
      if (!events.length) return;
      pending -= events.length;
      after = events[events.length - 1].replayId;
      lastSentAt = Date.now();
      call.write({
        events: events.map((e) => ({ event: this.encode(e), replay_id: encodeReplayId(e.replayId) })),
        latest_replay_id: encodeReplayId(after),
        rpc_id: this.rpcId(),
        pending_num_requested: pending,
      });
    };
    const keepaliveMs = this.options.keepaliveMs ?? 270_000;
    const timer = setInterval(() => {
      if (!topic || Date.now() - lastSentAt < keepaliveMs) return;
      lastSentAt = Date.now();
      call.write({ events: [], latest_replay_id: encodeReplayId(this.org.changes.latestReplayId()), rpc_id: this.rpcId(), pending_num_requested: pending });
    }, Math.max(10, Math.min(keepaliveMs, 1000)));
    timer.unref();
    const cleanup = () => {
      clearInterval(timer);
      this.wakers.delete(flush);
      this.calls.delete(call);
    };
    this.calls.add(call);
    this.wakers.add(flush);
    call.on('data', (req: FetchRequest) => {
      if (topic === null) {
        const name = String(req.topic_name ?? '');
        if (!this.topicObject(name)) return fail(statusError(grpc.status.NOT_FOUND, `Topic ${name} not found`, 'sfdc.platform.eventbus.grpc.subscription.topic.not.found'));
        const preset = req.replay_preset ?? 'LATEST';
        if (preset === 'CUSTOM') {
          const id = decodeReplayId(req.replay_id);
          if (id === null) return fail(statusError(grpc.status.INVALID_ARGUMENT, 'The Replay ID is corrupted', 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted'));
          if (id > this.org.changes.latestReplayId() || this.org.changes.isExpired(id)) {
            return fail(statusError(grpc.status.INVALID_ARGUMENT, `The Replay ID validation failed: ${id}`, 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed'));
          }
          after = id;
        } else if (preset === 'EARLIEST') {
          after = 0;
        } else {
          after = this.org.changes.latestReplayId();
        }
        topic = name;
      } else if (req.topic_name && req.topic_name !== topic) {
        return fail(statusError(grpc.status.INVALID_ARGUMENT, 'A subscription stream serves one topic', 'sfdc.platform.eventbus.grpc.subscription.topic.mismatch'));
      }
      pending += Math.max(0, Number(req.num_requested ?? 0));
      flush();
    });
    call.on('end', () => {
      cleanup();
      call.end();
    });
    call.on('cancelled', cleanup);
    call.on('error', cleanup);
  }
}

function avroValue(field: FieldDef | undefined, v: unknown): unknown {
  if (v === null || v === undefined || !field) return null;
  switch (field.type) {
    case 'boolean':
      return Boolean(v);
    case 'int':
      return Math.trunc(Number(v));
    case 'double':
    case 'currency':
    case 'percent':
      return Number(v);
    case 'date':
      return Math.floor(Date.parse(`${String(v).slice(0, 10)}T00:00:00Z`) / 86_400_000);
    case 'datetime':
      return Date.parse(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}
