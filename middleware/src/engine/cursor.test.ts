import {
  alreadySeen,
  compareCursors,
  compareIds,
  maxCursor,
  normalizeTs,
  overlapStart,
  pruneSeen,
  seenMark
} from './cursor';
import { hashPayload, stableStringify } from './hash';
import { applyOwnership } from './ownership';

describe('cursors', () => {
  it('remembers a record by timestamp and content, and reads older timestamp-only marks', () => {
    const mark = seenMark('2026-01-01T00:00:05.000Z', 'abc');
    expect(alreadySeen(mark, '2026-01-01T00:00:05.000Z', 'abc')).toBe(true);
    expect(alreadySeen(mark, '2026-01-01T00:00:05.000Z', 'def')).toBe(false);
    expect(alreadySeen('2026-01-01T00:00:05.000Z', '2026-01-01T00:00:05.000Z', 'anything')).toBe(true);
    expect(alreadySeen(undefined, '2026-01-01T00:00:05.000Z', 'abc')).toBe(false);
    expect(
      pruneSeen(
        { a: mark, b: seenMark('2026-01-01T00:00:01.000Z', 'x') },
        { ts: '2026-01-01T00:00:05.000Z', id: 'a' },
        2000
      )
    ).toEqual({ a: mark });
  });

  it('orders numeric ids numerically and others as strings', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('010', '9')).toBeGreaterThan(0);
    expect(compareIds('001xx0000000001AAA', '001xx0000000002AAA')).toBeLessThan(0);
    expect(compareIds('b', 'a')).toBeGreaterThan(0);
  });

  it('compares timestamps in time order whatever the offset notation', () => {
    expect(normalizeTs('2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000Z');
    expect(
      compareCursors({ ts: '2026-01-01T00:30:00+01:00', id: '1' }, { ts: '2026-01-01T00:00:00Z', id: '2' })
    ).toBeLessThan(0);
    expect(
      compareCursors({ ts: '2026-01-01T00:00:00Z', id: '10' }, { ts: '2026-01-01T00:00:00.000Z', id: '9' })
    ).toBeGreaterThan(0);
    expect(() => normalizeTs('yesterday')).toThrow(/invalid record timestamp "yesterday"/);
  });

  it('starts reading one overlap window before the checkpoint and forgets what falls out of it', () => {
    const cp = { ts: '2026-01-01T00:10:00.000Z', id: '5' };
    expect(overlapStart(cp, 60_000)).toEqual({ ts: '2026-01-01T00:09:00.000Z', id: '' });
    expect(overlapStart(null, 60_000)).toBeNull();
    expect(pruneSeen({ a: '2026-01-01T00:08:59.999Z', b: '2026-01-01T00:09:00.000Z' }, cp, 60_000)).toEqual({
      b: '2026-01-01T00:09:00.000Z'
    });
    expect(maxCursor(cp, { ts: '2026-01-01T00:10:00.000Z', id: '4' })).toBe(cp);
  });

  it('re-reads only what a late commit could still add after the last read: (readAt − overlap, cursor]', () => {
    const cp = { ts: '2026-01-01T00:10:00.000Z', id: '5' };
    // read at the cursor's time: the whole window; 2 s after it: all but the first 2 s of it
    expect(overlapStart(cp, 60_000, '2026-01-01T00:10:00.000Z')).toEqual({ ts: '2026-01-01T00:09:00.000Z', id: '' });
    expect(overlapStart(cp, 60_000, '2026-01-01T00:10:02.000Z')).toEqual({ ts: '2026-01-01T00:09:02.000Z', id: '' });
    // read 30 s after it: only the last 30 s of the window can still change
    expect(overlapStart(cp, 60_000, '2026-01-01T00:10:30.000Z')).toEqual({ ts: '2026-01-01T00:09:30.000Z', id: '' });
    // read a window or more after it (a backlog, a quiet spell): resume at the cursor itself
    expect(overlapStart(cp, 60_000, '2026-01-01T00:11:00.000Z')).toBe(cp);
    expect(overlapStart(cp, 60_000, '2026-03-01T00:00:00.000Z')).toBe(cp);
    // unknown or unreadable readAt (checkpoints saved before it, stream ingests): the whole window
    expect(overlapStart(cp, 60_000, null)).toEqual({ ts: '2026-01-01T00:09:00.000Z', id: '' });
    expect(overlapStart(cp, 60_000, 'garbage')).toEqual({ ts: '2026-01-01T00:09:00.000Z', id: '' });
  });
});

describe('payload hashing', () => {
  it('ignores key order and undefined values', () => {
    expect(stableStringify({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    expect(hashPayload({ a: 1, b: 2 })).toBe(hashPayload({ b: 2, a: 1 }));
    expect(hashPayload({ a: 1 })).not.toBe(hashPayload({ a: '1' }));
  });
});

describe('field ownership', () => {
  it('drops fields owned by the other system', () => {
    const r = applyOwnership(
      { status: 'x', stage: 'y', name: 'n' },
      'coupa',
      { status: 'coupa', stage: 'salesforce' },
      null,
      null
    );
    expect(r).toEqual({ payload: { status: 'x', name: 'n' }, conflicts: [] });
  });

  it('flags an owner-less field changed on both sides since the last write, and only then', () => {
    const last = { name: 'A', note: 'n' };
    const both = applyOwnership({ name: 'B', note: 'n' }, 'coupa', {}, last, { name: 'C', note: 'n' });
    expect(both).toEqual({
      payload: { note: 'n' },
      conflicts: [{ field: 'name', sourceValue: 'B', targetValue: 'C' }]
    });
    expect(applyOwnership({ name: 'B' }, 'coupa', {}, last, { name: 'A' }).payload).toEqual({ name: 'B' });
    expect(applyOwnership({ name: 'C' }, 'coupa', {}, last, { name: 'C' }).conflicts).toEqual([]);
  });
});
