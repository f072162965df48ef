import path from 'node:path';
import { loadCatalog } from '../metadata/catalog';
import { loadLineItems, loadPlan, resolveRefs } from './plan';

const repo = path.resolve(__dirname, '..', '..');
const dataDir = path.join(repo, 'data');

describe('sample data', () => {
  const records = loadPlan(dataDir);
  const catalog = loadCatalog(path.join(repo, 'force-app/main/default/objects'));

  it('has vendor Accounts, Opportunities, Contracts and Opportunity products', () => {
    const count = (type: string) => records.filter((r) => r.type === type).length;
    expect(records.filter((r) => r.type === 'Account' && r.fields.Type === 'Vendor').length).toBeGreaterThanOrEqual(3);
    expect(count('Opportunity')).toBeGreaterThanOrEqual(3);
    expect(count('Contract')).toBeGreaterThanOrEqual(2);
    expect(loadLineItems(dataDir).lines.length).toBeGreaterThanOrEqual(3);
  });

  it('uses only fields that exist, with valid restricted picklist values', () => {
    const problems: string[] = [];
    for (const r of records) {
      for (const [name, value] of Object.entries(r.fields)) {
        const field = catalog.get(r.type)?.get(name);
        if (!field) problems.push(`${r.referenceId}: ${r.type}.${name} does not exist`);
        else if (field.picklist?.restricted && value !== null && !field.picklist.values.includes(String(value))) {
          problems.push(`${r.referenceId}: ${String(value)} is not a value of ${r.type}.${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('resolves every reference to a record created earlier in the plan', () => {
    const ids = new Map<string, string>();
    records.forEach((r, i) => {
      expect(() => resolveRefs(r.fields, ids)).not.toThrow();
      ids.set(r.referenceId, `id${i}`);
    });
    const items = loadLineItems(dataDir);
    for (const line of items.lines) {
      expect(ids.has(line.opportunity)).toBe(true);
      expect(items.listPrices[line.product]).toBeGreaterThan(0);
    }
  });

  it('rejects a reference that does not resolve', () => {
    expect(() => resolveRefs({ AccountId: '@Nobody' }, new Map())).toThrow(
      'unresolved reference @Nobody in field AccountId'
    );
  });

  it('keeps Coupa supplier ids unique', () => {
    const supplierIds = records.map((r) => r.fields.Coupa_Supplier_Id__c).filter(Boolean);
    expect(new Set(supplierIds).size).toBe(supplierIds.length);
  });
});
