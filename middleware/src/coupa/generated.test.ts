import fs from 'fs';
import path from 'path';
import { defaultSwaggerDir, generate, OUTPUT_DIR } from '../../../scripts/generate-coupa-types';
import { COUPA_SCHEMA } from './generated/schema';

describe('generated Coupa types', () => {
  const dir = defaultSwaggerDir();

  it('finds the Swagger files', () => {
    expect(dir).toBeDefined();
  });

  it('are up to date with the Swagger (run: npx tsx scripts/generate-coupa-types.ts)', () => {
    const expected = generate(dir!);
    for (const [file, content] of Object.entries(expected)) {
      expect(fs.readFileSync(path.join(OUTPUT_DIR, file), 'utf8')).toBe(content);
    }
  });

  it('describe the fields the connector relies on', () => {
    const inv = COUPA_SCHEMA.definitions[COUPA_SCHEMA.resources.invoices];
    expect(inv['invoice-number']).toMatchObject({ type: 'string' });
    expect(inv.status.enum).toContain('approved');
    expect(inv.supplier).toEqual({ type: 'object', ref: 'Supplier' });
    expect(COUPA_SCHEMA.definitions.Supplier.number.type).toBe('string');
    expect(COUPA_SCHEMA.definitions.Supplier['custom-fields'].type).toBe('custom-fields');
  });
});
