import { decimalString } from './render';
import { Collection, Store } from './store';

describe('Collection', () => {
  it('serves virtual rows lazily and lets writes overlay them', () => {
    let generated = 0;
    const c = new Collection('things');
    c.setVirtual(1000, (id) => {
      generated++;
      return { id, name: `thing ${id}`, n: id % 7 };
    });
    expect(c.get(500)).toEqual({ id: 500, name: 'thing 500', n: 3 });
    expect(generated).toBe(1);
    c.put({ id: 500, name: 'changed', n: 3 });
    expect(c.get(500)!.name).toBe('changed');
    expect(c.newId()).toBe(1001);
    expect(c.delete(2)).toBe(true);
    expect(c.get(2)).toBeUndefined();
    const first = [];
    for (const r of c.scan()) {
      first.push(r.id);
      if (first.length === 3) break;
    }
    expect(first).toEqual([1, 3, 4]);
  });

  it('keeps lookup indexes in step with puts and deletes', () => {
    const c = new Collection('users');
    c.put({ id: 1, login: 'a' });
    c.put({ id: 2, login: 'b' });
    expect(c.lookup('login', 'a').map((r) => r.id)).toEqual([1]);
    c.put({ id: 1, login: 'z' });
    expect(c.lookup('login', 'a')).toEqual([]);
    expect(c.lookup('login', 'z').map((r) => r.id)).toEqual([1]);
    c.delete(2);
    expect(c.lookup('login', 'b')).toEqual([]);
  });

  it('bumps the store version on every write', () => {
    const s = new Store();
    const v = s.version;
    s.collection('x').put({ id: 1 });
    expect(s.version).toBeGreaterThan(v);
  });
});

describe('decimals', () => {
  it('render the way Ruby BigDecimal does in Coupa JSON', () => {
    expect(decimalString(510)).toBe('510.0');
    expect(decimalString(567.07)).toBe('567.07');
    expect(decimalString(-0.5)).toBe('-0.5');
  });
});
