import type { CoupaSchema, CoupaSchemaField } from '../coupa/schema-types';
import type { SObjectDescribe, SObjectFieldDescribe } from '../salesforce/client';
import type { CompiledField, CompiledMapping } from './compile';
import { coupaToSalesforceCompatible, salesforceToCoupaCompatible } from './compat';
import { MappingConfigError, type MappingIssue } from './errors';

export interface ValidationContext {
  coupaSchema: CoupaSchema;
  /** Salesforce describe of an object, or undefined when the object does not exist / is not visible. */
  describe: (sobject: string) => Promise<SObjectDescribe | undefined>;
}

type Resolved<T> = { ok: true; field: T; owner: string } | { ok: false; message: string };

function resolveCoupa(schema: CoupaSchema, resource: string, path: string): Resolved<CoupaSchemaField> {
  let defName = schema.resources[resource];
  let field: CoupaSchemaField | undefined;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    const def = schema.definitions[defName];
    // Coupa accepts underscore spellings on input; the schema uses the dash-case output names.
    field = def?.[name] ?? def?.[name.replace(/_/g, '-')];
    if (!field) return { ok: false, message: `${name} is not a field of ${defName}${i === 0 ? ` (Coupa ${resource})` : ''}` };
    if (field.type === 'custom-fields') return { ok: true, field, owner: defName };
    if (i < parts.length - 1) {
      if (!field.ref) return { ok: false, message: `${parts.slice(0, i + 1).join('.')} is a ${field.type}, it has no field ${parts[i + 1]}` };
      defName = field.ref;
    }
  }
  return { ok: true, field: field!, owner: defName };
}

async function resolveSalesforce(ctx: ValidationContext, sobject: string, path: string): Promise<Resolved<SObjectFieldDescribe>> {
  const parts = path.split('.');
  let object = sobject;
  for (let i = 0; i < parts.length; i++) {
    const describe = await ctx.describe(object);
    if (!describe) return { ok: false, message: `Salesforce object ${object} does not exist or is not accessible` };
    const name = parts[i];
    if (i < parts.length - 1) {
      const lookup = describe.fields.find((f) => f.relationshipName?.toLowerCase() === name.toLowerCase());
      if (!lookup) return { ok: false, message: `${name} is not a relationship of ${object}` };
      object = lookup.referenceTo?.[0] ?? '';
      continue;
    }
    const field = describe.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) return { ok: false, message: `${name} is not a field of ${object}` };
    if (field.name !== name) return { ok: false, message: `${name} is spelled ${field.name} in ${object}` };
    if (i > 0 && !field.externalId && !field.idLookup) {
      return { ok: false, message: `${object}.${name} is neither an External ID nor an id-lookup field, so it cannot set the ${parts[i - 1]} relationship` };
    }
    return { ok: true, field, owner: object };
  }
  return { ok: false, message: 'empty path' };
}

function activeValues(f: SObjectFieldDescribe): string[] {
  return (f.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value);
}

function checkPicklist(file: string, at: string, field: CompiledField, sf: SObjectFieldDescribe, sfObject: string, coupa: CoupaSchemaField | undefined, issues: MappingIssue[]): void {
  if (!(sf.type === 'picklist' || sf.type === 'multipicklist') || !sf.restrictedPicklist) return;
  const allowed = activeValues(sf);
  const target = `restricted picklist ${sfObject}.${sf.name}`;
  const spec = field.spec;
  const check = (value: unknown, where: string) => {
    if (value !== null && value !== undefined && !allowed.includes(String(value))) {
      issues.push({ file, path: where, severity: 'error', message: `'${String(value)}' is not a value of ${target} (allowed: ${allowed.join(', ')})` });
    }
  };
  if (spec.default !== undefined) check(spec.default, `${at}.default`);
  if (spec.value !== undefined && !spec.valueMap && !field.expression && field.transforms.length === 0) check(spec.value, `${at}.value`);
  if (spec.valueMap) {
    for (const [from, to] of Object.entries(spec.valueMap)) check(to, `${at}.valueMap.${from}`);
    if (coupa?.enum && spec.default === undefined && !field.expression && field.transforms.length === 0) {
      const missing = coupa.enum.filter((v) => !Object.prototype.hasOwnProperty.call(spec.valueMap, v));
      if (missing.length) issues.push({ file, path: `${at}.valueMap`, severity: 'error', message: `Coupa ${spec.coupa} values ${missing.join(', ')} have no mapping to ${target} (add them or set a default)` });
    }
    return;
  }
  if (field.expression || field.transforms.length > 0) {
    issues.push({ file, path: at, severity: 'warning', message: `values written to ${target} come from an expression and cannot be checked; add a valueMap to make them checkable` });
    return;
  }
  if (spec.value !== undefined) return;
  if (coupa?.enum) {
    const bad = coupa.enum.filter((v) => !allowed.includes(v));
    if (bad.length) issues.push({ file, path: `${at}.coupa`, severity: 'error', message: `Coupa ${spec.coupa} values ${bad.join(', ')} are not values of ${target}; add a valueMap` });
  } else {
    issues.push({ file, path: at, severity: 'error', message: `${target} only accepts ${allowed.join(', ')}; ${spec.coupa ?? 'the source'} is free text, so add a valueMap` });
  }
}

/**
 * Checks a compiled mapping against the Coupa schema (Swagger) and the Salesforce describe:
 * fields exist, directions are writable, types are compatible, restricted picklists can be satisfied.
 */
export async function validateMapping(mapping: CompiledMapping, ctx: ValidationContext): Promise<MappingIssue[]> {
  const { file, spec } = mapping;
  const issues: MappingIssue[] = [];
  const err = (path: string, message: string) => issues.push({ file, path, message, severity: 'error' });
  const resource = spec.coupa.resource;
  const coupaKnown = resource in ctx.coupaSchema.resources;
  if (!coupaKnown) err('coupa.resource', `${resource} is not a supported Coupa resource (known: ${Object.keys(ctx.coupaSchema.resources).join(', ')})`);
  const sobject = spec.salesforce.object;
  const describe = await ctx.describe(sobject);
  if (!describe) {
    err('salesforce.object', `${sobject} does not exist in the Salesforce org or is not accessible to the integration user`);
    return issues;
  }
  if (spec.salesforce.externalId) {
    const ext = describe.fields.find((f) => f.name === spec.salesforce.externalId);
    if (!ext) err('salesforce.externalId', `${spec.salesforce.externalId} is not a field of ${sobject}`);
    else if (!ext.externalId && !ext.idLookup) err('salesforce.externalId', `${sobject}.${ext.name} is not an External ID field`);
  }
  for (const [side, reads] of [
    ['coupa', spec.coupa.reads],
    ['salesforce', spec.salesforce.reads],
  ] as const) {
    for (const [k, p] of (reads ?? []).entries()) {
      const r = side === 'coupa' ? (coupaKnown ? resolveCoupa(ctx.coupaSchema, resource, p) : undefined) : await resolveSalesforce(ctx, sobject, p);
      if (r && !r.ok) err(`${side}.reads[${k}]`, r.message);
    }
  }

  for (const field of mapping.fields) {
    const at = `fields[${field.index}]`;
    const f = field.spec;
    let coupa: Resolved<CoupaSchemaField> | undefined;
    let sf: Resolved<SObjectFieldDescribe> | undefined;
    if (f.coupa && coupaKnown) {
      coupa = resolveCoupa(ctx.coupaSchema, resource, f.coupa);
      if (!coupa.ok) err(`${at}.coupa`, coupa.message);
    }
    if (f.salesforce) {
      sf = await resolveSalesforce(ctx, sobject, f.salesforce);
      if (!sf.ok) err(`${at}.salesforce`, sf.message);
    }
    const computed = field.expression !== undefined || field.transforms.length > 0 || f.valueMap !== undefined || f.value !== undefined;
    if (field.owner === 'coupa' && sf?.ok) {
      const target = sf.field;
      const isRelationshipKey = f.salesforce!.includes('.');
      if (!isRelationshipKey && !target.createable && !target.updateable) err(`${at}.salesforce`, `${sf.owner}.${target.name} is not writable (read-only or formula), but Coupa owns it`);
      if (!computed && coupa?.ok && !coupaToSalesforceCompatible(coupa.field.type, target.type)) {
        err(`${at}.salesforce`, `type mismatch: Coupa ${f.coupa} is ${coupa.field.type}, ${sf.owner}.${target.name} is ${target.type}; add a transform`);
      }
      if (!isRelationshipKey) checkPicklist(file, at, field, target, sf.owner, coupa?.ok ? coupa.field : undefined, issues);
    }
    if (field.owner === 'salesforce' && coupa?.ok) {
      // Through an association (`supplier.id`, `currency.code`) the leaf is only a lookup key (Coupa resolves
      // the referenced record by id or natural key), so it is the association itself that must be writable.
      const [head, ...rest] = f.coupa!.split('.');
      const viaAssociation = rest.length > 0 && coupa.field.type !== 'custom-fields';
      const written = viaAssociation ? ctx.coupaSchema.definitions[ctx.coupaSchema.resources[resource]]?.[head] : coupa.field;
      const writtenName = viaAssociation ? head : f.coupa;
      if (written?.readOnly) err(`${at}.coupa`, `${writtenName} is read-only in Coupa (${viaAssociation ? ctx.coupaSchema.resources[resource] : coupa.owner}), but Salesforce owns it`);
      if (!computed && sf?.ok && !salesforceToCoupaCompatible(sf.field.type, coupa.field.type)) {
        err(`${at}.coupa`, `type mismatch: ${sf.owner}.${sf.field.name} is ${sf.field.type}, Coupa ${f.coupa} is ${coupa.field.type}; add a transform`);
      }
      const allowed = coupa.field.enum;
      if (allowed) {
        const outs: Array<readonly [string, unknown]> = f.valueMap ? Object.entries(f.valueMap).map(([k, v]) => [`${at}.valueMap.${k}`, v] as const) : [];
        if (f.default !== undefined) outs.push([`${at}.default`, f.default]);
        for (const [where, v] of outs) {
          if (v !== null && !allowed.includes(String(v))) err(where, `'${String(v)}' is not a value of Coupa ${f.coupa} (allowed: ${allowed.join(', ')})`);
        }
      }
    }
  }
  return issues;
}

/** Validates every mapping; throws MappingConfigError listing all errors, else returns the warnings. */
export async function assertMappingsValid(mappings: CompiledMapping[], ctx: ValidationContext): Promise<MappingIssue[]> {
  const all = (await Promise.all(mappings.map((m) => validateMapping(m, ctx)))).flat();
  const errors = all.filter((i) => i.severity === 'error');
  if (errors.length) throw new MappingConfigError(errors);
  return all;
}
