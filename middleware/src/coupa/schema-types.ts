/** Shape of the generated Coupa schema (generated/schema.ts), used to validate mappings. */
export interface CoupaSchemaField {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'date' | 'object' | 'array' | 'custom-fields';
  /** Definition name of an association or array element. */
  ref?: string;
  enum?: string[];
  readOnly?: boolean;
  maxLength?: number;
}

export interface CoupaSchema {
  /** API resource path → root definition name, e.g. invoices → InvoiceHeader. */
  resources: Record<string, string>;
  definitions: Record<string, Record<string, CoupaSchemaField>>;
}
