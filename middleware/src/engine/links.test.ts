import { openStateStore, type StateStore } from '../store';
import { findLinkedTargetId } from './links';

describe('findLinkedTargetId', () => {
  let store: StateStore;
  beforeEach(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
    await store.createLink({
      flow: 'contract-sync',
      sfObject: 'Contract',
      sfId: '800A',
      coupaResource: 'contracts',
      coupaId: '42'
    });
  });
  afterEach(() => store.close());

  const side = (system: 'salesforce' | 'coupa') => ({
    system,
    object: system === 'salesforce' ? 'Contract' : 'contracts'
  });

  it('answers the other side of the link, in either direction of a link group', async () => {
    const toCoupa = {
      name: 'contract-sync.to-coupa',
      linkGroup: 'contract-sync',
      source: side('salesforce'),
      target: side('coupa')
    };
    const toSf = {
      name: 'contract-sync.to-salesforce',
      linkGroup: 'contract-sync',
      source: side('coupa'),
      target: side('salesforce')
    };
    expect(await findLinkedTargetId(store, toCoupa, '800A')).toBe('42');
    expect(await findLinkedTargetId(store, toSf, '42')).toBe('800A');
  });

  it('is null for an unlinked record or another link group', async () => {
    const toCoupa = {
      name: 'contract-sync.to-coupa',
      linkGroup: 'contract-sync',
      source: side('salesforce'),
      target: side('coupa')
    };
    expect(await findLinkedTargetId(store, toCoupa, '800B')).toBeNull();
    expect(await findLinkedTargetId(store, { ...toCoupa, linkGroup: undefined }, '800A')).toBeNull();
  });
});
