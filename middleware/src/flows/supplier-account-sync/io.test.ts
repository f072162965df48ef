import { hashPayload } from '../../engine';
import { openStateStore, type StateStore } from '../../store';
import { echoViewOf, markChanged } from './io';

describe('markChanged / echoViewOf', () => {
  let store: StateStore;
  let linkId: number;
  const side = { system: 'coupa' as const, object: 'suppliers' };
  const mapped = async (rec: { data: Record<string, unknown> }) => ({ Name: rec.data.name });
  const rec = (data: Record<string, unknown>) => ({ id: '7', ts: '2026-01-01T00:00:00Z', data });

  beforeAll(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
    linkId = (await store.createLink({ flow: 'g', sfObject: 'Account', sfId: '001', coupaResource: 'suppliers', coupaId: '7' })).id;
    const echo = (direction: string, payload: Record<string, unknown>) => store.setEcho({ flow: 'g', linkId, direction, hash: hashPayload(payload), payload });
    await echo('to-salesforce', { Name: 'Acme' }); // last sent from this supplier
    await echo('to-coupa', { website: 'https://acme.example' }); // last written into it
  });
  afterAll(() => store.close());

  it('presents a record explained by the last sync as exactly what we wrote, so the engine sees the echo', async () => {
    const [r] = await markChanged(store, 'g', side, [rec({ name: 'Acme', website: 'https://acme.example', 'updated-at': 'x' })], mapped);
    expect(echoViewOf(r)).toEqual({ website: 'https://acme.example' });
  });

  it('never lets a record with a changed value of its own pass for an echo, even if the written keys match', async () => {
    const [r] = await markChanged(store, 'g', side, [rec({ name: 'Acme Renamed', website: 'https://acme.example' })], mapped);
    expect(echoViewOf(r)).toEqual({});
    expect(Object.keys(r.data)).toEqual(['name', 'website']); // the mark is not part of the data
  });

  it('leaves unlinked records alone', async () => {
    const [r] = await markChanged(store, 'g', side, [{ ...rec({ name: 'Other' }), id: '8' }], mapped);
    expect(echoViewOf(r)).toBe(r.data);
  });
});
