import fs from 'fs';
import os from 'os';
import path from 'path';
import { loadMappingDir, parseMapping } from './compile';
import { MappingConfigError } from './errors';

const errorOf = (fn: () => unknown): MappingConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof MappingConfigError) return e;
    throw e;
  }
  throw new Error('expected a MappingConfigError');
};

const base = `
coupa: { resource: invoices }
salesforce: { object: Coupa_Invoice__c, externalId: Coupa_Invoice_Id__c }
transforms:
  text: "$string($)"
fields:
  - { coupa: id, salesforce: Coupa_Invoice_Id__c, transform: text }
`;

describe('parseMapping', () => {
  it('compiles a valid file and names it after the file', () => {
    const m = parseMapping(base, 'config/mappings/invoice-status.yaml');
    expect(m.name).toBe('invoice-status');
    expect(m.fields[0]).toMatchObject({ index: 0, owner: 'coupa', transforms: [{ name: 'text' }] });
  });

  it('reports structural errors with file and path', () => {
    const e = errorOf(() =>
      parseMapping(base + '  - { coupa: status, salesforce: Status__c, owner: sales }\n  - { coupa: total, ownr: coupa }\n', 'config/mappings/invoice-status.yaml'),
    );
    expect(e.message).toContain('config/mappings/invoice-status.yaml: fields[1].owner: Invalid option: expected one of "coupa"|"salesforce"');
    expect(e.message).toContain('config/mappings/invoice-status.yaml: fields[2]: Unrecognized key: "ownr"');
  });

  it('requires the target side of the owner and a source unless computed', () => {
    const e = errorOf(() => parseMapping(base + '  - { coupa: status, owner: coupa }\n  - { salesforce: PO_Number__c, owner: coupa }\n', 'm.yaml'));
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'fields[1].salesforce: is required: the salesforce field this coupa-owned value is written to',
      'fields[2].coupa: is required unless the field has an expression or a constant value',
    ]);
  });

  it('reports bad JSONata and unknown transforms', () => {
    const e = errorOf(() => parseMapping(base + '  - { coupa: status, salesforce: Status__c, expression: "$uppercase(" , transform: [text, nope] }\n', 'm.yaml'));
    expect(e.issues.map((i) => i.path)).toEqual(['fields[1].transform[1]', 'fields[1].expression']);
    expect(e.message).toContain("unknown transform 'nope' (defined: text)");
    expect(e.message).toContain('invalid JSONata expression');
  });

  it('reports YAML syntax errors with a line number', () => {
    const e = errorOf(() => parseMapping('coupa: [unclosed\n', 'bad.yaml'));
    expect(e.message).toMatch(/^bad\.yaml: line \d+: invalid YAML/);
  });

  it('requires the external id to be mapped', () => {
    const e = errorOf(() => parseMapping(base.replace('Coupa_Invoice_Id__c }', 'Other__c }'), 'm.yaml'));
    expect(e.message).toContain('m.yaml: salesforce.externalId: Other__c is not mapped by any field');
  });
});

describe('loadMappingDir', () => {
  it('loads every mapping file and reports all broken files at once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mappings-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.yaml'), base);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      expect(loadMappingDir(dir, dir).map((m) => m.name)).toEqual(['a']);
      fs.writeFileSync(path.join(dir, 'b.yaml'), 'coupa: {}\n');
      fs.writeFileSync(path.join(dir, 'c.yml'), base.replace('transform: text', 'transform: txt'));
      const e = errorOf(() => loadMappingDir(dir, dir));
      expect(new Set(e.issues.map((i) => i.file))).toEqual(new Set(['b.yaml', 'c.yml']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
