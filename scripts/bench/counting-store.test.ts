import { openCountingStore } from './counting-store';
import { Table } from './table';

describe('bench counting store', () => {
  it('counts the SQL statements and transactions a real store operation sends, from zero after reset', async () => {
    const c = await openCountingStore({ sqlitePath: ':memory:' });
    try {
      expect(c.snapshot()).toEqual({ statements: 0, transactions: 0 });
      await c.store.saveCheckpoint({ flow: 'flow-a', cursorTs: '2026-01-01T00:00:00.000Z', cursorId: '1', extra: {} });
      const afterWrite = c.snapshot();
      expect(afterWrite.statements).toBeGreaterThan(0);
      expect(await c.store.getCheckpoint('flow-a')).toMatchObject({ cursorId: '1' });
      expect(c.snapshot().statements).toBeGreaterThan(afterWrite.statements);
      c.reset();
      expect(c.snapshot()).toEqual({ statements: 0, transactions: 0 });
    } finally {
      await c.store.close();
    }
  });
});

describe('bench table', () => {
  it('renders one Markdown table and escapes pipes', () => {
    const t = new Table();
    t.add('flows', 'a | b', '1', 'x');
    const lines = t.render().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('a \\| b');
  });
});
