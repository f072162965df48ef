import { decide, nameCountryMatches, normaliseName, sameCountry } from './match';

describe('normaliseName', () => {
  it('folds accents, case, ampersands, punctuation and legal forms', () => {
    expect(normaliseName("O'Reilly & Söhne (Köln) 100%_ GmbH")).toBe('oreilly and sohne koln 100');
    expect(normaliseName('OReilly and Sohne (Koln) 100')).toBe('oreilly and sohne koln 100');
    expect(normaliseName('Acme, Inc.')).toBe(normaliseName('ACME'));
    expect(normaliseName('Straße AG')).toBe('strasse');
  });

  it('keeps a name made only of legal-form words, and is empty for nothing', () => {
    expect(normaliseName('The Company')).toBe('the company');
    expect(normaliseName(null)).toBe('');
    expect(normaliseName(' - ')).toBe('');
  });
});

describe('matching', () => {
  it('matches name + country, tolerating an unknown country', () => {
    const candidates = [
      { id: 'a', name: 'Acme GmbH', country: 'DE' },
      { id: 'b', name: 'ACME', country: 'US' },
      { id: 'c', name: 'Acme', country: null },
      { id: 'd', name: 'Acme Tools', country: 'DE' },
    ];
    expect(nameCountryMatches('Acme', 'de', candidates)).toEqual(['a', 'c']);
    expect(nameCountryMatches('', 'DE', candidates)).toEqual([]);
    expect(sameCountry('DE', '')).toBe(true);
    expect(sameCountry('DE', 'US')).toBe(false);
  });

  it('lets the first tier with results decide', async () => {
    const calls: string[] = [];
    const tier = (name: string, ids: string[]) => async () => {
      calls.push(name);
      return ids;
    };
    expect(await decide([tier('number', []), tier('name', ['x'])])).toEqual({ targetId: 'x' });
    expect(await decide([tier('number', ['y', 'y']), tier('name', ['x', 'z'])])).toEqual({ targetId: 'y' });
    expect(await decide([tier('number', ['p', 'q']), tier('never', ['r'])])).toEqual({ ambiguous: ['p', 'q'] });
    expect(calls).not.toContain('never');
    expect(await decide([tier('none', [])])).toEqual({ targetId: null });
  });
});
