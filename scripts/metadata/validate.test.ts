import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateProject, type Issue } from './validate';

const repo = path.resolve(__dirname, '..', '..');
const objects = 'force-app/main/default/objects';

/** A throw-away copy of the real project, to break one thing at a time. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdcheck-'));
  for (const d of ['force-app', 'scratch-org-setup']) {
    fs.cpSync(path.join(repo, d), path.join(dir, d), { recursive: true, filter: (src) => !src.includes('__tests__') });
  }
  fs.copyFileSync(path.join(repo, 'sfdx-project.json'), path.join(dir, 'sfdx-project.json'));
  return dir;
}

const edit = (dir: string, rel: string, fn: (s: string) => string) => {
  const p = path.join(dir, rel);
  const before = fs.readFileSync(p, 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`mutation did not change ${rel}`);
  fs.writeFileSync(p, after);
};
const write = (dir: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};
const codes = (issues: Issue[]) => issues.map((i) => i.code);

describe('validateProject', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyProject();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts the package as committed and converts it to metadata-API format', async () => {
    expect(await validateProject(repo)).toEqual([]);
  }, 60_000);

  it('keeps scratch-org-setup out of the package directories, so a plain deploy never replaces Account Type values', async () => {
    const project = JSON.parse(fs.readFileSync(path.join(repo, 'sfdx-project.json'), 'utf8')) as { packageDirectories: Array<{ path: string }> };
    expect(project.packageDirectories.map((d) => d.path)).toEqual(['force-app']);

    edit(dir, 'sfdx-project.json', (s) => s.replace('"packageDirectories": [', '"packageDirectories": [\n    { "path": "scratch-org-setup", "default": false },'));
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'ORG_SETUP_IN_PACKAGE',
        file: 'scratch-org-setup/main/default/standardValueSets/AccountType.standardValueSet-meta.xml',
        message: expect.stringContaining("would replace the org's values on every deploy")
      })
    ]);
  });

  it('still checks scratch-org-setup although it is no package directory', async () => {
    edit(dir, 'scratch-org-setup/main/default/standardValueSets/AccountType.standardValueSet-meta.xml', (s) =>
      s.replace('</fullName>', '')
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'XML_MALFORMED', file: expect.stringContaining('AccountType.standardValueSet-meta.xml') })
    ]);
  });

  it('reports malformed XML with its line', async () => {
    edit(dir, `${objects}/Coupa_Invoice__c/fields/Paid__c.field-meta.xml`, (s) => s.replace('</label>', ''));
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'XML_MALFORMED', file: expect.stringContaining('Paid__c.field-meta.xml') });
    expect(issues[0].message).toMatch(/line \d+/);
  });

  it('reports a field without a type', async () => {
    edit(dir, `${objects}/Coupa_Invoice__c/fields/Invoice_Date__c.field-meta.xml`, (s) =>
      s.replace(/\s*<type>Date<\/type>/, '')
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'FIELD_INVALID', message: 'Coupa_Invoice__c.Invoice_Date__c: missing <type>' })
    ]);
  });

  it.each([
    ['Text without length', 'Account/fields/Coupa_Supplier_Id__c', /<length>40<\/length>/, '', /Text needs <length>/],
    [
      'Currency without precision',
      'Coupa_Invoice__c/fields/Gross_Total__c',
      /<precision>16<\/precision>/,
      '',
      /Currency needs <precision>/
    ],
    [
      'scale above precision',
      'Coupa_Invoice__c/fields/Gross_Total__c',
      /<scale>2<\/scale>/,
      '<scale>17</scale>',
      /scale/
    ],
    [
      'Lookup without relationshipName',
      'Coupa_Invoice__c/fields/Account__c',
      /<relationshipName>[^<]*<\/relationshipName>/,
      '',
      /Lookup needs <relationshipName>/
    ],
    [
      'Picklist without values',
      'Coupa_Invoice__c/fields/Status__c',
      /<valueSet>[\s\S]*<\/valueSet>/,
      '',
      /Picklist needs a <valueSet>/
    ],
    [
      'duplicate picklist value',
      'Coupa_Invoice__c/fields/Status__c',
      /<fullName>draft<\/fullName>/,
      '<fullName>new</fullName>',
      /duplicate picklist value "new"/
    ],
    [
      'LongTextArea without visibleLines',
      'Coupa_Onboarding_Request__c/fields/Error__c',
      /<visibleLines>3<\/visibleLines>/,
      '',
      /LongTextArea needs <visibleLines>/
    ],
    [
      'External ID on a Date',
      'Coupa_Invoice__c/fields/Due_Date__c',
      /<type>Date<\/type>/,
      '<type>Date</type><externalId>true</externalId>',
      /externalId> is not allowed on Date/
    ],
    [
      'unknown type',
      'Coupa_Invoice__c/fields/Due_Date__c',
      /<type>Date<\/type>/,
      '<type>Dat</type>',
      /unknown field type "Dat"/
    ],
    [
      'fullName differing from the file',
      'Coupa_Invoice__c/fields/Due_Date__c',
      /<fullName>Due_Date__c<\/fullName>/,
      '<fullName>Other__c</fullName>',
      /does not match the file name/
    ]
  ])('reports %s', async (_name, file, find, replace, message) => {
    edit(dir, `${objects}/${file}.field-meta.xml`, (s) => s.replace(find, replace));
    const issues = await validateProject(dir, { convert: false });
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues.map((i) => i.message).join('\n')).toMatch(message);
    expect(codes(issues).every((c) => c === 'FIELD_INVALID' || c === 'FIELD_NAME_MISMATCH')).toBe(true);
  });

  it('reports a lookup to an object that does not exist', async () => {
    edit(dir, `${objects}/Coupa_Invoice__c/fields/Opportunity__c.field-meta.xml`, (s) =>
      s.replace('<referenceTo>Opportunity</referenceTo>', '<referenceTo>Oportunity</referenceTo>')
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'LOOKUP_TARGET_MISSING', message: expect.stringContaining('Oportunity') })
    ]);
  });

  it('reports permission-set references to missing objects and fields, and to required fields', async () => {
    const ps = 'force-app/main/default/permissionsets/Coupa_Viewer.permissionset-meta.xml';
    edit(dir, ps, (s) =>
      s
        .replace('<field>Coupa_Invoice__c.Paid__c</field>', '<field>Coupa_Invoice__c.Payed__c</field>')
        .replace('<field>Account.Coupa_Risk_Level__c</field>', '<field>Acount.Coupa_Risk_Level__c</field>')
        .replace('<object>Coupa_Spend_Summary__c</object>', '<object>Ghost__c</object>')
        .replace('<field>Account.Coupa_Risk_Score__c</field>', '<field>Coupa_Onboarding_Request__c.Account__c</field>')
    );
    const issues = await validateProject(dir, { convert: false });
    expect(codes(issues).sort()).toEqual([
      'PERMSET_REQUIRED_FIELD',
      'PERMSET_UNKNOWN_FIELD',
      'PERMSET_UNKNOWN_OBJECT',
      'PERMSET_UNKNOWN_OBJECT'
    ]);
    const messages = issues.map((i) => i.message).join('\n');
    for (const name of ['Payed__c', 'Acount', 'Ghost__c', 'Coupa_Onboarding_Request__c.Account__c'])
      expect(messages).toContain(name);
  });

  it('keeps the integration permission set equal to what the flow catalog and its mappings need', async () => {
    fs.cpSync(path.join(repo, 'config', 'mappings'), path.join(dir, 'config', 'mappings'), { recursive: true });
    expect(await validateProject(dir, { convert: false })).toEqual([]);

    const ps = 'force-app/main/default/permissionsets/Coupa_Integration_User.permissionset-meta.xml';
    edit(dir, ps, (s) =>
      s
        // a field supplier-risk writes is no longer granted
        .replace(/\s*<fieldPermissions>\s*<editable>true<\/editable>\s*<field>Account\.Coupa_Risk_Level__c<\/field>\s*<readable>true<\/readable>\s*<\/fieldPermissions>/, '')
        // and delete on Contracts, which no flow needs, is
        .replace(/(<allowDelete>)false(<\/allowDelete>\s*<allowEdit>true<\/allowEdit>\s*<allowRead>true<\/allowRead>\s*<modifyAllRecords>false<\/modifyAllRecords>\s*<object>Contract<\/object>)/, '$1true$2')
    );
    // a mapping starts writing a custom field the permission set does not grant
    edit(dir, 'config/mappings/supplier-risk.yaml', (s) => s.replace('fields:\n', 'fields:\n  - { coupa: number-field-02, salesforce: Coupa_Risk_Trend__c }\n'));
    const issues = await validateProject(dir, { convert: false });
    expect(codes(issues)).toEqual(['PERMSET_CATALOG', 'PERMSET_CATALOG', 'PERMSET_CATALOG']);
    expect(issues.map((i) => i.message).sort()).toEqual([
      'Contract: allowDelete is granted but no flow in the catalog needs it',
      'fieldPermissions for Account.Coupa_Risk_Level__c must be readable (needed by supplier-risk)',
      'fieldPermissions for Account.Coupa_Risk_Trend__c must be readable (needed by supplier-risk)'
    ]);
  });

  it('refuses a permission set that grants Modify All Data', async () => {
    edit(dir, 'force-app/main/default/permissionsets/Coupa_Integration_User.permissionset-meta.xml', (s) =>
      s.replace(
        '<name>ApiEnabled</name>',
        '<name>ApiEnabled</name>\n    </userPermissions>\n    <userPermissions>\n        <enabled>true</enabled>\n        <name>ModifyAllData</name>'
      )
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'PERMSET_POLICY', message: expect.stringContaining('ModifyAllData') })
    ]);
  });

  it('reports an LWC bundle without its -meta.xml, and a schema import of a missing field', async () => {
    write(
      dir,
      'force-app/main/default/lwc/brokenPanel/brokenPanel.js',
      "import STATUS from '@salesforce/schema/Account.Coupa_Risk_Levl__c';\nexport default STATUS;\n"
    );
    const issues = await validateProject(dir, { convert: false });
    expect(codes(issues).sort()).toEqual(['LWC_META_MISSING', 'LWC_SCHEMA_UNKNOWN']);
    expect(issues.find((i) => i.code === 'LWC_SCHEMA_UNKNOWN')!.message).toContain('Coupa_Risk_Levl__c');
  });

  it('reports a change-event channel member for an unknown object', async () => {
    write(
      dir,
      'force-app/main/default/platformEventChannelMembers/ChangeEvents_Ghost__ChangeEvent.platformEventChannelMember-meta.xml',
      '<?xml version="1.0" encoding="UTF-8"?>\n<PlatformEventChannelMember xmlns="http://soap.sforce.com/2006/04/metadata">\n<eventChannel>ChangeEvents</eventChannel>\n<selectedEntity>Ghost__ChangeEvent</selectedEntity>\n</PlatformEventChannelMember>\n'
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([expect.objectContaining({ code: 'CHANNEL_MEMBER_UNKNOWN' })]);
  });

  it('reports a wrong root element', async () => {
    edit(dir, `${objects}/Coupa_Invoice__c/fields/Paid__c.field-meta.xml`, (s) =>
      s.replace(/CustomField/g, 'CustomFeld')
    );
    const issues = await validateProject(dir, { convert: false });
    expect(issues).toEqual([
      expect.objectContaining({ code: 'XML_ROOT', message: 'root element is <CustomFeld>, expected <CustomField>' })
    ]);
  });

  it('converts an intact copy without issues', async () => {
    expect(await validateProject(dir)).toEqual([]);
  }, 60_000);

  it('reports a conversion failure from the SDR converter', async () => {
    write(
      dir,
      `${objects}/Coupa_Invoice__c/Stray.fields-meta.xml`,
      '<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><label>x</label></CustomField>\n'
    );
    const issues = await validateProject(dir);
    expect(issues).toEqual([expect.objectContaining({ code: 'CONVERT_FAILED' })]);
  }, 60_000);
});
