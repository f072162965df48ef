import { addMonths, contractTerm } from './functions';
import { compileMapping } from './compile';

describe('mapping functions: Salesforce contract month arithmetic', () => {
  it('adds months clamped to the month end, never overflowing into the next month', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2026-11-30', 1)).toBe('2026-12-30');
    expect(addMonths('2026-12-15', 2)).toBe('2027-02-15');
    expect(addMonths('2026-03-31T10:00:00-08:00', -1)).toBe('2026-02-28');
    expect(addMonths('not a date', 1)).toBeNull();
  });

  it('turns an inclusive end date into the ContractTerm whose Salesforce EndDate is nearest', () => {
    const cases: Array<[string, string, number | null]> = [
      ['2026-01-01', '2026-12-31', 12],
      ['2026-01-31', '2026-02-28', 1], // was 2 (EndDate came back as Mar 30)
      ['2026-01-31', '2026-02-27', 1], // what Salesforce itself shows for a 1-month term from Jan 31
      ['2026-11-30', '2026-12-29', 1],
      ['2026-01-31', '2026-03-30', 2],
      ['2026-01-15', '2026-02-14', 1],
      ['2026-01-15', '2026-01-20', null], // shorter than a month: no term
      ['2026-05-01', '2026-04-01', null]
    ];
    expect(cases.map(([s, e]) => contractTerm(s, e))).toEqual(cases.map((c) => c[2]));
  });

  it('are callable from a mapping expression', async () => {
    const { mapping, issues } = compileMapping(
      {
        description: 'test',
        coupa: { resource: 'contracts' },
        salesforce: { object: 'Contract' },
        fields: [{ coupa: 'end-date', salesforce: 'ContractTerm', expression: "$contractTerm($record.`start-date`, $)" }]
      },
      'test.yaml'
    );
    expect(issues).toEqual([]);
    const { mapRecord } = await import('./mapper');
    const out = await mapRecord(mapping!, 'coupa-to-salesforce', { 'start-date': '2026-01-31', 'end-date': '2026-02-28' });
    expect(out.payload).toEqual({ ContractTerm: 1 });
  });
});
