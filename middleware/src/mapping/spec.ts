import { z } from 'zod';

const path = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted field path');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const OWNERS = ['coupa', 'salesforce'] as const;
export type Owner = (typeof OWNERS)[number];

/** One field pair. The owner is the system of record: values flow from the owner to the other side. */
export const fieldSpec = z
  .strictObject({
    coupa: path.optional(),
    salesforce: path.optional(),
    owner: z.enum(OWNERS).default('coupa'),
    /** Name of a transform, or a list applied in order. */
    transform: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** Inline JSONata: `$` is the source value, `$record` the whole source record. */
    expression: z.string().min(1).optional(),
    /** JSONata condition on the source record; the field is left out of the payload when false. */
    when: z.string().min(1).optional(),
    /** Value translation (e.g. Coupa status → Salesforce picklist value), applied after transforms. */
    valueMap: z.record(z.string(), scalar).optional(),
    /** Used when the (mapped) value is null/undefined or absent from valueMap. */
    default: scalar.optional(),
    /** Constant value; no source field needed. */
    value: scalar.optional(),
  })
  .superRefine((f, ctx) => {
    const target = f.owner === 'coupa' ? 'salesforce' : 'coupa';
    const source = f.owner;
    if (!f[target]) ctx.addIssue({ code: 'custom', path: [target], message: `is required: the ${target} field this ${f.owner}-owned value is written to` });
    if (!f[source] && f.expression === undefined && f.value === undefined) {
      ctx.addIssue({ code: 'custom', path: [source], message: 'is required unless the field has an expression or a constant value' });
    }
  });

export const mappingSpec = z.strictObject({
  /** Defaults to the file name. */
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  coupa: z.strictObject({
    /** Coupa API resource, e.g. invoices. */
    resource: z.string().min(1),
    /** Extra source paths expressions read (added to the `fields` projection). */
    reads: z.array(path).optional(),
  }),
  salesforce: z.strictObject({
    object: z.string().min(1),
    /** External ID field used to upsert, e.g. Coupa_Invoice_Id__c. */
    externalId: z.string().min(1).optional(),
    reads: z.array(path).optional(),
  }),
  /** JSONata condition on the source record; records for which it is false are not synced. */
  condition: z.union([z.string().min(1), z.strictObject({ coupa: z.string().min(1).optional(), salesforce: z.string().min(1).optional() })]).optional(),
  /** Reusable named JSONata transforms: `$` is the value, `$record` the source record. */
  transforms: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'transform names are identifiers'), z.string().min(1)).default({}),
  fields: z.array(fieldSpec).min(1),
});

export type FieldSpec = z.infer<typeof fieldSpec>;
export type MappingSpec = z.infer<typeof mappingSpec>;
