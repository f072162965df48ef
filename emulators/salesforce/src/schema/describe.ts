import { Schema } from './schema';
import { FieldDef, ObjectDef } from './types';

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  address: 'urn:address',
};

function urls(obj: ObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${obj.name}`;
  return {
    // Only resources the emulator serves (a real org also lists defaultValues, listviews and quickActions).
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    approvalLayouts: `${base}/describe/approvalLayouts`,
    describe: `${base}/describe`,
    layouts: `${base}/describe/layouts`,
    sobject: base,
  };
}

export function describeGlobalEntry(obj: ObjectDef, version: string): Record<string, unknown> {
  const isUser = obj.name === 'User' || obj.name === 'RecordType';
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: true,
    custom: obj.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: !isUser,
    deprecatedAndHidden: false,
    feedEnabled: !obj.custom,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: obj.keyPrefix,
    label: obj.label,
    labelPlural: obj.labelPlural,
    layoutable: true,
    mergeable: ['Account', 'Contact'].includes(obj.name),
    mruEnabled: true,
    name: obj.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: !isUser,
    updateable: true,
    urls: urls(obj, version),
  };
}

export function describeField(f: FieldDef): Record<string, unknown> {
  const text = ['string', 'textarea', 'picklist', 'multipicklist', 'combobox', 'email', 'phone', 'url', 'encryptedstring'].includes(f.type);
  const numeric = ['double', 'currency', 'percent', 'int'].includes(f.type);
  return {
    aggregatable: f.type !== 'textarea' && f.type !== 'address',
    aiPredictionField: false,
    autoNumber: f.autoNumber,
    byteLength: text || f.type === 'id' || f.type === 'reference' ? f.length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: f.cascadeDelete,
    caseSensitive: f.caseSensitive,
    compoundFieldName: f.compoundFieldName ?? null,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultValue ?? null,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultValue !== undefined || ['Id', 'OwnerId', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'IsDeleted'].includes(f.name),
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.precision : 0,
    displayLocationInDecimal: false,
    encrypted: f.type === 'encryptedstring',
    externalId: f.externalId,
    extraTypeInfo: null,
    filterable: f.type !== 'textarea' && f.type !== 'address',
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: !['textarea', 'double', 'currency', 'percent', 'datetime', 'address'].includes(f.type),
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.externalId || (f.nameField && f.name === 'Name' && f.type === 'string') || f.name === 'Username' || f.name === 'Email',
    inlineHelpText: null,
    label: f.label,
    length: text ? f.length : 0,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: f.referenceTo.length > 1,
    nillable: !f.required && f.type !== 'boolean' && f.type !== 'id' && !['CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'OwnerId'].includes(f.name),
    permissionable: f.custom && !f.required,
    picklistValues: f.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: numeric && f.type !== 'int' ? f.precision : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.restrictedPicklist,
    scale: numeric && f.type !== 'int' ? f.scale : 0,
    searchPrefilterable: f.type === 'reference',
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    sortable: f.type !== 'textarea' && f.type !== 'address',
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}

export function describeSObject(schema: Schema, obj: ObjectDef, version: string): Record<string, unknown> {
  return {
    ...describeGlobalEntry(obj, version),
    actionOverrides: [],
    childRelationships: schema.childRelationships(obj.name).map((c) => ({
      associateEntityType: null,
      cascadeDelete: c.cascadeDelete,
      childSObject: c.childSObject,
      deprecatedAndHidden: false,
      field: c.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: c.relationshipName,
      restrictedDelete: false,
    })),
    compactLayoutable: true,
    defaultImplementation: null,
    extendedBy: null,
    extendsInterfaces: null,
    fields: obj.fields.map(describeField),
    implementedBy: null,
    implementsInterfaces: null,
    listviewable: null, // list views are not served
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [
      ...obj.recordTypes.map((rt) => ({ active: rt.active, available: true, defaultRecordTypeMapping: false, developerName: rt.developerName, master: false, name: rt.label, recordTypeId: null, urls: {} })),
      { active: true, available: true, defaultRecordTypeMapping: obj.recordTypes.length === 0, developerName: 'Master', master: true, name: 'Master', recordTypeId: '012000000000000AAA', urls: {} },
    ],
    searchLayoutable: true,
    supportedScopes: [
      { label: 'All ' + obj.labelPlural.toLowerCase(), name: 'everything' },
      { label: 'My ' + obj.labelPlural.toLowerCase(), name: 'mine' },
    ],
  };
}
