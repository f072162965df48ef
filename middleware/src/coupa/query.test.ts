import { buildListParams, projectionFromPaths } from './query';

describe('projectionFromPaths', () => {
  it('nests association paths and requests custom fields as a whole', () => {
    expect(projectionFromPaths(['id', 'name', 'supplier.number', 'supplier.id', 'custom-fields.salesforce-account-id', 'currency.code'])).toEqual([
      'id',
      'name',
      { supplier: ['number', 'id'] },
      { 'custom-fields': {} },
      { currency: ['code'] },
    ]);
  });
});

describe('buildListParams', () => {
  it('serialises filters, projection and ordering as Coupa documents them', () => {
    const p = buildListParams({
      filters: { 'status[in]': ['approved', 'voided'], 'updated-at[gt_or_eq]': new Date('2026-01-02T03:04:05Z'), exported: false, skip: undefined },
      fields: ['id', { supplier: ['number'] }],
      orderBy: 'updated-at',
      dir: 'asc',
    });
    expect(p.get('status[in]')).toBe('approved,voided');
    expect(p.get('updated-at[gt_or_eq]')).toBe('2026-01-02T03:04:05.000Z');
    expect(p.get('exported')).toBe('false');
    expect(p.has('skip')).toBe(false);
    expect(p.get('fields')).toBe('["id",{"supplier":["number"]}]');
    expect(p.get('order_by')).toBe('updated-at');
    expect(p.toString()).toContain('status%5Bin%5D=approved%2Cvoided');
  });
});
