import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { FieldDef, FieldInit, FieldType, makeField } from './types';

/** Objects and fields read from a metadata folder (SFDX source format or metadata-API `.object` files). */
export interface ParsedObject {
  name: string;
  /** Present when the folder defines the object itself (custom objects); absent for field-only standard objects. */
  label?: string;
  labelPlural?: string;
  nameField?: FieldInit;
  /** Master-detail children have no owner. */
  controlledByParent: boolean;
  /** `enableActivities`: Tasks may relate to it through WhatId. */
  activities?: boolean;
  fields: FieldDef[];
  recordTypes: Array<{ developerName: string; label: string; active: boolean }>;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => ['fields', 'value', 'recordTypes', 'referenceTo', 'picklistValues', 'values'].includes(name),
});

type Xml = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const bool = (v: unknown): boolean => String(v) === 'true';
const num = (v: unknown, d: number): number => (v === undefined || v === '' ? d : Number(v));

/** Finds every `objects` directory under `dir` (e.g. force-app/main/default/objects). */
function findObjectDirs(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 6) return [];
  if (basename(dir) === 'objects') return [dir];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findObjectDirs(p, depth + 1));
  }
  return out;
}

export function loadMetadataDir(dir: string): ParsedObject[] {
  const byName = new Map<string, ParsedObject>();
  const merge = (o: ParsedObject): void => {
    const prev = byName.get(o.name.toLowerCase());
    if (!prev) {
      byName.set(o.name.toLowerCase(), o);
      return;
    }
    prev.label ??= o.label;
    prev.labelPlural ??= o.labelPlural;
    prev.nameField ??= o.nameField;
    prev.controlledByParent ||= o.controlledByParent;
    prev.activities ||= o.activities;
    prev.fields.push(...o.fields);
    prev.recordTypes.push(...o.recordTypes);
  };
  for (const objectsDir of findObjectDirs(dir)) {
    for (const entry of readdirSync(objectsDir).sort()) {
      const p = join(objectsDir, entry);
      if (statSync(p).isDirectory()) merge(readSourceFormatObject(p, entry));
      else if (entry.endsWith('.object')) merge(readMetadataApiObject(p));
    }
  }
  return [...byName.values()];
}

function readSourceFormatObject(dir: string, name: string): ParsedObject {
  const obj: ParsedObject = { name, controlledByParent: false, fields: [], recordTypes: [] };
  const objFile = join(dir, `${name}.object-meta.xml`);
  if (existsSync(objFile)) applyObjectXml(obj, (parser.parse(readFileSync(objFile, 'utf8')) as Xml).CustomObject as Xml | undefined);
  const fieldsDir = join(dir, 'fields');
  if (existsSync(fieldsDir)) {
    for (const f of readdirSync(fieldsDir).sort()) {
      if (!f.endsWith('.field-meta.xml')) continue;
      const x = (parser.parse(readFileSync(join(fieldsDir, f), 'utf8')) as Xml).CustomField as Xml | undefined;
      if (!x) continue;
      x.fullName ??= f.replace('.field-meta.xml', '');
      const field = fieldFromXml(x);
      if (field) obj.fields.push(field);
    }
  }
  const rtDir = join(dir, 'recordTypes');
  if (existsSync(rtDir)) {
    for (const f of readdirSync(rtDir).sort()) {
      if (!f.endsWith('.recordType-meta.xml')) continue;
      const x = ((parser.parse(readFileSync(join(rtDir, f), 'utf8')) as Xml).RecordType ?? {}) as Xml;
      obj.recordTypes.push({ developerName: str(x.fullName) ?? f.replace('.recordType-meta.xml', ''), label: str(x.label) ?? f, active: bool(x.active) });
    }
  }
  return obj;
}

function readMetadataApiObject(file: string): ParsedObject {
  const name = basename(file, '.object');
  const obj: ParsedObject = { name, controlledByParent: false, fields: [], recordTypes: [] };
  const x = (parser.parse(readFileSync(file, 'utf8')) as Xml).CustomObject as Xml | undefined;
  applyObjectXml(obj, x);
  for (const fx of (x?.fields as Xml[] | undefined) ?? []) {
    const field = fieldFromXml(fx);
    if (field) obj.fields.push(field);
  }
  for (const rt of (x?.recordTypes as Xml[] | undefined) ?? []) {
    obj.recordTypes.push({ developerName: str(rt.fullName) ?? '', label: str(rt.label) ?? '', active: bool(rt.active) });
  }
  return obj;
}

function applyObjectXml(obj: ParsedObject, x: Xml | undefined): void {
  if (!x) return;
  obj.label = str(x.label);
  obj.labelPlural = str(x.pluralLabel);
  obj.controlledByParent = str(x.sharingModel) === 'ControlledByParent';
  obj.activities = bool(x.enableActivities);
  const nf = x.nameField as Xml | undefined;
  if (nf) {
    const auto = str(nf.type) === 'AutoNumber';
    obj.nameField = {
      name: 'Name',
      type: 'string',
      label: str(nf.label) ?? 'Name',
      length: auto ? 30 : 80,
      nameField: true,
      required: !auto,
      autoNumber: auto,
      displayFormat: str(nf.displayFormat),
      createable: !auto,
      updateable: !auto,
    };
  }
}

const TYPE_MAP: Record<string, FieldType> = {
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Html: 'textarea',
  Checkbox: 'boolean',
  Number: 'double',
  Currency: 'currency',
  Percent: 'percent',
  Date: 'date',
  DateTime: 'datetime',
  Time: 'time',
  Email: 'email',
  Phone: 'phone',
  Url: 'url',
  Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist',
  Lookup: 'reference',
  MasterDetail: 'reference',
  AutoNumber: 'string',
  EncryptedText: 'encryptedstring',
  Summary: 'double',
};

function fieldFromXml(x: Xml): FieldDef | undefined {
  const name = str(x.fullName);
  const xmlType = str(x.type);
  if (!name) return undefined;
  const isFormula = x.formula !== undefined;
  if (!xmlType && !isFormula) return undefined; // standard-field customisations (e.g. picklist values only)
  let type: FieldType = TYPE_MAP[xmlType ?? 'Text'] ?? 'string';
  const scale = num(x.scale, 0);
  if (type === 'double' && scale === 0 && xmlType === 'Number') type = 'double';
  const init: FieldInit = {
    name,
    type,
    label: str(x.label) ?? name,
    required: bool(x.required) || xmlType === 'MasterDetail',
    externalId: bool(x.externalId),
    unique: bool(x.unique),
    caseSensitive: bool(x.caseSensitive),
    custom: name.endsWith('__c'),
    precision: num(x.precision, type === 'currency' || type === 'double' || type === 'percent' ? 18 : 0),
    scale,
  };
  if (x.length !== undefined) init.length = num(x.length, 255);
  else if (xmlType === 'Text') init.length = 255;
  else if (xmlType === 'TextArea') init.length = 255;
  else if (xmlType === 'LongTextArea' || xmlType === 'Html') init.length = 32768;
  if (xmlType === 'AutoNumber') {
    Object.assign(init, { autoNumber: true, displayFormat: str(x.displayFormat), createable: false, updateable: false, length: 30 });
  }
  if (isFormula || xmlType === 'Summary') Object.assign(init, { calculated: true, createable: false, updateable: false, required: false });
  if (type === 'reference') {
    const to = (x.referenceTo as unknown[] | undefined)?.map(String) ?? [];
    init.referenceTo = to;
    init.relationshipName = name.replace(/__c$/, '__r');
    const rel = str(x.relationshipName);
    if (rel) init.childRelationshipName = `${rel}__r`;
    init.cascadeDelete = xmlType === 'MasterDetail' || str(x.deleteConstraint) === 'Cascade';
    if (xmlType === 'MasterDetail') init.updateable = bool(x.reparentableMasterDetail);
  }
  if (type === 'picklist' || type === 'multipicklist') {
    const vs = x.valueSet as Xml | undefined;
    const def = vs?.valueSetDefinition as Xml | undefined;
    const values = ((def?.value as Xml[] | undefined) ?? []).map((v) => ({
      value: str(v.fullName) ?? '',
      label: str(v.label) ?? str(v.fullName) ?? '',
      active: v.isActive === undefined ? true : bool(v.isActive),
      defaultValue: bool(v.default),
    }));
    init.picklistValues = values;
    // Global value sets are referenced by name; treat them as restricted only if the XML says so.
    init.restrictedPicklist = bool(vs?.restricted);
    const d = values.find((v) => v.defaultValue);
    if (d) init.defaultValue = d.value;
  }
  if (type === 'boolean') init.defaultValue = str(x.defaultValue) === 'true';
  return makeField(init);
}

/** Entities selected for Change Data Capture (`platformEventChannelMembers` on the `ChangeEvents` channel). */
export function loadChangeEventSelections(dir: string, depth = 0): string[] {
  if (!existsSync(dir) || depth > 6) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const p = join(dir, entry);
    if (!statSync(p).isDirectory()) continue;
    if (entry !== 'platformEventChannelMembers') {
      out.push(...loadChangeEventSelections(p, depth + 1));
      continue;
    }
    for (const f of readdirSync(p)) {
      if (!/\.platformEventChannelMember(-meta\.xml)?$/.test(f)) continue;
      const x = ((parser.parse(readFileSync(join(p, f), 'utf8')) as Xml).PlatformEventChannelMember ?? {}) as Xml;
      const entity = str(x.selectedEntity);
      if (str(x.eventChannel) === 'ChangeEvents' && entity) out.push(entity.replace(/__ChangeEvent$/, '__c').replace(/ChangeEvent$/, ''));
    }
  }
  return out;
}
