import { parseArgs, SECTIONS } from './args';

describe('bench arguments', () => {
  it('runs every section by default, sized by --quick', () => {
    const full = parseArgs([]);
    expect([...full.only]).toEqual([...SECTIONS]);
    expect(full.backfillInvoices).toBe(100_000);
    expect(parseArgs(['--quick']).backfillInvoices).toBe(1_000);
    expect(parseArgs(['--quick', '--backfill=20000']).backfillInvoices).toBe(20_000);
  });

  it('selects sections with --only, in either spelling', () => {
    expect([...parseArgs(['--only=naive,flows']).only].sort()).toEqual(['flows', 'naive']);
    expect([...parseArgs(['--only', 'engine', '--quick']).only]).toEqual(['engine']);
  });

  it('rejects what it does not know, saying what it accepts', () => {
    expect(() => parseArgs(['--only=flows,naiv'])).toThrow(/--only takes sections .*flows, naive.*got "flows,naiv"/);
    expect(() => parseArgs(['--only'])).toThrow('--only takes sections');
    expect(() => parseArgs(['--backfill=lots'])).toThrow('--backfill takes a whole number');
    expect(() => parseArgs(['--fast'])).toThrow('unknown option "--fast"');
  });
});
