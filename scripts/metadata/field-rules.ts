/** What the Metadata API needs of a CustomField, by type. Pure: input is the parsed <CustomField> element. */
export type FieldXml = Record<string, unknown>;

const numberIn = (v: unknown, min: number, max: number): boolean => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isInteger(n) && n >= min && n <= max;
};

const NUMERIC = ['Number', 'Currency', 'Percent'];
const EXTERNAL_ID_TYPES = ['Text', 'Number', 'Email', 'AutoNumber'];
const UNIQUE_TYPES = ['Text', 'Number', 'Email'];

export const FIELD_TYPES = [
  'AutoNumber',
  'Checkbox',
  'Currency',
  'Date',
  'DateTime',
  'Email',
  'EncryptedText',
  'Html',
  'Location',
  'Lookup',
  'LongTextArea',
  'MasterDetail',
  'MultiselectPicklist',
  'Number',
  'Percent',
  'Phone',
  'Picklist',
  'Summary',
  'Text',
  'TextArea',
  'Time',
  'Url'
];

/** Returns a human-readable problem for each missing or invalid type-specific attribute. */
export function checkFieldAttributes(f: FieldXml): string[] {
  const problems: string[] = [];
  const type = f.type as string | undefined;
  if (!f.label) problems.push('missing <label>');
  if (!type) return [...problems, 'missing <type>'];
  if (!FIELD_TYPES.includes(type)) return [...problems, `unknown field type "${type}"`];
  const isFormula = f.formula !== undefined;

  if (type === 'Text' && !isFormula && !numberIn(f.length, 1, 255))
    problems.push('Text needs <length> between 1 and 255');
  if (type === 'EncryptedText' && !numberIn(f.length, 1, 175))
    problems.push('EncryptedText needs <length> between 1 and 175');
  if ((type === 'LongTextArea' || type === 'Html') && !numberIn(f.length, 256, 131072)) {
    problems.push(`${type} needs <length> between 256 and 131072`);
  }
  if (
    (type === 'LongTextArea' || type === 'Html' || type === 'MultiselectPicklist') &&
    !numberIn(f.visibleLines, 1, 50)
  ) {
    problems.push(`${type} needs <visibleLines>`);
  }
  if (NUMERIC.includes(type) && !isFormula) {
    if (!numberIn(f.precision, 1, 18)) problems.push(`${type} needs <precision> between 1 and 18`);
    else if (!numberIn(f.scale, 0, Number(f.precision)))
      problems.push(`${type} needs <scale> between 0 and its precision`);
  }
  if (type === 'Lookup' || type === 'MasterDetail') {
    if (!f.referenceTo) problems.push(`${type} needs <referenceTo>`);
    if (!f.relationshipName) problems.push(`${type} needs <relationshipName>`);
    else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(String(f.relationshipName)) || String(f.relationshipName).includes('__')) {
      problems.push(`<relationshipName> "${String(f.relationshipName)}" is not a valid relationship name`);
    }
    if (type === 'Lookup' && f.required === true && f.deleteConstraint === 'SetNull') {
      problems.push('a required Lookup cannot use deleteConstraint SetNull');
    }
  }
  if (type === 'Checkbox' && f.defaultValue === undefined && !isFormula) problems.push('Checkbox needs <defaultValue>');
  if (type === 'AutoNumber' && !f.displayFormat) problems.push('AutoNumber needs <displayFormat>');
  if (type === 'Summary' && !f.summaryOperation) problems.push('Summary needs <summaryOperation>');
  if (type === 'Picklist' || type === 'MultiselectPicklist') problems.push(...checkValueSet(f.valueSet));
  if (f.externalId === true && !EXTERNAL_ID_TYPES.includes(type))
    problems.push(`<externalId> is not allowed on ${type} fields`);
  if (f.unique === true && !UNIQUE_TYPES.includes(type)) problems.push(`<unique> is not allowed on ${type} fields`);
  return problems;
}

function checkValueSet(valueSet: unknown): string[] {
  if (!valueSet || typeof valueSet !== 'object') return ['Picklist needs a <valueSet>'];
  const vs = valueSet as Record<string, unknown>;
  if (vs.valueSetName) return [];
  const def = vs.valueSetDefinition as Record<string, unknown> | undefined;
  const values = asArray(def?.value) as Array<Record<string, unknown>>;
  if (values.length === 0) return ['Picklist <valueSet> needs at least one <value>'];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    const name = String(v.fullName ?? '');
    if (!name) problems.push('picklist value without <fullName>');
    else if (seen.has(name.toLowerCase())) problems.push(`duplicate picklist value "${name}"`);
    seen.add(name.toLowerCase());
    if (!v.label) problems.push(`picklist value "${name}" has no <label>`);
  }
  if (values.filter((v) => v.default === true).length > 1) problems.push('more than one default picklist value');
  return problems;
}

export function asArray<T>(v: T | T[] | undefined): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
