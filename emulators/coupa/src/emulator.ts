import crypto from 'crypto';
import { Clock, parseCoupaDate } from './clock';
import { Counters } from './counters';
import { badRequest, CoupaError, humanize, notFound } from './errors';
import { Faults } from './faults';
import { DEFAULT_CUSTOM_FIELDS, type ResolvedOptions } from './options';
import type { AssociationDef, EmbedDef, ResourceDef, Shape } from './resources/types';
import { Rec, Store } from './store';
import { isDatetime, property, type SwaggerProperty } from './swagger';

/** The emulated instance: data, clock, options and the write/lookup rules every resource shares. */
export class Emulator {
  readonly store = new Store();
  readonly clock: Clock;
  readonly counters = new Counters();
  readonly faults: Faults;
  private resources = new Map<string, ResourceDef>();
  private customFields: Record<string, string[]>;
  /** Order line id → purchase order id, so invoices can point at PO lines. */
  readonly orderLineIndex = new Map<number, number>();
  apiUserId: number | undefined;
  /** Every mounted API route (method + express pattern), for coverage checks. */
  readonly routes: { method: string; pattern: string }[] = [];

  constructor(readonly options: ResolvedOptions) {
    this.clock = new Clock(options.timezoneOffset, options.now);
    this.faults = new Faults(options.faults);
    this.customFields = { ...DEFAULT_CUSTOM_FIELDS, ...options.customFields };
  }

  register(def: ResourceDef): void {
    this.resources.set(def.name, def);
  }

  resource(name: string): ResourceDef {
    const r = this.resources.get(name);
    if (!r) throw new Error(`unknown resource ${name}`);
    return r;
  }

  allResources(): ResourceDef[] {
    return [...this.resources.values()];
  }

  byApprovableType(type: string): ResourceDef | undefined {
    return this.allResources().find((r) => r.approvableType === type);
  }

  collection(name: string) {
    return this.store.collection(name);
  }

  customFieldNames(resource: string): string[] {
    return this.customFields[resource] ?? [];
  }

  setCustomFields(resource: string, names: string[]): void {
    this.customFields[resource] = names;
  }

  /** Instance time, truncated to whole seconds as Coupa stores timestamps (so `updated_at[gt]` cursors are exact). */
  now(): number {
    return Math.floor(this.clock.now() / 1000) * 1000;
  }

  find(resource: string, id: number | string): Rec {
    const rec = this.collection(resource).get(Number(id));
    if (!rec) throw notFound(this.resource(resource).errorKey);
    return rec;
  }

  /** First row matching every key/value (used for natural-key lookups). */
  findBy(resource: string, keys: Record<string, unknown>): Rec | undefined {
    const entries = Object.entries(keys);
    if (!entries.length || entries[0][1] === undefined || entries[0][1] === null) return undefined;
    return this.collection(resource)
      .lookup(entries[0][0], entries[0][1])
      .find((rec) => entries.every(([k, v]) => rec[k] === v));
  }

  // ---- writes -------------------------------------------------------------------------------------------------

  create(resource: string, input: Record<string, unknown>, opts: { system?: boolean } = {}): Rec {
    const def = this.resource(resource);
    const coll = this.collection(resource);
    const now = this.now();
    const rec: Rec = { id: coll.newId(), ...(def.defaults?.(this) ?? {}) };
    this.stamp(def, rec, now, true);
    if (def.customFields) rec['custom-fields'] = {};
    if (def.exportable) {
      rec.exported = false;
      rec['last-exported-at'] = null;
    }
    const errors: string[] = [];
    this.applyInput(def, rec, input, errors, def.errorKey, opts.system ?? false);
    for (const field of def.required ?? []) {
      if (rec[field] === undefined || rec[field] === null || rec[field] === '') errors.push(`${humanize(field)} can't be blank`);
    }
    this.checkUnique(def, rec, errors);
    def.beforeSave?.(this, rec, undefined, errors, input);
    if (errors.length) throw new CoupaError(400, def.errorKey, dedupe(errors));
    coll.put(rec);
    def.afterCreate?.(this, rec, input);
    def.afterSave?.(this, this.collection(resource).get(rec.id)!);
    return this.collection(resource).get(rec.id)!;
  }

  update(resource: string, id: number, input: Record<string, unknown>, opts: { system?: boolean } = {}): Rec {
    const def = this.resource(resource);
    const prev = this.find(resource, id);
    if (!opts.system) {
      const refusal = def.canUpdate?.(this, prev, input);
      if (refusal) throw badRequest(def.errorKey, refusal);
    }
    const rec = structuredClone(prev);
    const errors: string[] = [];
    this.applyInput(def, rec, input, errors, def.errorKey, opts.system ?? false);
    for (const field of def.required ?? []) {
      if (field in input || dashAlias(field) in input) {
        if (rec[field] === undefined || rec[field] === null || rec[field] === '') errors.push(`${humanize(field)} can't be blank`);
      }
    }
    this.checkUnique(def, rec, errors);
    def.beforeSave?.(this, rec, prev, errors, input);
    if (errors.length) throw new CoupaError(400, def.errorKey, dedupe(errors));
    this.stamp(def, rec, this.now(), false);
    this.collection(resource).put(rec);
    def.afterSave?.(this, rec);
    return this.collection(resource).get(rec.id)!;
  }

  /** Direct write that bypasses input rules (lifecycle transitions, control surface). Bumps updated-at. */
  save(resource: string, rec: Rec): Rec {
    this.stamp(this.resource(resource), rec, this.now(), false);
    return this.collection(resource).put(rec);
  }

  private stamp(shape: Shape, rec: Rec, now: number, created: boolean): void {
    const props = (p: string) => property(shape.def, p) !== undefined;
    if (created && props('created-at')) rec['created-at'] = now;
    if (props('updated-at')) rec['updated-at'] = Math.max(now, (rec['updated-at'] as number) ?? 0);
    if (this.apiUserId !== undefined) {
      if (created && props('created-by') && shape.associations?.['created-by']) rec['created-by'] = this.apiUserId;
      if (props('updated-by') && shape.associations?.['updated-by']) rec['updated-by'] = this.apiUserId;
    }
  }

  private checkUnique(def: ResourceDef, rec: Rec, errors: string[]): void {
    for (const field of def.unique ?? []) {
      const v = rec[field];
      if (v === undefined || v === null || v === '') continue;
      if (this.collection(def.name).lookup(field, v).some((other) => other.id !== rec.id && other[field] === v)) {
        errors.push(`${humanize(field)} has already been taken`);
      }
    }
  }

  /**
   * Applies a (dash-normalised) input body to a row: Swagger decides which keys exist, their types, enums and
   * read-only flags; associations are resolved by id or natural key; embedded rows are appended/updated/deleted.
   */
  applyInput(shape: Shape, rec: Rec, input: Record<string, unknown>, errors: string[], errorKey: string, system: boolean): void {
    for (const [rawKey, value] of Object.entries(input)) {
      const key = shape.inputAliases?.[rawKey] ?? rawKey;
      if (key === 'id' || key === '_delete') continue;
      if (key === 'custom-fields') {
        this.applyCustomFields(shape as ResourceDef, rec, value, errors);
        continue;
      }
      const assoc = shape.associations?.[key];
      const embed = shape.embeds?.[key];
      const prop = property(shape.def, key);
      if (assoc) {
        if (key === 'created-by' || key === 'updated-by') continue;
        if (prop?.readOnly && !system) continue;
        const id = this.resolveAssociation(key, assoc, value, errors);
        if (id !== undefined) rec[key] = id;
      } else if (embed) {
        this.applyEmbed(key, embed, rec, value, errors, errorKey, system);
      } else if (prop) {
        if ((prop.readOnly || shape.internal?.includes(key)) && !system) continue;
        const coerced = this.coerce(key, prop, value, errors);
        if (coerced !== INVALID) rec[key] = coerced;
      } else if (this.options.unknownAttributes === 'reject') {
        errors.push(`unknown attribute '${rawKey}' for ${shape.def}`);
      }
    }
  }

  private applyCustomFields(def: ResourceDef, rec: Rec, value: unknown, errors: string[]): void {
    if (!def.customFields) {
      if (this.options.unknownAttributes === 'reject') errors.push(`unknown attribute 'custom-fields' for ${def.def}`);
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      errors.push('Custom fields must be an object');
      return;
    }
    const allowed = this.customFieldNames(def.name);
    const cf = { ...(rec['custom-fields'] ?? {}) };
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      if (!allowed.includes(name)) {
        if (this.options.unknownCustomFields === 'reject') errors.push(`Custom field '${name}' is not an API-editable custom field`);
        continue;
      }
      if (v !== null && typeof v === 'object') errors.push(`Custom field '${name}' must be a scalar`);
      else cf[name] = v === null || v === undefined ? null : typeof v === 'boolean' ? v : String(v);
    }
    rec['custom-fields'] = cf;
  }

  private coerce(key: string, prop: SwaggerProperty, value: unknown, errors: string[]): unknown {
    if (value === null) return null;
    const name = humanize(key);
    if (isDatetime(prop)) {
      const t = typeof value === 'number' ? value : parseCoupaDate(value, this.options.timezoneOffset);
      if (t === undefined) {
        errors.push(`${name} is not a valid date`);
        return INVALID;
      }
      return t;
    }
    switch (prop.type) {
      case 'string': {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          errors.push(`${name} is invalid`);
          return INVALID;
        }
        const s = String(value);
        if (prop.enum && prop.enum.length && !prop.enum.includes(s)) {
          errors.push(`${name} must be one of ${prop.enum.join(', ')}`);
          return INVALID;
        }
        const max = /^string\((\d+)\)$/.exec(prop.format ?? '');
        if (max && s.length > Number(max[1])) {
          errors.push(`${name} is too long (maximum is ${max[1]} characters)`);
          return INVALID;
        }
        return s;
      }
      case 'integer': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isInteger(n)) {
          errors.push(`${name} is not a number`);
          return INVALID;
        }
        return n;
      }
      case 'number': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isFinite(n)) {
          errors.push(`${name} is not a number`);
          return INVALID;
        }
        return n;
      }
      case 'boolean': {
        if (value === true || value === 'true' || value === 1 || value === '1') return true;
        if (value === false || value === 'false' || value === 0 || value === '0') return false;
        errors.push(`${name} is not a valid boolean`);
        return INVALID;
      }
      default:
        if (prop.type === 'array' && Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value;
        if (this.options.unknownAttributes === 'reject') errors.push(`${name} is not supported by the emulator`);
        return INVALID;
    }
  }

  /** Resolves `{"login": "kyle"}` / `{"id": 3}` / `3` to an id; pushes Coupa's lookup error otherwise. */
  resolveAssociation(field: string, a: AssociationDef, value: unknown, errors: string[]): number | null | undefined {
    if (value === null) return null;
    const model = this.resource(a.resource).modelName;
    const possible = ['id', ...a.keys];
    let keys: Record<string, unknown>;
    if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) keys = { id: Number(value) };
    else if (value && typeof value === 'object' && !Array.isArray(value)) keys = value as Record<string, unknown>;
    else {
      errors.push(`${humanize(field)} is invalid`);
      return undefined;
    }
    const usable = Object.entries(keys).filter(([k]) => possible.includes(k));
    const fmt = () => `{${Object.entries(keys).map(([k, v]) => `"${k}"=>${JSON.stringify(v)}`).join(', ')}}`;
    const fail = () => {
      errors.push(`Unable to find valid ${model} record for ${field.replace(/-/g, '_')} with keys ${fmt()}. Possible keys are ${JSON.stringify(possible)}.`);
      return undefined;
    };
    if (!usable.length) return fail();
    const tdef = this.resource(a.resource);
    let found: Rec | undefined;
    const idEntry = usable.find(([k]) => k === 'id');
    const scalarEntry = usable.find(([k, v]) => k !== 'id' && (typeof v === 'string' || typeof v === 'number'));
    const candidates: Iterable<Rec> = idEntry
      ? [this.collection(a.resource).get(Number(idEntry[1]))].filter((r): r is Rec => !!r)
      : scalarEntry
        ? this.collection(a.resource).lookup(scalarEntry[0], scalarEntry[1])
        : this.collection(a.resource).scan();
    for (const cand of candidates) {
      const ok = usable.every(([k, v]) => {
        if (k === 'id') return cand.id === Number(v);
        const nested = tdef.associations?.[k];
        if (nested && v && typeof v === 'object') {
          const sub: string[] = [];
          const nid = this.resolveAssociation(k, nested, v, sub);
          return !sub.length && cand[k] === nid;
        }
        return cand[k] === v || (typeof cand[k] === 'number' && String(cand[k]) === String(v));
      });
      if (ok) {
        found = cand;
        break;
      }
    }
    if (!found) return fail();
    if (a.mustBeActive && !isActive(found)) {
      errors.push(`${humanize(field)} ${model} '${found[a.keys[0]] ?? found.id}' is inactive`);
      return undefined;
    }
    return found.id;
  }

  private applyEmbed(key: string, embed: EmbedDef, rec: Rec, value: unknown, errors: string[], errorKey: string, system: boolean): void {
    if (!embed.many) {
      if (value === null) {
        rec[key] = null;
        return;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        errors.push(`${humanize(key)} is invalid`);
        return;
      }
      const item: Rec = rec[key] ? { ...rec[key] } : this.newEmbedded(embed);
      this.applyInput(embed, item, value as Record<string, unknown>, errors, errorKey, system);
      this.stamp(embed, item, this.now(), false);
      rec[key] = item;
      return;
    }
    let items: unknown = value;
    if (items && typeof items === 'object' && !Array.isArray(items) && embed.wrapper && embed.wrapper in (items as object)) {
      items = (items as Record<string, unknown>)[embed.wrapper];
    }
    if (items && typeof items === 'object' && !Array.isArray(items)) items = [items];
    if (!Array.isArray(items)) {
      errors.push(`${humanize(key)} is invalid`);
      return;
    }
    const current: Rec[] = [...((rec[key] as Rec[]) ?? [])];
    for (const raw of items) {
      if (!raw || typeof raw !== 'object') {
        errors.push(`${humanize(key)} is invalid`);
        continue;
      }
      const input = raw as Record<string, unknown>;
      if (input.id !== undefined && input.id !== null) {
        const idx = current.findIndex((i) => i.id === Number(input.id));
        if (idx < 0 || embed.appendOnly) {
          errors.push(`Unable to find ${humanize(key).toLowerCase()} with id ${input.id}`);
          continue;
        }
        if (embed.deletable && (input._delete === true || input._delete === 'true')) {
          current.splice(idx, 1);
          continue;
        }
        const item = { ...current[idx] };
        this.applyInput(embed, item, input, errors, errorKey, system);
        this.stamp(embed, item, this.now(), false);
        current[idx] = item;
      } else {
        const item = this.newEmbedded(embed);
        this.applyInput(embed, item, input, errors, errorKey, system);
        for (const field of embed.required ?? []) {
          if (item[field] === undefined || item[field] === null || item[field] === '') errors.push(`${humanize(field)} can't be blank`);
        }
        current.push(item);
      }
    }
    rec[key] = current;
  }

  newEmbedded(embed: Shape): Rec {
    const item: Rec = { id: this.store.nextSeq(embed.def) };
    this.stamp(embed, item, this.now(), true);
    return item;
  }

  mintToken(): string {
    return crypto.randomBytes(32).toString('base64url');
  }
}

const INVALID = Symbol('invalid');

function dashAlias(field: string): string {
  return field.replace(/-/g, '_');
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

export function isActive(rec: Rec): boolean {
  if ('active' in rec && rec.active === false) return false;
  if ('status' in rec && rec.status === 'inactive') return false;
  if ('enabled' in rec && rec.enabled === false) return false;
  return true;
}
