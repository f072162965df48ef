import { echoFields, planRecord, type PlanInput } from './planner';

const base = (over: Partial<PlanInput>): PlanInput => ({
  sourceSystem: 'salesforce',
  view: {},
  payload: {},
  targetId: 'T1',
  linked: true,
  lastWritten: null,
  lastWrittenToSource: null,
  current: null,
  pingPong: null,
  effects: [],
  ...over,
});

describe('planRecord', () => {
  it('drops the other system’s fields on updates but sends them as starting values on creates', () => {
    const owners = { status: 'coupa' as const, website: 'salesforce' as const };
    const update = planRecord(base({ payload: { status: 'x', website: 'w' }, owners, lastWritten: { website: 'old' } }));
    expect(update).toMatchObject({ action: 'write', op: 'update', payload: { website: 'w' }, dropped: { owner: ['status'] } });
    const create = planRecord(base({ payload: { status: 'x', website: 'w' }, owners, targetId: null, linked: false }));
    expect(create).toMatchObject({ action: 'write', op: 'create', payload: { status: 'x', website: 'w' } });
  });

  it('takes a field for our own echo only when the reverse direction wrote it there in a round trip', () => {
    const input = {
      view: { Name: 'Acme', Status__c: 'active' },
      payload: { name: 'Acme', status: 'active' },
      lineage: { name: ['Name'], status: ['Status__c'] },
      // the reverse flow wrote Name from name, and Status__c from a different field (state)
      reverseLineage: { Name: ['name'], Status__c: ['state'] },
      lastWrittenToSource: { Name: 'Acme', Status__c: 'active' },
    };
    expect(echoFields(input)).toEqual(['name']);
    expect(planRecord(base({ ...input, lastWritten: { status: 'draft' } }))).toMatchObject({
      action: 'write',
      payload: { status: 'active' },
      dropped: { echo: ['name'] },
    });
  });

  it('skips a payload equal field by field to what was last written, and one the target already holds on a first write', () => {
    expect(planRecord(base({ payload: { a: 1, b: 'x' }, lastWritten: { a: 1, b: 'x', c: 3 } }))).toMatchObject({ action: 'skip', reason: 'skip-unchanged' });
    expect(planRecord(base({ payload: { a: 1 }, current: { a: 1, other: 2 } }))).toMatchObject({ action: 'skip', reason: 'skip-unchanged' });
    expect(planRecord(base({ payload: { a: 2 }, current: { a: 1 } }))).toMatchObject({ action: 'write', payload: { a: 2 } });
  });

  it('sends a field changed on both sides to the conflict inbox and writes the rest; a forced field is written anyway', () => {
    const input = { payload: { name: 'SF', note: 'n2' }, lastWritten: { name: 'old', note: 'n1' }, current: { name: 'Coupa', note: 'n1' } };
    expect(planRecord(base(input))).toMatchObject({
      action: 'write',
      payload: { note: 'n2' },
      conflicts: [{ field: 'name', sourceValue: 'SF', targetValue: 'Coupa' }],
      dropped: { conflict: ['name'] },
    });
    expect(planRecord(base({ ...input, force: ['name'] }))).toMatchObject({ action: 'write', payload: { name: 'SF', note: 'n2' }, conflicts: [] });
  });

  it('quarantines a record written too often where a loop is possible, unless a write is forced', () => {
    const input = { payload: { a: 2 }, lastWritten: { a: 1 }, pingPong: { writes: 6, maxWrites: 6, windowMs: 300_000 } };
    expect(planRecord(base(input))).toMatchObject({ action: 'quarantine', reason: 'written 6 times in 300s' });
    expect(planRecord(base({ ...input, force: ['a'] }))).toMatchObject({ action: 'write' });
  });
});
