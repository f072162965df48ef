import { openStateStore, type StateStore } from '../../store';
import { listQuarantineCommand, releaseQuarantineCommand } from './quarantine';

describe('coupa-sf quarantine', () => {
  let store: StateStore;
  let lines: string[];
  const out = (line: string) => void lines.push(line);
  beforeEach(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
    lines = [];
  });
  afterEach(() => store.close());

  it('lists quarantined records and releases one (audited as cli), refusing a second release', async () => {
    expect(await listQuarantineCommand(store, out)).toBe(0);
    expect(lines).toEqual(['no quarantined records']);
    await store.quarantine('contract-sync', 'coupa:contracts:7', 'written 6 times in 300s');
    lines = [];
    await listQuarantineCommand(store, out);
    expect(lines).toEqual([expect.stringMatching(/^contract-sync\tcoupa:contracts:7\tsince .+\twritten 6 times in 300s$/)]);

    lines = [];
    expect(await releaseQuarantineCommand(store, 'contract-sync', 'coupa:contracts:7', out)).toBe(0);
    expect(lines[0]).toContain('released coupa:contracts:7 in contract-sync');
    expect(await store.listQuarantine()).toEqual([]);
    expect((await store.listAudit({ action: 'quarantine.release' }))[0]).toMatchObject({ actor: 'cli' });

    lines = [];
    expect(await releaseQuarantineCommand(store, 'contract-sync', 'coupa:contracts:7', out)).toBe(1);
    expect(lines[0]).toContain('already released');
    expect(await releaseQuarantineCommand(store, 'contract-sync', 'coupa:contracts:8', out)).toBe(1);
    expect(lines[1]).toContain('is not quarantined');
  });

  it('is wired into the command line', async () => {
    const { buildCli } = await import('../main');
    const q = buildCli().commands.find((c) => c.name() === 'quarantine');
    expect(q?.commands.map((c) => c.name())).toEqual(['list', 'release']);
  });
});
