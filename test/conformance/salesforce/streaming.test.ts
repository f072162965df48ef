import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { connect, startOrg } from './helpers';

type ChangeEvent = { payload: Record<string, unknown> & { ChangeEventHeader: Record<string, unknown> }; event: { replayId: number } };

/** Collects messages and resolves once `n` have arrived. */
function collector(n: number): { messages: ChangeEvent[]; done: Promise<ChangeEvent[]>; push: (m: ChangeEvent) => void } {
  const messages: ChangeEvent[] = [];
  let resolve: (v: ChangeEvent[]) => void = () => undefined;
  const done = new Promise<ChangeEvent[]>((r) => (resolve = r));
  return {
    messages,
    done,
    push: (m) => {
      messages.push(m);
      if (messages.length === n) resolve(messages);
    },
  };
}

interface FayeClient {
  subscribe(channel: string, cb: (m: ChangeEvent) => void): PromiseLike<unknown> & { cancel(): void };
  disconnect(): PromiseLike<unknown> | undefined;
}

describe('Change Data Capture over the Streaming API (CometD) through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  let conn: Connection;
  const clients: FayeClient[] = [];
  beforeAll(async () => {
    emu = await startOrg();
    conn = await connect(emu, { callOptions: { client: 'coupa-connector' } });
  });
  afterAll(async () => {
    // Wait for each disconnect to be acknowledged so faye leaves no timers behind.
    await Promise.all(clients.map((c) => c.disconnect()));
    await emu.close();
  });

  const client = (channel: string, replayId: number): FayeClient => {
    const c = conn.streaming.createClient([new StreamingExtension.Replay(channel, replayId)]) as unknown as FayeClient;
    clients.push(c);
    return c;
  };

  it('live CREATE/UPDATE/DELETE events with ChangeEventHeader, only changed fields on update, increasing replayIds', async () => {
    const got = collector(3);
    const c = client('/data/AccountChangeEvent', -1);
    await c.subscribe('/data/AccountChangeEvent', got.push);
    const { id } = await conn.sobject('Account').create({ Name: 'Streamed', Industry: 'Energy' });
    await conn.sobject('Account').update({ Id: id as string, Industry: 'Retail' });
    await conn.sobject('Account').destroy(id as string);
    const [created, updated, deleted] = await got.done;

    expect(created.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Account',
      changeType: 'CREATE',
      recordIds: [id],
      changedFields: [],
      commitUser: emu.control.integrationUserId(),
      changeOrigin: 'com/salesforce/api/rest/62.0;client=coupa-connector',
      commitTimestamp: expect.any(Number),
      transactionKey: expect.any(String),
      sequenceNumber: 1,
    });
    expect(created.payload).toMatchObject({ Name: 'Streamed', Industry: 'Energy', OwnerId: emu.control.integrationUserId() });
    expect(created.payload).not.toHaveProperty('SystemModstamp');

    expect(updated.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', changedFields: ['Industry', 'LastModifiedDate'] });
    expect(Object.keys(updated.payload).sort()).toEqual(['ChangeEventHeader', 'Industry', 'LastModifiedDate']);
    expect(deleted.payload.ChangeEventHeader).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
    expect(created.event.replayId).toBeLessThan(updated.event.replayId);
    expect(updated.event.replayId).toBeLessThan(deleted.event.replayId);
  });

  it('replay -2 delivers retained events; replay from a stored id delivers only later ones; /data/ChangeEvents carries all objects', async () => {
    const a = await conn.sobject('Contact').create({ LastName: 'R1' });
    const b = await conn.sobject('Contact').create({ LastName: 'R2' });
    const all = collector(2);
    await client('/data/ContactChangeEvent', -2).subscribe('/data/ContactChangeEvent', all.push);
    const [e1, e2] = await all.done;
    expect([e1.payload.ChangeEventHeader.recordIds, e2.payload.ChangeEventHeader.recordIds]).toEqual([[a.id], [b.id]]);

    const later = collector(1);
    await client('/data/ContactChangeEvent', e1.event.replayId).subscribe('/data/ContactChangeEvent', later.push);
    const [only] = await later.done;
    expect(only.event.replayId).toBe(e2.event.replayId);

    const any = collector(1);
    await client('/data/ChangeEvents', -1).subscribe('/data/ChangeEvents', any.push);
    await conn.sobject('Coupa_Invoice__c').create({ Name: 'INV-1', Coupa_Invoice_Id__c: 'INV-1' });
    const [inv] = await any.done;
    expect(inv.payload.ChangeEventHeader.entityName).toBe('Coupa_Invoice__c');
  });

  it('subscribing to an unknown or not-selected channel, or with an invalid replayId, fails', async () => {
    await expect(client('/data/NopeChangeEvent', -1).subscribe('/data/NopeChangeEvent', () => undefined)).rejects.toBeTruthy();
    // Task is not selected for CDC in any platformEventChannelMembers file.
    await expect(client('/data/TaskChangeEvent', -1).subscribe('/data/TaskChangeEvent', () => undefined)).rejects.toBeTruthy();
    await expect(client('/data/AccountChangeEvent', 999_999).subscribe('/data/AccountChangeEvent', () => undefined)).rejects.toBeTruthy();
  });

  it('an invalid token fails the handshake with advice.reconnect none (jsforce AuthFailure extension)', async () => {
    const bogus = new Connection({ instanceUrl: emu.url, accessToken: 'not-a-token', version: '62.0' });
    let failed: ((m: Record<string, unknown>) => void) | undefined;
    const failure = new Promise<Record<string, unknown>>((r) => (failed = r));
    const c = bogus.streaming.createClient([new StreamingExtension.AuthFailure((m: Record<string, unknown>) => failed?.(m))]) as unknown as FayeClient;
    void c.subscribe('/data/AccountChangeEvent', () => undefined);
    const msg = await failure;
    expect(msg).toMatchObject({ channel: '/meta/handshake', successful: false, error: '403::Handshake denied', advice: { reconnect: 'none' }, ext: { sfdc: { failureReason: '401::Authentication invalid' } } });
    c.disconnect();
  });

  it('custom object channel name drops the trailing c: /data/Coupa_Invoice__ChangeEvent', async () => {
    const got = collector(1);
    await client('/data/Coupa_Invoice__ChangeEvent', -1).subscribe('/data/Coupa_Invoice__ChangeEvent', got.push);
    await conn.sobject('Coupa_Invoice__c').create({ Name: 'INV-2', Coupa_Invoice_Id__c: 'INV-2' });
    const [e] = await got.done;
    expect(e.payload.Coupa_Invoice_Id__c).toBe('INV-2');
  });
});
