import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Schema } from './schema';

function sourceFormatDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'sfmeta-'));
  const obj = join(root, 'force-app/main/default/objects/Widget__c');
  mkdirSync(join(obj, 'fields'), { recursive: true });
  writeFileSync(
    join(obj, 'Widget__c.object-meta.xml'),
    `<?xml version="1.0" encoding="UTF-8"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Widget</label><pluralLabel>Widgets</pluralLabel><nameField><label>Widget Number</label><type>AutoNumber</type><displayFormat>W-{000}</displayFormat></nameField><sharingModel>ControlledByParent</sharingModel></CustomObject>`,
  );
  writeFileSync(
    join(obj, 'fields/Account__c.field-meta.xml'),
    `<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Account__c</fullName><label>Account</label><type>MasterDetail</type><referenceTo>Account</referenceTo><relationshipName>Widgets</relationshipName></CustomField>`,
  );
  writeFileSync(
    join(obj, 'fields/Size__c.field-meta.xml'),
    `<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Size__c</fullName><label>Size</label><type>Picklist</type><valueSet><restricted>true</restricted><valueSetDefinition><value><fullName>S</fullName><default>false</default><label>Small</label></value><value><fullName>L</fullName><default>true</default><label>Large</label></value></valueSetDefinition></valueSet></CustomField>`,
  );
  writeFileSync(
    join(obj, 'fields/Total__c.field-meta.xml'),
    `<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Total__c</fullName><label>Total</label><type>Currency</type><formula>1+1</formula><precision>18</precision><scale>2</scale></CustomField>`,
  );
  const acct = join(root, 'force-app/main/default/objects/Account/fields');
  mkdirSync(acct, { recursive: true });
  writeFileSync(
    join(acct, 'Ext__c.field-meta.xml'),
    `<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Ext__c</fullName><label>Ext</label><type>Text</type><length>12</length><externalId>true</externalId><unique>true</unique></CustomField>`,
  );
  return root;
}

describe('schema from metadata', () => {
  const schema = new Schema([sourceFormatDir()]);

  it('creates custom objects from source format, with master-detail semantics', () => {
    const w = schema.object('widget__c');
    expect(w?.name).toBe('Widget__c');
    expect(w?.keyPrefix).toMatch(/^a[0-9A-Z]{2}$/);
    expect(w?.fields.some((f) => f.name === 'OwnerId')).toBe(false);
    const md = schema.field('Widget__c', 'account__c');
    expect(md).toMatchObject({ type: 'reference', required: true, cascadeDelete: true, relationshipName: 'Account__r', referenceTo: ['Account'] });
    expect(schema.childRelationship('Account', 'widgets__r')).toMatchObject({ childSObject: 'Widget__c', field: 'Account__c' });
    expect(schema.field('Widget__c', 'Name')).toMatchObject({ autoNumber: true, displayFormat: 'W-{000}', createable: false });
  });

  it('reads picklists, formulas and standard-object custom fields', () => {
    expect(schema.field('Widget__c', 'Size__c')).toMatchObject({ type: 'picklist', restrictedPicklist: true, defaultValue: 'L' });
    expect(schema.field('Widget__c', 'Total__c')).toMatchObject({ type: 'currency', calculated: true, createable: false });
    expect(schema.field('Account', 'Ext__c')).toMatchObject({ type: 'string', length: 12, externalId: true, unique: true });
    expect(schema.field('Account', 'Name')?.required).toBe(true);
    expect(schema.field('Account', 'Nope__c')).toBeUndefined();
  });
});
