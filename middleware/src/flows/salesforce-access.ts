/**
 * The Salesforce access the connector's user needs, derived from the flow catalog: each flow's declared objects
 * (create/edit/delete/View All) plus the fields its mappings write (edit) or read, plus the fields its code writes
 * outside a mapping. One derivation feeds the shipped permission set (checked by a test), `coupa-sf permissions` and
 * `doctor`, so the three cannot drift apart.
 */
import type { CompiledMapping } from '../mapping';
import { FLOW_CATALOG, type FlowName } from './catalog';

export interface ObjectNeed {
  create: boolean;
  edit: boolean;
  delete: boolean;
  /** View All: change events (CDC) reach a subscriber only for records it can see. */
  viewAll: boolean;
  /** The flows that need the object. */
  flows: FlowName[];
}

export interface FieldNeed {
  edit: boolean;
  flows: FlowName[];
}

export interface SalesforceAccess {
  /** By object API name, sorted. Read is implied for every object listed. */
  objects: Map<string, ObjectNeed>;
  /** By `Object.Field`, custom fields only (standard fields follow the object and the user's licence). */
  fields: Map<string, FieldNeed>;
}

type CatalogEntry = (typeof FLOW_CATALOG)[number];
type Declared = { create?: boolean; edit?: boolean; delete?: boolean; viewAll?: boolean };

const isCustom = (field: string) => field.endsWith('__c');

/** `Object.Field` names a mapping writes (edit) or reads in Salesforce; relationship paths resolve to their object. */
export function mappingFields(mapping: CompiledMapping): Array<{ field: string; edit: boolean }> {
  const { object, externalId, reads = [] } = mapping.spec.salesforce;
  const out: Array<{ field: string; edit: boolean }> = [];
  const add = (path: string, edit: boolean) => {
    const parts = path.split('.');
    if (parts.length === 1) return out.push({ field: `${object}.${path}`, edit });
    // A standard relationship (Account.Coupa_Supplier_Id__c) is named as its object; a custom one (X__r) needs the
    // describe to resolve, so its fields are declared in the catalog instead.
    if (parts.length === 2 && !parts[0].endsWith('__r')) out.push({ field: path, edit: false });
  };
  if (externalId) add(externalId, true);
  for (const r of reads) add(r, false);
  for (const f of mapping.spec.fields) if (f.salesforce) add(f.salesforce, f.owner === 'coupa');
  const merged = new Map<string, boolean>();
  for (const f of out) if (isCustom(f.field)) merged.set(f.field, (merged.get(f.field) ?? false) || f.edit);
  return [...merged].map(([field, edit]) => ({ field, edit }));
}

/**
 * The access the given flows need. `mappings` are the compiled mapping files by name; a flow whose mapping is not
 * among them contributes only its declared objects and fields.
 */
export function salesforceAccess(flows: ReadonlyArray<{ name: FlowName }>, mappings: ReadonlyMap<string, CompiledMapping>): SalesforceAccess {
  const objects = new Map<string, ObjectNeed>();
  const fields = new Map<string, FieldNeed>();
  const needObject = (name: string, flow: FlowName, d: Declared = {}) => {
    const o = objects.get(name) ?? { create: false, edit: false, delete: false, viewAll: false, flows: [] };
    o.create ||= !!d.create;
    o.edit ||= !!d.edit;
    o.delete ||= !!d.delete;
    o.viewAll ||= !!d.viewAll;
    if (!o.flows.includes(flow)) o.flows.push(flow);
    objects.set(name, o);
  };
  const needField = (field: string, flow: FlowName, edit: boolean) => {
    const f = fields.get(field) ?? { edit: false, flows: [] };
    f.edit ||= edit;
    if (!f.flows.includes(flow)) f.flows.push(flow);
    fields.set(field, f);
    needObject(field.split('.')[0], flow);
  };

  for (const { name } of flows) {
    const entry = FLOW_CATALOG.find((f) => f.name === name) as CatalogEntry | undefined;
    if (!entry) throw new Error(`unknown flow ${name}`);
    const declared = entry.salesforce as { objects: Record<string, Declared>; fields: { edit?: readonly string[]; read?: readonly string[] } };
    for (const [object, d] of Object.entries(declared.objects)) needObject(object, name, d);
    for (const m of entry.mappings) {
      const mapping = mappings.get(m);
      if (!mapping) continue;
      needObject(mapping.spec.salesforce.object, name);
      for (const f of mappingFields(mapping)) needField(f.field, name, f.edit);
    }
    for (const f of declared.fields.edit ?? []) needField(f, name, true);
    for (const f of declared.fields.read ?? []) needField(f, name, false);
  }
  // Objects whose access a parent controls (OpportunityLineItem follows Opportunity) take no permission of their own.
  for (const child of CONTROLLED_BY_PARENT) objects.delete(child);
  return { objects: sortMap(objects), fields: sortMap(fields) };
}

/** Detail objects without object permissions of their own (the Metadata API rejects them in a permission set). */
export const CONTROLLED_BY_PARENT = ['OpportunityLineItem'];

function sortMap<V>(m: Map<string, V>): Map<string, V> {
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One line per object and field, for `coupa-sf permissions` and the setup guide. */
export function describeAccess(access: SalesforceAccess): string[] {
  const lines: string[] = [];
  for (const [name, o] of access.objects) {
    const rights = ['read', o.create && 'create', o.edit && 'edit', o.delete && 'delete', o.viewAll && 'View All'].filter(Boolean).join(', ');
    lines.push(`${name}\t${rights}\t${o.flows.join(', ')}`);
  }
  for (const [name, f] of access.fields) lines.push(`${name}\t${f.edit ? 'read, edit' : 'read'}\t${f.flows.join(', ')}`);
  return lines;
}

/** The parts of an sObject describe that reflect the running user's permissions. */
export interface AccessDescribe {
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  fields: Array<{ name: string; updateable?: boolean }>;
}

/**
 * What the running user lacks on one object, read from its describe (which Salesforce answers for that user: a field
 * without read access is absent, one without edit is not updateable). View All cannot be seen in a describe.
 */
export function accessGaps(object: string, need: ObjectNeed, fields: ReadonlyMap<string, FieldNeed>, d: AccessDescribe): string[] {
  const gaps: string[] = [];
  if (need.create && d.createable === false) gaps.push(`cannot create ${object} (${need.flows.join(', ')})`);
  if (need.edit && d.updateable === false) gaps.push(`cannot edit ${object} (${need.flows.join(', ')})`);
  if (need.delete && d.deletable === false) gaps.push(`cannot delete ${object} (${need.flows.join(', ')})`);
  const described = new Map(d.fields.map((f) => [f.name, f]));
  for (const [name, f] of fields) {
    const [o, field] = name.split('.');
    if (o !== object) continue;
    const seen = described.get(field);
    if (!seen) gaps.push(`${name} is not visible (${f.flows.join(', ')})`);
    else if (f.edit && seen.updateable === false) gaps.push(`${name} is read-only (${f.flows.join(', ')})`);
  }
  return gaps;
}
