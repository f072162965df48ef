import type { CoupaSchemaField } from '../coupa/schema-types';

type CoupaType = CoupaSchemaField['type'];

const SF_TEXT = new Set(['string', 'textarea', 'picklist', 'multipicklist', 'combobox', 'email', 'phone', 'url', 'encryptedstring', 'id', 'reference']);
const SF_NUMBER = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** Can a Coupa value of this type be written, untransformed, to a Salesforce field of `sfType`? */
export function coupaToSalesforceCompatible(coupa: CoupaType, sfType: string): boolean {
  switch (coupa) {
    case 'string':
      return SF_TEXT.has(sfType);
    case 'integer':
    case 'number':
      return SF_NUMBER.has(sfType) || SF_TEXT.has(sfType);
    case 'boolean':
      return sfType === 'boolean' || SF_TEXT.has(sfType);
    case 'datetime':
      return sfType === 'datetime' || SF_TEXT.has(sfType);
    case 'date':
      return sfType === 'date' || SF_TEXT.has(sfType);
    case 'custom-fields':
      return true; // custom field types are instance configuration, not in Swagger
    default:
      return false; // objects and arrays need an expression
  }
}

/** Can a Salesforce value of `sfType` be written, untransformed, to a Coupa field of this type? */
export function salesforceToCoupaCompatible(sfType: string, coupa: CoupaType): boolean {
  if (coupa === 'custom-fields') return true;
  if (SF_TEXT.has(sfType)) return coupa === 'string';
  if (SF_NUMBER.has(sfType)) return coupa === 'number' || coupa === 'string' || (coupa === 'integer' && sfType === 'int');
  if (sfType === 'boolean') return coupa === 'boolean';
  if (sfType === 'date') return coupa === 'date' || coupa === 'datetime' || coupa === 'string';
  if (sfType === 'datetime') return coupa === 'datetime' || coupa === 'string';
  return false;
}
