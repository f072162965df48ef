import type { Connection } from 'jsforce';
import { CdcSubscription, type ChangeEvent } from './cdc';

interface FakeClient {
  extensions: any[];
  listener?: (m: unknown) => void;
  disconnected: boolean;
  _advice: { reconnect?: string };
  subscribe(channel: string, cb: (m: unknown) => void): PromiseLike<void> & { cancel(): void };
  disconnect(): void;
}

function fakeConnection() {
  const clients: FakeClient[] = [];
  const conn = {
    streaming: {
      createClient(extensions: any[]) {
        const client: FakeClient = {
          extensions,
          disconnected: false,
          _advice: {},
          subscribe(_channel, cb) {
            client.listener = cb;
            return Object.assign(Promise.resolve(), { cancel: () => undefined });
          },
          disconnect() {
            client.disconnected = true;
          },
        };
        clients.push(client);
        return client;
      },
    },
  } as unknown as Connection;
  return { conn, clients };
}

const message = (replayId: number, name: string, changeOrigin = 'com/salesforce/api/rest/62.0;client=admin-tool') => ({
  schema: 's',
  event: { replayId },
  payload: { ChangeEventHeader: { entityName: 'Account', recordIds: ['001A'], changeType: 'UPDATE', changeOrigin }, Name: name },
});

const replayOf = (client: FakeClient) => client.extensions.find((e) => '_replay' in e)._replay;
const flush = () => new Promise((r) => setImmediate(r));

describe('CdcSubscription', () => {
  it('resumes from the stored replay id, handles events in order, saves a replay id only after its event was handled, skips own changes', async () => {
    const { conn, clients } = fakeConnection();
    const saved: number[] = [];
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = new CdcSubscription(conn, {
      channel: '/data/AccountChangeEvent',
      ownClientName: 'coupa-connector',
      store: { load: async () => 41, save: async (_c, id) => void saved.push(id) },
      onEvent: async (e: ChangeEvent) => {
        handled.push(`start ${e.fields.Name}`);
        if (e.fields.Name === 'slow') await gate;
        handled.push(`end ${e.fields.Name}`);
      },
    });
    await sub.start();
    expect(replayOf(clients[0])).toBe(41);

    clients[0].listener!(message(42, 'ours', 'com/salesforce/api/rest/62.0;client=coupa-connector'));
    clients[0].listener!(message(43, 'slow'));
    clients[0].listener!(message(44, 'next'));
    await flush();
    expect(handled).toEqual(['start slow']);
    expect(saved).toEqual([42]);
    release();
    await flush();
    await flush();
    expect(handled).toEqual(['start slow', 'end slow', 'start next', 'end next']);
    expect(saved).toEqual([42, 43, 44]);
    await sub.stop();
    expect(clients[0].disconnected).toBe(true);
  });

  it('on an auth failure re-authenticates and resubscribes from the last saved replay id, once', async () => {
    const { conn, clients } = fakeConnection();
    let reauths = 0;
    const sub = new CdcSubscription(conn, {
      channel: '/data/AccountChangeEvent',
      store: { load: async () => undefined, save: async () => undefined },
      onEvent: async () => undefined,
      reauthenticate: async () => void reauths++,
    });
    await sub.start();
    expect(replayOf(clients[0])).toBe(-1);
    clients[0].listener!(message(7, 'a'));
    await flush();
    const authFailure = clients[0].extensions.find((e) => '_failureCallback' in e);
    authFailure.incoming({ channel: '/meta/connect', advice: { reconnect: 'none' } }, () => undefined);
    await flush();
    await flush();
    expect(reauths).toBe(1);
    expect(clients).toHaveLength(2);
    expect(clients[0].disconnected).toBe(true);
    expect(clients[0]._advice.reconnect).toBe('none');
    expect(replayOf(clients[1])).toBe(7);
    // A late failure report from the retired client changes nothing.
    authFailure.incoming({ channel: '/meta/handshake', advice: { reconnect: 'none' } }, () => undefined);
    await flush();
    expect(reauths).toBe(1);
    expect(clients).toHaveLength(2);
    await sub.stop();
  });

  it('reports a refused resubscription (faye re-handshook on its own) for its channel only, until stopped', async () => {
    const { conn, clients } = fakeConnection();
    const errors: string[] = [];
    const sub = new CdcSubscription(conn, {
      channel: '/data/AccountChangeEvent',
      store: { load: async () => 12, save: async () => undefined },
      onEvent: async () => undefined,
      onError: (err) => void errors.push(err.message),
    });
    await sub.start();
    const watcher = clients[0].extensions[2];
    const passed: unknown[] = [];
    const refusal = { channel: '/meta/subscribe', subscription: '/data/AccountChangeEvent', successful: false, error: '400::The replayId {12} you provided was invalid.' };
    watcher.incoming({ channel: '/meta/subscribe', subscription: '/data/OtherChangeEvent', successful: false, error: 'other' }, (m: unknown) => passed.push(m));
    watcher.incoming({ channel: '/meta/subscribe', subscription: '/data/AccountChangeEvent', successful: true }, (m: unknown) => passed.push(m));
    expect(errors).toEqual([]);
    watcher.incoming(refusal, (m: unknown) => passed.push(m));
    expect(errors).toEqual(['400::The replayId {12} you provided was invalid.']);
    expect(passed).toHaveLength(3); // every message still goes on to faye
    await sub.stop();
    watcher.incoming(refusal, () => undefined);
    expect(errors).toHaveLength(1); // nothing after stop()
  });
});
