import { IdGenerator, checksum, normalizeId, to18 } from './ids';

describe('Salesforce Ids', () => {
  it('computes the case-safe suffix like Salesforce does', () => {
    // Known pair from Salesforce documentation examples.
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(checksum('00D8d0000000001')).toBe('EAA');
  });

  it('normalises 15-char and case-mangled 18-char Ids to the canonical 18-char form', () => {
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001a0000006vm9rIAC')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001A0000006Vm9')).toBeUndefined();
    expect(normalizeId('001A0000006Vm9r!!!')).toBeUndefined();
    expect(normalizeId(42)).toBeUndefined();
  });

  it('issues unique Ids with the key prefix', () => {
    const g = new IdGenerator();
    const a = g.next('001');
    const b = g.next('001');
    expect(a).toMatch(/^001[A-Za-z0-9]{15}$/);
    expect(a).not.toBe(b);
    expect(normalizeId(a)).toBe(a);
  });
});
