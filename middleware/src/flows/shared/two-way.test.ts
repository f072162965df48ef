/** twoWaySync: what a target's current values are, against a real (in-memory) state store. */
import { parseMapping } from '../../mapping';
import { openTestStore } from '../../store/test-stores';
import type { SqlStateStore } from '../../store';
import { twoWaySync } from './two-way';

const mapping = parseMapping(
  [
    'coupa: { resource: contracts }',
    'salesforce: { object: Contract, externalId: Coupa_Contract_Id__c }',
    'fields:',
    '  - { owner: coupa, coupa: description, salesforce: Description }',
    '  - { owner: salesforce, salesforce: Description, coupa: description }',
    '  - { owner: coupa, coupa: number, salesforce: ContractNumber__c }',
    '  - { owner: coupa, coupa: id, salesforce: Coupa_Contract_Id__c, expression: "$string($)" }',
  ].join('\n'),
  'two-way-test.yaml',
);
const sides = { salesforce: { system: 'salesforce' as const, object: 'Contract' }, coupa: { system: 'coupa' as const, object: 'contracts' } };

describe('twoWaySync.currentValues', () => {
  let store: SqlStateStore;
  beforeEach(async () => (store = await openTestStore('sqlite')));
  afterEach(() => store.close());

  /** `n` linked contracts: we wrote `net 30` to Salesforce, and carried `net 45` from Salesforce to Coupa since. */
  let made = 0;
  async function linked(n: number): Promise<Map<string, Record<string, unknown>>> {
    const links = await store.insertLinks(
      Array.from({ length: n }, () => ++made).map((k) => ({ flow: 'contracts', sfObject: 'Contract', sfId: `800${String(k).padStart(12, '0')}`, coupaResource: 'contracts', coupaId: String(k) })),
    );
    await store.setEchoes(
      links.flatMap((l) => [
        { flow: 'contracts', linkId: l.id, direction: 'to-salesforce', hash: 'a', payload: { Description: 'net 30' } },
        { flow: 'contracts', linkId: l.id, direction: 'to-coupa', hash: 'b', payload: { description: 'net 45' } },
      ]),
    );
    return new Map(links.map((l) => [l.sfId, { Id: l.sfId, Description: 'net 45', ContractNumber__c: 'C-1' }]));
  }

  it('reports a shared value the other direction carried over as unchanged, and reads the store twice per page', async () => {
    const sync = twoWaySync({ mapping, linkGroup: 'contracts', store, sides });
    expect(sync.shared).toEqual([{ coupa: 'description', salesforce: 'Description' }]);
    for (const n of [3, 40]) {
      const raw = await linked(n);
      const findLinks = jest.spyOn(store, 'findLinks');
      const listEchoes = jest.spyOn(store, 'listEchoes');
      const current = await sync.currentValues('salesforce', raw);
      // Salesforce shows "net 45", which is what we carried to Coupa: not a change on the Salesforce side.
      expect([...current.values()].every((v) => v.Description === 'net 30')).toBe(true);
      expect(current.size).toBe(raw.size);
      expect(findLinks.mock.calls.length + listEchoes.mock.calls.length).toBe(2);
      jest.restoreAllMocks();
    }
  });

  it('shows an unlinked or independently changed value as it is', async () => {
    const sync = twoWaySync({ mapping, linkGroup: 'contracts', store, sides });
    const raw = await linked(1);
    const [id] = raw.keys();
    raw.set(id, { Id: id, Description: 'net 60' });
    raw.set('800999999999999', { Id: '800999999999999', Description: 'net 90' });
    const current = await sync.currentValues('salesforce', raw);
    expect(current.get(id)).toEqual({ Description: 'net 60' });
    expect(current.get('800999999999999')).toEqual({ Description: 'net 90' });
  });

  it("returns the record as read for 'all', and says which values each side reads", async () => {
    const sync = twoWaySync({ mapping, linkGroup: 'contracts', store, sides, targetValues: { coupa: 'all', salesforce: 'none' } });
    expect(sync.targetValues).toEqual({ coupa: 'all', salesforce: 'none' });
    const raw = new Map([['7', { id: 7, description: 'net 30', number: 'C-7' }]]);
    expect(await sync.currentValues('coupa', raw)).toBe(raw);
    expect(twoWaySync({ mapping, linkGroup: 'contracts', store, sides }).targetValues).toEqual({ coupa: 'shared', salesforce: 'shared' });
  });
});
