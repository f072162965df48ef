import { Clock } from '../clock';
import { Dml } from '../data/dml';
import { Store } from '../data/store';
import { IdGenerator } from '../ids';
import { Schema } from '../schema/schema';
import { SfError } from '../errors';
import { runSoql } from './evaluate';

describe('SOQL evaluation', () => {
  const schema = new Schema([]);
  const store = new Store(schema);
  const clock = new Clock();
  clock.set(Date.UTC(2024, 5, 15, 12)); // Saturday 2024-06-15 12:00Z
  const dml = new Dml(schema, store, new IdGenerator(), clock, () => undefined);
  const ctx = { userId: '005000000000001AAA', api: 'rest' as const, version: '62.0' };
  const ids: Record<string, string> = {};
  ids.a = dml.create('Account', { Name: 'Alpha', NumberOfEmployees: 10 }, ctx);
  ids.b = dml.create('Account', { Name: 'beta', NumberOfEmployees: 20 }, ctx);
  ids.c = dml.create('Account', { Name: 'Gamma' }, ctx);
  dml.create('Opportunity', { Name: 'o1', StageName: 'Prospecting', CloseDate: '2024-06-14', AccountId: ids.a }, ctx);
  dml.create('Opportunity', { Name: 'o2', StageName: 'Prospecting', CloseDate: '2024-05-20', AccountId: ids.b }, ctx);
  dml.create('Opportunity', { Name: 'o3', StageName: 'Prospecting', CloseDate: '2024-06-17' }, ctx);

  const q = (soql: string, includeDeleted = false): Array<Record<string, unknown>> =>
    runSoql(soql, { schema, store, now: clock.now(), version: '62.0', includeDeleted }).records;
  const names = (soql: string): unknown[] => q(soql).map((r) => r.Name);

  it('rebuilds AND/OR/NOT precedence from the parser chain', () => {
    expect(names("SELECT Name FROM Account WHERE Name = 'alpha' OR Name = 'beta' AND NumberOfEmployees = 10 ORDER BY Name")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Account WHERE (Name = 'alpha' OR Name = 'beta') AND NumberOfEmployees = 20")).toEqual(['beta']);
    expect(names("SELECT Name FROM Account WHERE NOT (Name = 'alpha' OR Name = 'beta')")).toEqual(['Gamma']);
    expect(names("SELECT Name FROM Account WHERE NOT Name = 'alpha' AND NumberOfEmployees != null")).toEqual(['beta']);
  });

  it('!= and NOT IN include nulls, range operators exclude them', () => {
    expect(names('SELECT Name FROM Account WHERE NumberOfEmployees != 10 ORDER BY Name')).toEqual(['beta', 'Gamma']);
    expect(names('SELECT Name FROM Account WHERE NumberOfEmployees NOT IN (10) ORDER BY Name')).toEqual(['beta', 'Gamma']);
    expect(names('SELECT Name FROM Account WHERE NumberOfEmployees < 100 ORDER BY Name')).toEqual(['Alpha', 'beta']);
  });

  it('orders text case-insensitively, nulls first ascending and last descending', () => {
    expect(names('SELECT Name FROM Account ORDER BY Name')).toEqual(['Alpha', 'beta', 'Gamma']);
    expect(names('SELECT Name FROM Account ORDER BY NumberOfEmployees')).toEqual(['Gamma', 'Alpha', 'beta']);
    expect(names('SELECT Name FROM Account ORDER BY NumberOfEmployees DESC')).toEqual(['beta', 'Alpha', 'Gamma']);
  });

  it('evaluates date literals as UTC ranges relative to the emulator clock', () => {
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = YESTERDAY')).toEqual(['o1']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = THIS_MONTH ORDER BY Name')).toEqual(['o1', 'o3']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = LAST_MONTH')).toEqual(['o2']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = NEXT_WEEK')).toEqual(['o3']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate > TODAY')).toEqual(['o3']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate = N_DAYS_AGO:26')).toEqual(['o2']);
    expect(names('SELECT Name FROM Opportunity WHERE CloseDate IN (YESTERDAY, TOMORROW)')).toEqual(['o1']);
  });

  it('LIKE is case-insensitive with % and _ wildcards', () => {
    expect(names("SELECT Name FROM Account WHERE Name LIKE 'A%'")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Account WHERE Name LIKE '_eta'")).toEqual(['beta']);
  });

  it('FIELDS(STANDARD) expands to every standard field; FIELDS(ALL) needs LIMIT 200', () => {
    const rec = q(`SELECT FIELDS(STANDARD) FROM Account WHERE Id = '${ids.a}'`)[0];
    expect(rec).toHaveProperty('BillingCity');
    expect(() => q('SELECT FIELDS(ALL) FROM Account')).toThrow(SfError);
    expect(q('SELECT FIELDS(ALL) FROM Account LIMIT 1')).toHaveLength(1);
  });

  it('queryAll sees soft-deleted rows', () => {
    dml.remove('Account', ids.c, ctx);
    expect(names('SELECT Name FROM Account WHERE IsDeleted = true')).toEqual([]);
    expect(q('SELECT Name FROM Account WHERE IsDeleted = true', true).map((r) => r.Name)).toEqual(['Gamma']);
  });

  it('GROUP BY with HAVING on aggregates and grouped fields', () => {
    dml.create('Opportunity', { Name: 'o4', StageName: 'Closed Won', CloseDate: '2024-06-01', Amount: 5 }, ctx);
    const rows = q("SELECT StageName, COUNT(Id) c FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1");
    expect(rows).toEqual([{ attributes: { type: 'AggregateResult' }, StageName: 'Prospecting', c: 3 }]);
    const won = q("SELECT StageName, SUM(Amount) FROM Opportunity GROUP BY StageName HAVING StageName = 'closed won'");
    expect(won).toEqual([{ attributes: { type: 'AggregateResult' }, StageName: 'Closed Won', expr0: 5 }]);
  });

  it('rejects type mismatches the way a real org does', () => {
    const err = (soql: string): string => {
      try {
        q(soql);
      } catch (e) {
        return (e as SfError).errorCode;
      }
      return 'no error';
    };
    expect(err("SELECT Id FROM Account WHERE NumberOfEmployees = '10'")).toBe('INVALID_FIELD');
    expect(err('SELECT Id FROM Account WHERE Name = 10')).toBe('INVALID_FIELD');
    expect(err('SELECT Id FROM Opportunity WHERE CloseDate > 2024-01-01T00:00:00Z')).toBe('INVALID_FIELD');
    expect(err("SELECT Id FROM Account WHERE Id = 'xyz'")).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(err('SELECT Name, COUNT(Id) FROM Account')).toBe('MALFORMED_QUERY');
  });

  it('reads the escape sequences of quoted strings, in either case, and refuses a raw line break', () => {
    const odd = dml.create('Account', { Name: `line1\nline2\r\t"quoted" it's C:\\path\b\f` }, ctx);
    const escaped = `'line1\\nline2\\r\\t\\"quoted\\" it\\'s C:\\\\path\\b\\f'`;
    expect(q(`SELECT Id FROM Account WHERE Name = ${escaped}`).map((r) => r.Id)).toEqual([odd]);
    expect(q(`SELECT Id FROM Account WHERE Name IN ('x', ${escaped})`).map((r) => r.Id)).toEqual([odd]);
    expect(q(`SELECT Id FROM Account WHERE Name = 'line1\\Nline2\\R\\T\\"quoted\\" it\\'s C:\\\\path\\B\\F'`).map((r) => r.Id)).toEqual([odd]);
    const err = (soql: string) => {
      try {
        q(soql);
      } catch (e) {
        return (e as SfError).errorCode;
      }
      return 'no error';
    };
    expect(err("SELECT Id FROM Account WHERE Name = 'line1\nline2'")).toBe('MALFORMED_QUERY');
    expect(err("SELECT Id FROM Account WHERE Name = 'a\\qb'")).toBe('MALFORMED_QUERY');
  });
});
