export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'reference'
  | 'email'
  | 'phone'
  | 'url'
  | 'encryptedstring'
  | 'address';

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Max characters for text types; 0 otherwise. */
  length: number;
  precision: number;
  scale: number;
  /** Must be supplied on create (and cannot be blanked on update). */
  required: boolean;
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  custom: boolean;
  calculated: boolean;
  autoNumber: boolean;
  /** AutoNumber display format, e.g. `INV-{0000}`. */
  displayFormat?: string;
  referenceTo: string[];
  relationshipName?: string;
  /** Child relationship name on the parent, e.g. `Contacts`, `Coupa_Invoices__r`. */
  childRelationshipName?: string;
  cascadeDelete: boolean;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  defaultValue?: string | number | boolean | null;
  nameField: boolean;
  /** Component of a compound field (`BillingCity` → `BillingAddress`): describe's `compoundFieldName`. */
  compoundFieldName?: string;
  /** For a compound `address` field, the components' prefix (`Billing` for `BillingAddress`). */
  compoundPrefix?: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  /** Field definitions in describe order. */
  fields: FieldDef[];
  recordTypes: Array<{ developerName: string; label: string; active: boolean }>;
}

export type FieldInit = Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>;

const TEXT_TYPES = new Set<FieldType>(['string', 'textarea', 'picklist', 'multipicklist', 'combobox', 'email', 'phone', 'url', 'encryptedstring']);

export function isTextType(t: FieldType): boolean {
  return TEXT_TYPES.has(t);
}

export function labelFromName(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/Id$/, ' ID')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

export function makeField(init: FieldInit): FieldDef {
  const defaultLength = init.type === 'string' || init.type === 'picklist' || init.type === 'combobox' ? 255 : init.type === 'textarea' ? 32000 : init.type === 'email' || init.type === 'url' ? 255 : init.type === 'phone' ? 40 : init.type === 'id' || init.type === 'reference' ? 18 : init.type === 'multipicklist' ? 4099 : 0;
  return {
    label: labelFromName(init.name),
    length: defaultLength,
    precision: init.type === 'currency' ? 18 : init.type === 'double' || init.type === 'percent' ? 18 : init.type === 'int' ? 9 : 0,
    scale: init.type === 'currency' ? 2 : 0,
    required: false,
    createable: true,
    updateable: true,
    externalId: false,
    unique: false,
    caseSensitive: false,
    custom: init.name.endsWith('__c'),
    calculated: false,
    autoNumber: false,
    referenceTo: [],
    cascadeDelete: false,
    picklistValues: [],
    restrictedPicklist: false,
    nameField: false,
    ...init,
  };
}
