import { FakeSource, FakeTarget, fakeFlow } from '../engine/fakes';
import { SyncEngine } from '../engine/sync-engine';
import type { ChangeStream, StreamEvent } from '../salesforce';
import { openStateStore, type StateStore } from '../store';
import { StreamTriggers } from './stream-triggers';

/** A change stream the test feeds by hand. */
class HandFedStream implements ChangeStream {
  onBatch: ((events: StreamEvent[]) => Promise<void>) | null = null;
  async start(_from: unknown, onBatch: (events: StreamEvent[]) => Promise<void>): Promise<void> {
    this.onBatch = onBatch;
  }
  async stop(): Promise<void> {}
}

describe('stream lag', () => {
  let store: StateStore;
  beforeEach(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
  });
  afterEach(() => store.close());

  it('reports, per processed batch, how long after its newest change the flow processed it', async () => {
    const source = new FakeSource();
    source.put('006A', '2026-01-01T00:00:00Z', { a: 1 });
    const engine = new SyncEngine({ store, sleep: async () => undefined });
    const flow = fakeFlow(source, new FakeTarget(), { from: 'salesforce', to: 'coupa', name: 'deals' });
    engine.register(flow);
    const stream = new HandFedStream();
    const lags: Array<[string, number]> = [];
    const now = Date.parse('2026-01-01T00:00:30Z');
    const triggers = new StreamTriggers({
      engine,
      store,
      flows: [{ definition: flow }],
      transport: () => stream,
      ownClientName: 'us',
      onLag: (f, seconds) => lags.push([f, seconds]),
      now: () => now,
    });
    await triggers.start();
    const event = (replayId: string, commitTimestamp: number): StreamEvent => ({
      replayId,
      header: { entityName: 'Coupa_Invoice__c', recordIds: ['006A'], changeType: 'UPDATE', commitTimestamp },
      fields: {},
    });
    await stream.onBatch!([event('1', now - 20_000), event('2', now - 12_000)]);
    expect(lags).toEqual([['deals', 12]]);
    await triggers.stop();
    await engine.stop();
  });
});
