/** The Pub/Sub API through a plain gRPC client built from the published proto, as any subscriber would use it. */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro from 'avsc';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from './index';

type Client = grpc.Client & Record<string, (...args: any[]) => any>;

interface FetchResponse {
  events: Array<{ event: { schema_id: string; payload: Buffer }; replay_id: Buffer }>;
  latest_replay_id: Buffer;
  pending_num_requested: number;
}

const def = protoLoader.loadSync(path.join(__dirname, '..', 'proto', 'pubsub_api.proto'), { keepCase: true, longs: Number, enums: String, defaults: true });
const PubSub = (grpc.loadPackageDefinition(def) as any).eventbus.v1.PubSub as grpc.ServiceClientConstructor;

/** Reads a stream's responses one at a time. */
function reader(call: grpc.ClientDuplexStream<unknown, FetchResponse>) {
  const queue: FetchResponse[] = [];
  const waiters: Array<{ resolve: (r: FetchResponse) => void; reject: (e: Error) => void }> = [];
  let failed: Error | null = null;
  call.on('data', (r: FetchResponse) => {
    const w = waiters.shift();
    if (w) w.resolve(r);
    else queue.push(r);
  });
  call.on('error', (e: Error) => {
    failed = e;
    for (const w of waiters.splice(0)) w.reject(e);
  });
  return {
    next: (): Promise<FetchResponse> => {
      const r = queue.shift();
      if (r) return Promise.resolve(r);
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    error: (): Promise<grpc.ServiceError> =>
      new Promise((resolve) => {
        if (failed) resolve(failed as grpc.ServiceError);
        call.on('error', (e: grpc.ServiceError) => resolve(e));
      }),
  };
}

describe('Pub/Sub API', () => {
  let emu: RunningSalesforceEmulator;
  let client: Client;
  let metadata: grpc.Metadata;
  let token: string;

  beforeAll(async () => {
    emu = await startSalesforceEmulator({ clientId: 'ps', clientSecret: 'ps-secret', pubsub: true, cdcEntities: 'all' });
    client = new PubSub(emu.pubsubUrl!.replace('http://', ''), grpc.credentials.createInsecure()) as Client;
    token = emu.control.issueToken().access_token;
    metadata = new grpc.Metadata();
    metadata.set('accesstoken', token);
    metadata.set('instanceurl', emu.url);
    metadata.set('tenantid', '00D8d0000000001EAA');
  });
  afterAll(async () => {
    client.close();
    await emu.close();
  });

  const unary = <T>(method: string, req: unknown, md = metadata): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, md, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

  async function schemaOf(id: string): Promise<avro.Type> {
    const info = await unary<{ schema_json: string }>('GetSchema', { schema_id: id });
    return avro.Type.forSchema(JSON.parse(info.schema_json));
  }

  async function rest(method: string, url: string, body?: unknown): Promise<any> {
    const res = await fetch(`${emu.url}/services/data/v64.0${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.status === 204 ? null : res.json();
  }

  it('describes a change-event topic and its Avro schema, header first', async () => {
    const topic = await unary<{ schema_id: string; can_subscribe: boolean; can_publish: boolean }>('GetTopic', { topic_name: '/data/AccountChangeEvent' });
    expect(topic).toMatchObject({ can_subscribe: true, can_publish: false });
    const info = await unary<{ schema_json: string }>('GetSchema', { schema_id: topic.schema_id });
    const schema = JSON.parse(info.schema_json);
    expect(schema.name).toBe('AccountChangeEvent');
    expect(schema.fields[0].name).toBe('ChangeEventHeader');
    expect(schema.fields.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['Name', 'Coupa_Supplier_Id__c']));
    expect(schema.fields.map((f: { name: string }) => f.name)).not.toContain('SystemModstamp');
    await expect(unary('GetTopic', { topic_name: '/data/NoSuchChangeEvent' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('refuses a call without a valid access token', async () => {
    const bad = new grpc.Metadata();
    bad.set('accesstoken', 'nope');
    bad.set('instanceurl', emu.url);
    bad.set('tenantid', '00D8d0000000001EAA');
    await expect(unary('GetTopic', { topic_name: '/data/AccountChangeEvent' }, bad)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('delivers only as many events as requested, with bitmap-encoded changed fields and 8-byte replay ids', async () => {
    const call = client.Subscribe(metadata) as grpc.ClientDuplexStream<unknown, FetchResponse>;
    const r = reader(call);
    // No Account changed before this test: EARLIEST sees exactly the ones made here, whenever the server reads it.
    call.write({ topic_name: '/data/AccountChangeEvent', replay_preset: 'EARLIEST', num_requested: 1 });
    const refs = emu.control.seed({ Account: [{ '@ref': 'a', Name: 'Flow One' }, { '@ref': 'b', Name: 'Flow Two' }] });
    const first = await r.next();
    expect(first.events).toHaveLength(1);
    expect(first.pending_num_requested).toBe(0);
    expect(first.events[0].replay_id).toHaveLength(8);
    const type = await schemaOf(first.events[0].event.schema_id);
    const e1 = type.fromBuffer(first.events[0].event.payload);
    expect(e1.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'CREATE', recordIds: [refs.a] });
    expect(e1.Name).toBe('Flow One');

    call.write({ topic_name: '/data/AccountChangeEvent', num_requested: 5 });
    const second = await r.next();
    expect(second.events).toHaveLength(1);
    expect(type.fromBuffer(second.events[0].event.payload).ChangeEventHeader.recordIds).toEqual([refs.b]);
    expect(second.pending_num_requested).toBe(4);
    expect(second.events[0].replay_id.readBigUInt64BE()).toBeGreaterThan(first.events[0].replay_id.readBigUInt64BE());

    // One transaction changing both records the same way: one event naming both.
    await rest('PATCH', '/composite/sobjects', {
      allOrNone: true,
      records: [refs.a, refs.b].map((Id) => ({ attributes: { type: 'Account' }, Id, Description: 'same change' })),
    });
    const merged = await r.next();
    expect(merged.events).toHaveLength(1);
    const e3 = type.fromBuffer(merged.events[0].event.payload);
    expect(e3.ChangeEventHeader.changeType).toBe('UPDATE');
    expect(e3.ChangeEventHeader.recordIds).toEqual([refs.a, refs.b]);
    expect(e3.Description).toBe('same change');
    // Bit i of the bitmap is field i of the schema.
    const names = (type as avro.types.RecordType).fields.map((f) => f.name);
    const bits = BigInt(e3.ChangeEventHeader.changedFields[0]);
    const changed = names.filter((_, i) => (bits >> BigInt(i)) & 1n);
    expect(changed).toEqual(expect.arrayContaining(['Description', 'LastModifiedDate']));
    expect(changed).not.toContain('Name');
    call.end();
  });

  it('replays after a custom replay id and from the earliest retained event; refuses an expired one', async () => {
    const refs = emu.control.seed({ Contact: [{ '@ref': 'c1', LastName: 'Replay1' }, { '@ref': 'c2', LastName: 'Replay2' }] });
    const all = client.Subscribe(metadata) as grpc.ClientDuplexStream<unknown, FetchResponse>;
    const ra = reader(all);
    all.write({ topic_name: '/data/ContactChangeEvent', replay_preset: 'EARLIEST', num_requested: 10 });
    const batch = await ra.next();
    expect(batch.events).toHaveLength(2);
    all.end();

    const custom = client.Subscribe(metadata) as grpc.ClientDuplexStream<unknown, FetchResponse>;
    const rc = reader(custom);
    custom.write({ topic_name: '/data/ContactChangeEvent', replay_preset: 'CUSTOM', replay_id: batch.events[0].replay_id, num_requested: 10 });
    const after = await rc.next();
    const type = await schemaOf(after.events[0].event.schema_id);
    expect(after.events.map((e) => type.fromBuffer(e.event.payload).ChangeEventHeader.recordIds[0])).toEqual([refs.c2]);
    custom.end();

    emu.control.expireReplayIds();
    const expired = client.Subscribe(metadata) as grpc.ClientDuplexStream<unknown, FetchResponse>;
    const re = reader(expired);
    expired.write({ topic_name: '/data/ContactChangeEvent', replay_preset: 'CUSTOM', replay_id: batch.events[1].replay_id, num_requested: 10 });
    const err = await re.error();
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.metadata.get('error-code')).toEqual(['sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed']);
  });

  it('emits gap and overflow events on request and can drop open streams', async () => {
    const call = client.Subscribe(metadata) as grpc.ClientDuplexStream<unknown, FetchResponse>;
    const r = reader(call);
    call.write({ topic_name: '/data/OpportunityChangeEvent', replay_preset: 'EARLIEST', num_requested: 10 });
    emu.control.emitGap('Opportunity', ['006000000000001AAA', '006000000000002AAA']);
    const gap = await r.next();
    const type = await schemaOf(gap.events[0].event.schema_id);
    expect(type.fromBuffer(gap.events[0].event.payload).ChangeEventHeader).toMatchObject({ changeType: 'GAP_UPDATE', recordIds: ['006000000000001AAA', '006000000000002AAA'] });
    emu.control.emitGap('Opportunity', [], 'GAP_OVERFLOW');
    const overflow = await r.next();
    expect(type.fromBuffer(overflow.events[0].event.payload).ChangeEventHeader).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [] });
    expect(emu.control.dropStreams()).toBeGreaterThanOrEqual(1);
    expect((await r.error()).code).toBe(grpc.status.UNAVAILABLE);
  });
});
