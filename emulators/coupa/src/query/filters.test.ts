import { splitKey } from './filters';
import { dashKey, dashKeys } from '../keys';
import { parseCoupaDate, formatWithOffset } from '../clock';
import { parseFaults } from '../faults';

describe('query key parsing', () => {
  it('splits bracketed filter keys', () => {
    expect(splitKey('supplier[primary-contact][email][contains]')).toEqual(['supplier', 'primary-contact', 'email', 'contains']);
    expect(splitKey('updated_at[gt]')).toEqual(['updated_at', 'gt']);
    expect(splitKey('status')).toEqual(['status']);
  });

  it('normalises underscores to dashes but keeps a leading underscore', () => {
    expect(dashKey('invoice_number')).toBe('invoice-number');
    expect(dashKey('_delete')).toBe('_delete');
    expect(dashKeys({ order_lines: [{ unit_price: 1, _delete: true }] })).toEqual({ 'order-lines': [{ 'unit-price': 1, _delete: true }] });
  });
});

describe('dates', () => {
  it('parses the forms Coupa accepts; date-only is midnight UTC', () => {
    expect(parseCoupaDate('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(parseCoupaDate('9/12/2019')).toBe(Date.UTC(2019, 8, 12));
    expect(parseCoupaDate('2019-08-13T00:00:00Z')).toBe(Date.UTC(2019, 7, 13));
    expect(parseCoupaDate('2016-10-07T06:59:46-07:00')).toBe(Date.UTC(2016, 9, 7, 13, 59, 46));
    expect(parseCoupaDate('yesterday')).toBeUndefined();
  });

  it('formats in the instance offset', () => {
    expect(formatWithOffset(Date.UTC(2016, 9, 7, 13, 59, 46), '-07:00')).toBe('2016-10-07T06:59:46-07:00');
  });
});

describe('fault specs', () => {
  it('parses the CLI shorthand', () => {
    expect(parseFaults('status:503:2,latency:200,shift:-1')).toEqual([
      { kind: 'status', status: 503, times: 2 },
      { kind: 'latency', ms: 200 },
      { kind: 'shift', by: -1 },
    ]);
  });
});
