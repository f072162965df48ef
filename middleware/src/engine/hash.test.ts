import { createHash } from 'node:crypto';
import { hashPayload, sameValue, stableStringify } from './hash';

describe('sameValue', () => {
  it('compares structurally, key order aside', () => {
    expect(sameValue({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
  });

  it("takes Coupa's decimal strings for the numbers they are, and nothing else", () => {
    expect(sameValue('120000.0', 120000)).toBe(true);
    expect(sameValue(42.5, '42.50')).toBe(true);
    expect(sameValue('-3', -3)).toBe(true);
    expect(sameValue('120000.1', 120000)).toBe(false);
    expect(sameValue('', 0)).toBe(false);
    expect(sameValue('1e3', 1000)).toBe(false);
    expect(sameValue('01234', '1234')).toBe(false); // two strings stay strings (postal codes)
    expect(sameValue(true, 'true')).toBe(false);
  });

  it('hashes equal payloads equally', () => {
    expect(hashPayload({ x: 1, y: 'a' })).toBe(hashPayload({ y: 'a', x: 1 }));
  });

  it('serialises to the text stored hashes were made from (sorted keys, undefined dropped or null, holes empty)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const value = { b: [1, undefined, { d: 1, c: undefined }, , 'é"'], a: 'x', 10: true, 9: null, B: new Date(0) };
    const text = '{"10":true,"9":null,"B":"1970-01-01T00:00:00.000Z","a":"x","b":[1,null,{"d":1},,"é\\""]}';
    expect(stableStringify(value)).toBe(text);
    expect(hashPayload(value)).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
