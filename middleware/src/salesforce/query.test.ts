import { soqlQuote } from './query';

describe('soqlQuote', () => {
  it('escapes every SOQL escape sequence', () => {
    expect(soqlQuote('plain')).toBe("'plain'");
    expect(soqlQuote("O'Brien")).toBe("'O\\'Brien'");
    expect(soqlQuote('say "hi"')).toBe("'say \\\"hi\\\"'");
    expect(soqlQuote('C:\\dir\\')).toBe("'C:\\\\dir\\\\'");
    expect(soqlQuote('a\nb\r\nc\td\be\ff')).toBe("'a\\nb\\r\\nc\\td\\be\\ff'");
    expect(soqlQuote("\\'")).toBe("'\\\\\\''");
    expect(soqlQuote('')).toBe("''");
    expect(soqlQuote('Zürich – 東京')).toBe("'Zürich – 東京'");
  });

  it('leaves no raw line break or control character in the literal', () => {
    for (const v of ['x\n', '\r', '\t\t', '\b\f']) {
      expect([...soqlQuote(v)].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    }
  });

  it('refuses a control character SOQL cannot express, naming it', () => {
    expect(() => soqlQuote('a\u0000b')).toThrow('control character U+0000 at position 1');
    expect(() => soqlQuote('x\u001b[0m')).toThrow(/U\+001B/);
    expect(() => soqlQuote('\u007f')).toThrow(/U\+007F/);
  });
});
