/**
 * Change Data Capture through the Pub/Sub API (gRPC `eventbus.v1.PubSub`): GetTopic, GetSchema (cached per schema
 * id), Subscribe with pull-based flow control (a new FetchRequest only once the previous batch was handled), Avro
 * decoding, and the header's bitmap field lists decoded to names. Auth rides on the `accesstoken`, `instanceurl` and
 * `tenantid` metadata headers of every call.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro from 'avsc';
import type { ChangeEventHeader } from '../cdc';
import { decodeFieldBitmaps, InvalidReplayIdError, type ChangeStream, type StartFrom, type StreamEvent } from '../change-stream';

const PROTO = path.join(__dirname, 'pubsub_api.proto');

export interface PubSubAuth {
  accessToken: string;
  instanceUrl: string;
  /** The org id. */
  tenantId: string;
}

export interface PubSubOptions {
  /** `https://api.pubsub.salesforce.com:7443` (TLS) or `http://host:port` (plaintext, the emulator). */
  endpoint: string;
  topic: string;
  /** Current credentials; `refresh` after the server refused them. */
  auth: (refresh: boolean) => Promise<PubSubAuth>;
  /** Events requested per FetchRequest (num_requested); default 100. */
  batchSize?: number;
}

interface FetchResponse {
  events: Array<{ event: { schema_id: string; payload: Buffer }; replay_id: Buffer }>;
  latest_replay_id: Buffer;
  pending_num_requested: number;
}

type PubSubClient = grpc.Client & {
  GetTopic(req: { topic_name: string }, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: { schema_id: string }) => void): void;
  GetSchema(req: { schema_id: string }, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: { schema_json: string }) => void): void;
  Subscribe(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, FetchResponse>;
};

let service: grpc.ServiceClientConstructor | undefined;
function pubSubService(): grpc.ServiceClientConstructor {
  if (!service) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true });
    service = (grpc.loadPackageDefinition(def) as unknown as { eventbus: { v1: { PubSub: grpc.ServiceClientConstructor } } }).eventbus.v1.PubSub;
  }
  return service;
}

interface DecodedSchema {
  type: avro.Type;
  fields: Array<{ name: string; children?: string[] }>;
}

/** True for the errors Salesforce answers a bad or expired replay id with. */
export function isReplayIdError(err: grpc.ServiceError): boolean {
  const code = String(err.metadata?.get('error-code')?.[0] ?? '');
  return /replayid/i.test(code) || (err.code === grpc.status.INVALID_ARGUMENT && /replay/i.test(err.details ?? err.message));
}

export class PubSubError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
    readonly errorCode: string,
  ) {
    super(message);
    this.name = 'PubSubError';
  }
  get authFailure(): boolean {
    return this.code === grpc.status.UNAUTHENTICATED;
  }
}

export class PubSubSubscriber implements ChangeStream {
  private client?: PubSubClient;
  private call?: grpc.ClientDuplexStream<unknown, FetchResponse>;
  private readonly schemas = new Map<string, Promise<DecodedSchema>>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private ended = false;
  private refreshAuth = false;

  constructor(private readonly options: PubSubOptions) {}

  private metadata(auth: PubSubAuth): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('accesstoken', auth.accessToken);
    md.set('instanceurl', auth.instanceUrl);
    md.set('tenantid', auth.tenantId);
    return md;
  }

  private connect(): PubSubClient {
    if (!this.client) {
      const url = this.options.endpoint;
      const plain = url.startsWith('http://');
      const target = url.replace(/^https?:\/\//, '').replace(/\/$/, '');
      const Service = pubSubService();
      this.client = new Service(target, plain ? grpc.credentials.createInsecure() : grpc.credentials.createSsl()) as unknown as PubSubClient;
    }
    return this.client;
  }

  private schema(id: string, md: grpc.Metadata): Promise<DecodedSchema> {
    let s = this.schemas.get(id);
    if (!s) {
      s = new Promise<DecodedSchema>((resolve, reject) =>
        this.connect().GetSchema({ schema_id: id }, md, (err, res) => {
          if (err) return reject(err);
          const json = JSON.parse(res.schema_json) as { fields: Array<{ name: string; type: unknown }> };
          const fields = json.fields.map((f) => ({ name: f.name, children: recordFieldNames(f.type) }));
          resolve({ type: avro.Type.forSchema(json as avro.Schema), fields });
        }),
      );
      this.schemas.set(id, s);
      s.catch(() => this.schemas.delete(id));
    }
    return s;
  }

  /** Decodes one delivered event: Avro payload, header bitmaps to names, replay id to base64. */
  async decode(e: FetchResponse['events'][number], md: grpc.Metadata): Promise<StreamEvent> {
    const schema = await this.schema(e.event.schema_id, md);
    const { ChangeEventHeader: raw, ...values } = schema.type.fromBuffer(e.event.payload) as { ChangeEventHeader: Record<string, unknown> } & Record<string, unknown>;
    const header = {
      ...raw,
      changedFields: decodeFieldBitmaps(schema.fields, raw.changedFields as string[]),
      nulledFields: decodeFieldBitmaps(schema.fields, raw.nulledFields as string[]),
      diffFields: decodeFieldBitmaps(schema.fields, raw.diffFields as string[]),
    } as unknown as ChangeEventHeader;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) if (v !== null) fields[k] = v;
    for (const k of header.nulledFields ?? []) if (!k.includes('.')) fields[k] = null;
    return { replayId: e.replay_id.toString('base64'), header, fields };
  }

  start(from: StartFrom, onBatch: (events: StreamEvent[]) => Promise<void>, onEnd: (err: Error) => void, onIdle?: (replayId: string) => Promise<void>): Promise<void> {
    this.stopped = false;
    this.ended = false;
    const { topic } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    const toError = (err: grpc.ServiceError): Error => {
      if (err.code === grpc.status.UNAUTHENTICATED) this.refreshAuth = true;
      if (isReplayIdError(err)) return new InvalidReplayIdError(err.details || err.message);
      return new PubSubError(err.details || err.message, err.code ?? grpc.status.UNKNOWN, String(err.metadata?.get('error-code')?.[0] ?? ''));
    };
    const end = (err: Error) => {
      if (this.ended || this.stopped) return;
      this.ended = true;
      this.call?.cancel();
      // The position committed so far must reflect every event handed over: report once the chain is done.
      void this.chain.then(() => (this.stopped ? undefined : onEnd(err)));
    };
    return (async () => {
      const auth = await this.options.auth(this.refreshAuth);
      this.refreshAuth = false;
      const md = this.metadata(auth);
      const client = this.connect();
      // GetTopic checks the topic and the credentials before the stream opens, and warms the schema cache.
      const topicInfo = await new Promise<{ schema_id: string }>((resolve, reject) => client.GetTopic({ topic_name: topic }, md, (err, res) => (err ? reject(err) : resolve(res))));
      await this.schema(topicInfo.schema_id, md);
      if (this.stopped) return;
      const call = client.Subscribe(md);
      this.call = call;
      const request = (first: boolean) =>
        call.write(
          first
            ? {
                topic_name: topic,
                replay_preset: typeof from === 'string' ? from : 'CUSTOM',
                replay_id: typeof from === 'string' ? Buffer.alloc(0) : Buffer.from(from.replayId, 'base64'),
                num_requested: batchSize,
              }
            : { topic_name: topic, num_requested: batchSize },
        );
      call.on('data', (res: FetchResponse) => {
        this.chain = this.chain
          .then(async () => {
            if (this.stopped || this.ended) return;
            if (res.events.length) {
              const events: StreamEvent[] = [];
              for (const e of res.events) events.push(await this.decode(e, md));
              await onBatch(events);
            } else if (onIdle && res.pending_num_requested > 0 && res.latest_replay_id?.length) {
              // A keepalive while a request is outstanding: the server had nothing more for us up to this id (and the
              // events before it were handled: this runs in order after them).
              await onIdle(res.latest_replay_id.toString('base64'));
            }
            if (res.pending_num_requested === 0 && !this.stopped && !this.ended) request(false);
          })
          .catch((err: Error) => end(err));
      });
      call.on('error', (err: grpc.ServiceError) => end(toError(err)));
      call.on('end', () => end(new PubSubError('The server ended the subscription', grpc.status.UNAVAILABLE, '')));
      request(true);
      // A unary round trip on the same connection after the first FetchRequest: the server has read the request (and
      // registered the subscription) by the time it answers.
      await new Promise<void>((resolve) => client.GetTopic({ topic_name: topic }, md, () => resolve()));
    })().catch((err: grpc.ServiceError) => end(toError(err)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.call?.cancel();
    await this.chain.catch(() => undefined);
    this.client?.close();
    this.client = undefined;
  }
}

/** Names of a compound field's parts (a nested record, possibly in a union with null). */
function recordFieldNames(type: unknown): string[] | undefined {
  const types = Array.isArray(type) ? type : [type];
  for (const t of types) {
    if (t && typeof t === 'object' && (t as { type?: string }).type === 'record') return ((t as { fields: Array<{ name: string }> }).fields ?? []).map((f) => f.name);
  }
  return undefined;
}
