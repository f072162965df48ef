/**
 * Offline validation of the SFDX source in force-app/ (and the scratch-org setup beside it): the checks a deploy
 * would make that the source-deploy-retrieve converter does not (it only checks file layout).
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { asArray, checkFieldAttributes, type FieldXml } from './field-rules';
import { STANDARD_OBJECTS, isStandardObject } from './standard-objects';
import { convertSource } from './convert';
import { catalogPermissionGaps, INTEGRATION_PERMISSION_SET } from './permission-catalog';

export type IssueCode =
  | 'XML_MALFORMED'
  | 'XML_ROOT'
  | 'OBJECT_INVALID'
  | 'FIELD_INVALID'
  | 'FIELD_NAME_MISMATCH'
  | 'LOOKUP_TARGET_MISSING'
  | 'PERMSET_UNKNOWN_OBJECT'
  | 'PERMSET_UNKNOWN_FIELD'
  | 'PERMSET_REQUIRED_FIELD'
  | 'PERMSET_INCONSISTENT'
  | 'PERMSET_POLICY'
  | 'PERMSET_CATALOG'
  | 'LWC_META_MISSING'
  | 'LWC_SCHEMA_UNKNOWN'
  | 'QUICK_ACTION_TARGET_MISSING'
  | 'CHANNEL_MEMBER_UNKNOWN'
  | 'ORG_SETUP_IN_PACKAGE'
  | 'CONVERT_FAILED';

export interface Issue {
  code: IssueCode;
  file: string;
  message: string;
}

export interface ValidateOptions {
  /** Also run the SDR converter (slower; on by default). */
  convert?: boolean;
  apiVersion?: string;
}

/** Permissions a package permission set must never grant: the integration user gets least privilege. */
const FORBIDDEN_USER_PERMISSIONS = [
  'ModifyAllData',
  'ViewAllData',
  'ManageUsers',
  'AuthorApex',
  'CustomizeApplication'
];

/**
 * Folders of org settings deployed on purpose by a script (scratch orgs only), never by a plain
 * `sf project deploy start`: validated and converted like the package, but they must not be package directories.
 */
export const ORG_SETUP_DIRS = ['scratch-org-setup'];

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: true, trimValues: true });

interface FieldInfo {
  file: string;
  required: boolean;
  type?: string;
}

interface Model {
  objects: Map<string, { file?: string; fields: Map<string, FieldInfo> }>;
}

export async function validateProject(projectDir: string, options: ValidateOptions = {}): Promise<Issue[]> {
  const issues: Issue[] = [];
  const rel = (p: string) => path.relative(projectDir, p);
  const add = (code: IssueCode, file: string, message: string) => issues.push({ code, file: rel(file), message });

  const packageDirs = readPackageDirs(projectDir);
  // A standard value set replaces the org's whole picklist (Account Type…) when deployed: a package directory that
  // carries one would do that on any plain deploy, in production too.
  for (const d of packageDirs) {
    for (const f of walk(path.join(projectDir, d)).filter((f) => f.endsWith('.standardValueSet-meta.xml'))) {
      add(
        'ORG_SETUP_IN_PACKAGE',
        f,
        `a standard value set in package directory ${d} would replace the org's values on every deploy; keep it in ${ORG_SETUP_DIRS[0]}/ (deployed by scripts/scratch-org/create.sh only) and out of sfdx-project.json's packageDirectories`
      );
    }
  }
  const setupDirs = ORG_SETUP_DIRS.filter((d) => !packageDirs.includes(d) && fs.existsSync(path.join(projectDir, d)));
  const sourceDirs = [...packageDirs, ...setupDirs];
  const files = sourceDirs.flatMap((d) => walk(path.join(projectDir, d)));

  const parsed = new Map<string, Record<string, unknown>>();
  for (const file of files.filter((f) => f.endsWith('-meta.xml') || f.endsWith('.xml'))) {
    const text = fs.readFileSync(file, 'utf8');
    const result = XMLValidator.validate(text);
    if (result !== true) {
      add('XML_MALFORMED', file, `${result.err.msg} (line ${result.err.line}, column ${result.err.col})`);
      continue;
    }
    parsed.set(file, parser.parse(text) as Record<string, unknown>);
  }
  const wrongRoot = new Set<string>();
  const root = (file: string, expected: string): Record<string, unknown> | undefined => {
    const doc = parsed.get(file);
    if (!doc) return undefined;
    const el = doc[expected];
    if (el === undefined) {
      if (wrongRoot.has(file)) return undefined;
      wrongRoot.add(file);
      const actual = Object.keys(doc).find((k) => k !== '?xml') ?? '(none)';
      add('XML_ROOT', file, `root element is <${actual}>, expected <${expected}>`);
      return undefined;
    }
    return (el && typeof el === 'object' ? el : {}) as Record<string, unknown>;
  };

  const model = buildModel(files, root, add);
  checkLookups(files, root, model, add);
  checkPermissionSets(files, root, model, add);
  for (const file of files.filter((f) => path.basename(f) === INTEGRATION_PERMISSION_SET)) {
    const ps = root(file, 'PermissionSet');
    for (const gap of ps ? catalogPermissionGaps(projectDir, ps) : []) add('PERMSET_CATALOG', file, gap);
  }
  checkChannelMembers(files, root, model, add);
  checkLwc(files, model, add);
  checkQuickActions(files, root, add);

  if (options.convert !== false && issues.length === 0) {
    try {
      await convertSource(projectDir, sourceDirs, options.apiVersion);
    } catch (e) {
      add('CONVERT_FAILED', path.join(projectDir, packageDirs[0]), (e as Error).message.split('\n')[0]);
    }
  }
  return issues;
}

function readPackageDirs(projectDir: string): string[] {
  const project = JSON.parse(fs.readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: Array<{ path: string }>;
  };
  return project.packageDirectories.map((d) => d.path);
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(p);
    return [p];
  });
}

type RootFn = (file: string, expected: string) => Record<string, unknown> | undefined;
type AddFn = (code: IssueCode, file: string, message: string) => void;

function buildModel(files: string[], root: RootFn, add: AddFn): Model {
  const objects: Model['objects'] = new Map();
  for (const [name, fields] of Object.entries(STANDARD_OBJECTS)) {
    objects.set(name, { fields: new Map(fields.map((f) => [f, { file: '', required: false }])) });
  }
  const ensure = (name: string) => {
    if (!objects.has(name)) objects.set(name, { fields: new Map() });
    return objects.get(name)!;
  };

  for (const file of files.filter((f) => f.endsWith('.object-meta.xml'))) {
    const name = path.basename(file, '.object-meta.xml');
    const obj = root(file, 'CustomObject');
    ensure(name).file = file;
    if (!obj || !name.endsWith('__c')) continue;
    const missing = ['label', 'pluralLabel', 'deploymentStatus', 'sharingModel'].filter((k) => !obj[k]);
    const nameField = obj.nameField as Record<string, unknown> | undefined;
    if (!nameField?.label || !nameField?.type) missing.push('nameField (label and type)');
    else if (nameField.type === 'AutoNumber' && !nameField.displayFormat) missing.push('nameField displayFormat');
    if (missing.length) add('OBJECT_INVALID', file, `custom object ${name} is missing ${missing.join(', ')}`);
  }

  for (const file of files.filter((f) => f.endsWith('.field-meta.xml'))) {
    const objectName = path.basename(path.dirname(path.dirname(file)));
    const fileName = path.basename(file, '.field-meta.xml');
    const f = root(file, 'CustomField') as FieldXml | undefined;
    // A broken file is reported once, where it is; it still names a field, so references to it stay quiet.
    ensure(objectName).fields.set(fileName, {
      file,
      required: f?.required === true || f?.type === 'MasterDetail',
      type: f?.type as string | undefined
    });
    if (!f) continue;
    if (f.fullName !== undefined && f.fullName !== fileName) {
      add(
        'FIELD_NAME_MISMATCH',
        file,
        `<fullName>${String(f.fullName)}</fullName> does not match the file name ${fileName}`
      );
    }
    if (!/^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*[A-Za-z0-9]__c$/.test(fileName)) {
      add('FIELD_INVALID', file, `${objectName}.${fileName}: not a valid custom field API name`);
    }
    for (const problem of checkFieldAttributes(f)) add('FIELD_INVALID', file, `${objectName}.${fileName}: ${problem}`);
    if (!isStandardObject(objectName) && !files.some((x) => x.endsWith(`${path.sep}${objectName}.object-meta.xml`))) {
      add(
        'OBJECT_INVALID',
        file,
        `field ${fileName} belongs to ${objectName}, which is neither a standard object nor defined in the package`
      );
    }
  }
  return { objects };
}

function checkLookups(files: string[], root: RootFn, model: Model, add: AddFn): void {
  for (const file of files.filter((f) => f.endsWith('.field-meta.xml'))) {
    const f = root(file, 'CustomField');
    if (!f || (f.type !== 'Lookup' && f.type !== 'MasterDetail') || !f.referenceTo) continue;
    const target = String(f.referenceTo);
    if (!model.objects.has(target)) {
      add(
        'LOOKUP_TARGET_MISSING',
        file,
        `${path.basename(file, '.field-meta.xml')} refers to ${target}, which is neither a standard object nor defined in the package`
      );
    }
  }
}

function fieldExists(model: Model, ref: string): 'ok' | 'no-object' | 'no-field' {
  const [objectName, fieldName] = ref.split('.');
  const obj = model.objects.get(objectName);
  if (!obj) return 'no-object';
  if (!fieldName || !obj.fields.has(fieldName)) return 'no-field';
  return 'ok';
}

function checkPermissionSets(files: string[], root: RootFn, model: Model, add: AddFn): void {
  for (const file of files.filter((f) => f.endsWith('.permissionset-meta.xml'))) {
    const ps = root(file, 'PermissionSet');
    if (!ps) continue;
    if (!ps.label) add('PERMSET_INCONSISTENT', file, 'permission set has no <label>');
    for (const fp of asArray(ps.fieldPermissions as Record<string, unknown>[] | undefined)) {
      const ref = String(fp.field ?? '');
      const state = fieldExists(model, ref);
      if (state === 'no-object')
        add(
          'PERMSET_UNKNOWN_OBJECT',
          file,
          `fieldPermissions names ${ref}: object ${ref.split('.')[0]} does not exist`
        );
      else if (state === 'no-field')
        add('PERMSET_UNKNOWN_FIELD', file, `fieldPermissions names ${ref}, which does not exist`);
      else {
        const [o, f] = ref.split('.');
        if (model.objects.get(o)!.fields.get(f)!.required) {
          add(
            'PERMSET_REQUIRED_FIELD',
            file,
            `fieldPermissions names ${ref}, a required field; the Metadata API rejects permissions on required fields`
          );
        }
      }
      if (fp.editable === true && fp.readable !== true)
        add('PERMSET_INCONSISTENT', file, `${ref} is editable but not readable`);
    }
    for (const op of asArray(ps.objectPermissions as Record<string, unknown>[] | undefined)) {
      const name = String(op.object ?? '');
      if (!model.objects.has(name))
        add('PERMSET_UNKNOWN_OBJECT', file, `objectPermissions names ${name}, which does not exist`);
      const needsRead = ['allowCreate', 'allowEdit', 'allowDelete', 'viewAllRecords', 'modifyAllRecords'].filter(
        (k) => op[k] === true
      );
      if (needsRead.length && op.allowRead !== true)
        add('PERMSET_INCONSISTENT', file, `${name}: ${needsRead.join(', ')} without allowRead`);
      if (op.allowDelete === true && op.allowEdit !== true)
        add('PERMSET_INCONSISTENT', file, `${name}: allowDelete without allowEdit`);
    }
    for (const up of asArray(ps.userPermissions as Record<string, unknown>[] | undefined)) {
      if (up.enabled === true && FORBIDDEN_USER_PERMISSIONS.includes(String(up.name))) {
        add('PERMSET_POLICY', file, `grants ${String(up.name)}; package permission sets must follow least privilege`);
      }
    }
  }
}

function checkChannelMembers(files: string[], root: RootFn, model: Model, add: AddFn): void {
  for (const file of files.filter((f) => f.endsWith('.platformEventChannelMember-meta.xml'))) {
    const m = root(file, 'PlatformEventChannelMember');
    if (!m) continue;
    const entity = String(m.selectedEntity ?? '');
    const objectName = entity.endsWith('__ChangeEvent')
      ? entity.replace(/__ChangeEvent$/, '__c')
      : entity.replace(/ChangeEvent$/, '');
    if (!entity.endsWith('ChangeEvent') || !model.objects.has(objectName)) {
      add(
        'CHANNEL_MEMBER_UNKNOWN',
        file,
        `selectedEntity ${entity || '(missing)'} is not the change event of a known object`
      );
    }
    if (!m.eventChannel) add('CHANNEL_MEMBER_UNKNOWN', file, 'missing <eventChannel>');
  }
}

const SCHEMA_IMPORT = /from\s+['"]@salesforce\/schema\/([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_.]+))?['"]/g;

function checkLwc(files: string[], model: Model, add: AddFn): void {
  const bundles = new Set(
    files
      .filter((f) => f.split(path.sep).includes('lwc') && !f.split(path.sep).includes('__tests__'))
      .map((f) => path.dirname(f))
      .filter((d) => path.basename(path.dirname(d)) === 'lwc')
  );
  for (const dir of bundles) {
    const name = path.basename(dir);
    const js = path.join(dir, `${name}.js`);
    if (!fs.existsSync(path.join(dir, `${name}.js-meta.xml`)))
      add('LWC_META_MISSING', dir, `component ${name} has no ${name}.js-meta.xml`);
    if (!fs.existsSync(js)) add('LWC_META_MISSING', dir, `component ${name} has no ${name}.js`);
  }
  for (const file of files.filter(
    (f) => f.split(path.sep).includes('lwc') && f.endsWith('.js') && !f.split(path.sep).includes('__tests__')
  )) {
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(SCHEMA_IMPORT)) {
      const [, objectName, fieldPath] = m;
      if (!model.objects.has(objectName)) {
        add('LWC_SCHEMA_UNKNOWN', file, `@salesforce/schema/${objectName}: object does not exist`);
        continue;
      }
      if (!fieldPath) continue;
      const first = fieldPath.split('.')[0];
      const isRelationship = fieldPath.includes('.');
      const fieldName =
        isRelationship && first.endsWith('__r') ? first.replace(/__r$/, '__c') : isRelationship ? `${first}Id` : first;
      if (
        fieldExists(model, `${objectName}.${fieldName}`) !== 'ok' &&
        fieldExists(model, `${objectName}.${first}`) !== 'ok'
      ) {
        add(
          'LWC_SCHEMA_UNKNOWN',
          file,
          `@salesforce/schema/${objectName}.${fieldPath}: field ${fieldName} does not exist on ${objectName}`
        );
      }
    }
  }
}

function checkQuickActions(files: string[], root: RootFn, add: AddFn): void {
  for (const file of files.filter((f) => f.endsWith('.quickAction-meta.xml'))) {
    const qa = root(file, 'QuickAction');
    if (!qa?.lightningWebComponent) continue;
    const lwcName = String(qa.lightningWebComponent).replace(/^c:/, '');
    const exists = files.some((f) =>
      f.endsWith(`${path.sep}lwc${path.sep}${lwcName}${path.sep}${lwcName}.js-meta.xml`)
    );
    if (!exists) add('QUICK_ACTION_TARGET_MISSING', file, `lightningWebComponent ${lwcName} does not exist`);
  }
}
