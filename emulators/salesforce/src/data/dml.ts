import { randomUUID } from 'node:crypto';
import { Clock, formatDate, formatDateTime } from '../clock';
import { SfError } from '../errors';
import { IdGenerator, normalizeId } from '../ids';
import { Schema } from '../schema/schema';
import { FieldDef, ObjectDef } from '../schema/types';
import { Rec, Store } from './store';
import { coerceValue } from './values';

/** Who is writing and through which API: feeds CreatedById/LastModifiedById and CDC `changeOrigin`. */
export interface WriteContext {
  userId: string;
  api: 'rest' | 'bulkapi' | 'soap';
  version: string;
  /** `client=` part of `Sforce-Call-Options`. */
  client?: string;
}

export interface ChangeEvent {
  entityName: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  recordIds: string[];
  changedFields: string[];
  commitTimestamp: number;
  commitUser: string;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  /** Field values carried by the event (all non-null on create, changed ones on update). */
  fields: Rec;
}

const SYSTEM_FIELDS = new Set(['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);

/** Record writes with Salesforce's validation rules, system fields, derived fields and change events. */
export class Dml {
  private pending: ChangeEvent[] | null = null;
  private txKey = '';
  private seq = 0;
  private autoNumbers = new Map<string, number>();
  /** Called before every record write; fault injection throws from here (e.g. UNABLE_TO_LOCK_ROW). */
  beforeWrite: (obj: string, id: string | undefined) => void = () => undefined;
  /** Contract Settings "Auto-calculate Contract End Date": on, EndDate is computed and read-only; off, it is entered. */
  contractAutoEndDate = true;

  constructor(
    readonly schema: Schema,
    readonly store: Store,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly publish: (events: ChangeEvent[]) => void,
  ) {}

  reset(): void {
    this.autoNumbers.clear();
  }

  /** Starts a group of writes that commit (and publish their change events) or roll back together. */
  begin(): { commit(): void; rollback(): void } {
    const tx = this.store.begin();
    if (this.pending) {
      const pending = this.pending;
      const mark = pending.length;
      return { commit: () => undefined, rollback: () => (tx.rollback(), pending.splice(mark)) };
    }
    this.pending = [];
    this.txKey = randomUUID();
    this.seq = 0;
    return {
      commit: () => {
        tx.commit();
        const events = this.pending ?? [];
        this.pending = null;
        if (events.length) this.publish(events);
      },
      rollback: () => {
        tx.rollback();
        this.pending = null;
      },
    };
  }

  /** Runs fn atomically: all its writes or none. */
  atomic<T>(fn: () => T): T {
    if (this.pending) return fn();
    const tx = this.begin();
    try {
      const r = fn();
      tx.commit();
      return r;
    } catch (e) {
      tx.rollback();
      throw e;
    }
  }

  requireObject(name: string): ObjectDef {
    const o = this.schema.object(name);
    if (!o) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return o;
  }

  /** Finds a record by Id in the given object; 404 NOT_FOUND if it is not there, ENTITY_IS_DELETED if deleted. */
  requireRecord(obj: ObjectDef, rawId: string, allowDeleted = false): Rec {
    const id = normalizeId(rawId);
    const rec = id && id.startsWith(obj.keyPrefix) ? this.store.get(obj.name, id) : undefined;
    if (!rec) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (rec.IsDeleted && !allowDeleted) throw new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    return rec;
  }

  create(objName: string, input: Rec, ctx: WriteContext): string {
    const obj = this.requireObject(objName);
    return this.atomic(() => {
      this.beforeWrite(obj.name, undefined);
      const values = this.resolveInput(obj, input, 'create');
      const now = this.clock.stamp();
      const stamp = formatDateTime(now);
      const id = this.ids.next(obj.keyPrefix);
      const rec: Rec = {};
      for (const f of obj.fields) rec[f.name] = null;
      Object.assign(rec, { Id: id, IsDeleted: false, CreatedDate: stamp, CreatedById: ctx.userId, LastModifiedDate: stamp, LastModifiedById: ctx.userId, SystemModstamp: stamp });
      for (const f of obj.fields) {
        if (f.type === 'boolean' && rec[f.name] === null && !SYSTEM_FIELDS.has(f.name)) rec[f.name] = f.defaultValue === true;
        else if (f.defaultValue !== undefined && f.defaultValue !== null && f.type !== 'boolean') rec[f.name] = f.defaultValue;
      }
      if (obj.fields.some((f) => f.name === 'OwnerId')) rec.OwnerId = ctx.userId;
      Object.assign(rec, values);
      const missing = obj.fields.filter((f) => f.required && f.createable && (rec[f.name] === null || rec[f.name] === undefined)).map((f) => f.name);
      // An opportunity product needs a price book entry (or, from v38, a product to find one by).
      if (obj.name === 'OpportunityLineItem' && rec.PricebookEntryId == null && rec.Product2Id == null) missing.push('PricebookEntryId');
      if (missing.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
      for (const f of obj.fields) if (f.autoNumber) rec[f.name] = this.nextAutoNumber(obj, f);
      this.derive(obj, rec, now);
      // A real org refuses to create a contract in the Activated status category: insert it as Draft, then activate.
      if (obj.name === 'Contract' && rec.StatusCode === 'Activated') {
        throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Status: a contract must be created in the Draft status category; activate it with an update', ['Status']);
      }
      this.checkUnique(obj, rec);
      this.store.put(obj.name, rec);
      const fields: Rec = {};
      for (const [k, v] of Object.entries(rec)) if (v !== null && k !== 'Id' && k !== 'IsDeleted' && k !== 'SystemModstamp') fields[k] = v;
      this.emit(obj, 'CREATE', id, [], fields, ctx);
      return id;
    });
  }

  update(objName: string, rawId: string, input: Rec, ctx: WriteContext): string {
    const obj = this.requireObject(objName);
    return this.atomic(() => {
      const prev = this.requireRecord(obj, rawId);
      this.beforeWrite(obj.name, prev.Id as string);
      const { Id: _ignored, id: _ignored2, ...rest } = input;
      const values = this.resolveInput(obj, rest, 'update');
      const now = this.clock.stamp();
      const rec: Rec = { ...prev, ...values, LastModifiedDate: formatDateTime(now), LastModifiedById: ctx.userId, SystemModstamp: formatDateTime(now) };
      const blanked = obj.fields.filter((f) => f.required && f.updateable && f.name in values && values[f.name] === null).map((f) => f.name);
      if (blanked.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${blanked.join(', ')}]`, blanked);
      this.derive(obj, rec, now);
      this.checkUnique(obj, rec);
      this.store.put(obj.name, rec);
      const changed = obj.fields.filter((f) => !SYSTEM_FIELDS.has(f.name) && JSON.stringify(prev[f.name]) !== JSON.stringify(rec[f.name])).map((f) => f.name);
      const changedFields = [...changed, 'LastModifiedDate'];
      if (prev.LastModifiedById !== rec.LastModifiedById) changedFields.push('LastModifiedById');
      const fields: Rec = { LastModifiedDate: rec.LastModifiedDate };
      for (const f of changedFields) fields[f] = rec[f];
      this.emit(obj, 'UPDATE', rec.Id as string, changedFields, fields, ctx);
      return rec.Id as string;
    });
  }

  remove(objName: string, rawId: string, ctx: WriteContext): string {
    const obj = this.requireObject(objName);
    return this.atomic(() => {
      const prev = this.requireRecord(obj, rawId);
      this.beforeWrite(obj.name, prev.Id as string);
      this.softDelete(obj, prev, ctx);
      return prev.Id as string;
    });
  }

  private softDelete(obj: ObjectDef, prev: Rec, ctx: WriteContext): void {
    const stamp = formatDateTime(this.clock.stamp());
    this.store.put(obj.name, { ...prev, IsDeleted: true, LastModifiedDate: stamp, LastModifiedById: ctx.userId, SystemModstamp: stamp });
    this.emit(obj, 'DELETE', prev.Id as string, [], {}, ctx);
    for (const child of this.schema.childRelationships(obj.name)) {
      if (!child.cascadeDelete) continue;
      const childObj = this.schema.object(child.childSObject);
      if (!childObj) continue;
      for (const r of this.store.all(childObj.name)) {
        if (!r.IsDeleted && r[child.field] === prev.Id) this.softDelete(childObj, r, ctx);
      }
    }
  }

  undelete(objName: string, rawId: string, ctx: WriteContext): string {
    const obj = this.requireObject(objName);
    return this.atomic(() => {
      const prev = this.requireRecord(obj, rawId, true);
      const stamp = formatDateTime(this.clock.stamp());
      const rec: Rec = { ...prev, IsDeleted: false, LastModifiedDate: stamp, SystemModstamp: stamp };
      this.checkUnique(obj, rec);
      this.store.put(obj.name, rec);
      this.emit(obj, 'UNDELETE', rec.Id as string, [], {}, ctx);
      return rec.Id as string;
    });
  }

  /** External ID field usable for upsert, or 404 NOT_FOUND with Salesforce's message. */
  upsertField(obj: ObjectDef, extField: string): FieldDef {
    const f = this.schema.field(obj.name, extField);
    if (!f || !(f.externalId || f.type === 'id')) {
      throw new SfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
    }
    return f;
  }

  /** Upsert: 0 matches → create, 1 → update, several → 300 MULTIPLE_CHOICES (the error carries the ids). */
  upsert(objName: string, extField: string, value: unknown, input: Rec, ctx: WriteContext): { id: string; created: boolean } {
    const obj = this.requireObject(objName);
    const f = this.upsertField(obj, extField);
    return this.atomic(() => {
      const matches = this.matchExternal(obj, f, value);
      if (matches.length > 1) throw new MultipleMatches(obj.name, matches);
      const body = { ...input };
      for (const k of Object.keys(body)) if (k.toLowerCase() === f.name.toLowerCase()) delete body[k];
      if (matches.length === 1) return { id: this.update(obj.name, matches[0], body, ctx), created: false };
      if (f.type === 'id' && value) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return { id: this.create(obj.name, f.type === 'id' ? body : { ...body, [f.name]: value }, ctx), created: true };
    });
  }

  matchExternal(obj: ObjectDef, f: FieldDef, value: unknown): string[] {
    if (value === null || value === undefined || value === '') return [];
    if (f.type === 'id') {
      const id = normalizeId(value);
      const rec = id ? this.store.get(obj.name, id) : undefined;
      return rec && !rec.IsDeleted ? [id as string] : [];
    }
    return this.store.lookup(obj.name, f.name, coerceValue(f, value));
  }

  /** Validates and converts client input; resolves `{"Account": {"Ext__c": "x"}}` foreign-key references. */
  resolveInput(obj: ObjectDef, input: Rec, mode: 'create' | 'update'): Rec {
    const out: Rec = {};
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const f = this.schema.field(obj.name, key);
      if (!f) {
        const rel = this.schema.relationship(obj.name, key);
        if (rel && raw && typeof raw === 'object') {
          out[rel.name] = this.resolveForeignKey(obj, rel, raw as Rec);
          continue;
        }
        throw new SfError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${obj.name}`);
      }
      if (mode === 'create' ? !f.createable : !f.updateable) {
        if (f.name === 'Id' && mode === 'update') continue;
        throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [f.name]);
      }
      const v = coerceValue(f, raw);
      if (f.type === 'reference' && v !== null) this.checkReference(f, v as string);
      out[f.name] = v;
    }
    return out;
  }

  private resolveForeignKey(obj: ObjectDef, rel: FieldDef, raw: Rec): string {
    const targetName = (raw.attributes as Rec | undefined)?.type as string | undefined;
    const target = this.schema.object(targetName ?? rel.referenceTo[0] ?? '');
    const entries = Object.entries(raw).filter(([k]) => k !== 'attributes');
    if (!target || entries.length !== 1) throw new SfError(400, 'INVALID_FIELD', `Invalid foreign key relationship name ${rel.relationshipName}`);
    const [k, v] = entries[0];
    const f = this.schema.field(target.name, k);
    if (!f || !(f.externalId || f.type === 'id')) throw new SfError(400, 'INVALID_FIELD', `Field name provided, ${k} is not an External ID or indexed field for ${target.name}`);
    const matches = this.matchExternal(target, f, v);
    if (matches.length === 0) throw new SfError(400, 'INVALID_FIELD', `Foreign key external ID: ${String(v)} not found for field ${f.name} in entity ${target.name}`);
    if (matches.length > 1) throw new SfError(400, 'INVALID_FIELD', `Foreign key external ID: ${String(v)} matched more than one record for field ${f.name} in entity ${target.name}`);
    return matches[0];
  }

  private checkReference(f: FieldDef, id: string): void {
    const target = this.schema.objectByPrefix(id.slice(0, 3));
    if (!target || !f.referenceTo.some((r) => r.toLowerCase() === target.name.toLowerCase())) {
      if (!target && f.referenceTo.some((r) => !this.schema.object(r))) return; // target object not emulated (e.g. Profile)
      throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', `field integrity exception: unknown (${f.label}: id value of incorrect type: ${id})`, [f.name]);
    }
    const rec = this.store.get(target.name, id);
    if (!rec) throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, []);
    if (rec.IsDeleted) throw new SfError(400, 'ENTITY_IS_DELETED', 'entity is deleted', []);
  }

  private checkUnique(obj: ObjectDef, rec: Rec): void {
    for (const f of obj.fields) {
      if (!(f.unique || f.name === 'Username') || rec[f.name] == null) continue;
      const other = this.store.lookup(obj.name, f.name, rec[f.name]).find((id) => id !== rec.Id);
      if (other) throw new SfError(400, 'DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${other}`, []);
    }
  }

  private nextAutoNumber(obj: ObjectDef, f: FieldDef): string {
    const key = `${obj.name}.${f.name}`;
    const n = (this.autoNumbers.get(key) ?? 0) + 1;
    this.autoNumbers.set(key, n);
    const fmt = f.displayFormat ?? '{0}';
    return fmt.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
  }

  /** Standard fields Salesforce computes itself. */
  private derive(obj: ObjectDef, rec: Rec, now: number): void {
    switch (obj.name) {
      case 'Contact':
      case 'User':
        rec.Name = [rec.FirstName, rec.LastName].filter((x) => x).join(' ');
        break;
      case 'Opportunity': {
        const stage = String(rec.StageName ?? '');
        rec.IsClosed = stage.startsWith('Closed');
        rec.IsWon = stage === 'Closed Won';
        rec.ForecastCategory = rec.IsWon ? 'Closed' : rec.IsClosed ? 'Omitted' : 'Pipeline';
        rec.ForecastCategoryName ??= rec.IsWon ? 'Closed' : rec.IsClosed ? 'Omitted' : 'Pipeline';
        if (rec.Probability === null) rec.Probability = rec.IsWon ? 100 : rec.IsClosed ? 0 : 10;
        rec.ExpectedRevenue = typeof rec.Amount === 'number' ? (rec.Amount * Number(rec.Probability)) / 100 : null;
        if (typeof rec.CloseDate === 'string') {
          const d = new Date(`${rec.CloseDate}T00:00:00Z`);
          rec.FiscalYear = d.getUTCFullYear();
          rec.FiscalQuarter = Math.floor(d.getUTCMonth() / 3) + 1;
          rec.Fiscal = `${rec.FiscalYear} ${rec.FiscalQuarter}`;
        }
        break;
      }
      case 'OpportunityLineItem': {
        const pbe = typeof rec.PricebookEntryId === 'string' ? this.store.get('PricebookEntry', rec.PricebookEntryId) : undefined;
        if (pbe) {
          rec.Product2Id ??= pbe.Product2Id;
          rec.ListPrice = pbe.UnitPrice;
          rec.UnitPrice ??= pbe.UnitPrice;
        }
        const product = typeof rec.Product2Id === 'string' ? this.store.get('Product2', rec.Product2Id) : undefined;
        if (product) {
          rec.ProductCode = product.ProductCode;
          rec.Name = product.Name;
        }
        if (typeof rec.Quantity === 'number' && typeof rec.UnitPrice === 'number') rec.TotalPrice = Math.round(rec.Quantity * rec.UnitPrice * 100) / 100;
        break;
      }
      case 'PricebookEntry': {
        const product = typeof rec.Product2Id === 'string' ? this.store.get('Product2', rec.Product2Id) : undefined;
        if (product) {
          rec.Name = product.Name;
          rec.ProductCode = product.ProductCode;
        }
        break;
      }
      case 'Contract': {
        rec.StatusCode = rec.Status === 'Activated' ? 'Activated' : rec.Status === 'In Approval Process' ? 'InApproval' : 'Draft';
        if (rec.Status === 'Activated' && !rec.ActivatedDate) rec.ActivatedDate = formatDateTime(now);
        if (this.contractAutoEndDate && typeof rec.StartDate === 'string' && typeof rec.ContractTerm === 'number') {
          // StartDate + ContractTerm months, clamped to the month's end (Jan 31 + 1 month = Feb 28, never March 3),
          // minus one day: Nov 30 + 1 month → Dec 29.
          const s = new Date(`${rec.StartDate}T00:00:00Z`);
          const months = s.getUTCFullYear() * 12 + s.getUTCMonth() + rec.ContractTerm;
          const y = Math.floor(months / 12);
          const m = months % 12;
          const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
          rec.EndDate = formatDate(Date.UTC(y, m, Math.min(s.getUTCDate(), lastDay)) - 86_400_000);
        }
        break;
      }
      case 'Task':
        rec.IsClosed = rec.Status === 'Completed';
        rec.IsHighPriority = rec.Priority === 'High';
        break;
      default:
    }
  }

  private emit(obj: ObjectDef, changeType: ChangeEvent['changeType'], id: string, changedFields: string[], fields: Rec, ctx: WriteContext): void {
    const event: ChangeEvent = {
      entityName: obj.name,
      changeType,
      recordIds: [id],
      changedFields,
      commitTimestamp: this.clock.now(),
      commitUser: ctx.userId,
      changeOrigin: `com/salesforce/api/${ctx.api}/${ctx.version}${ctx.client ? `;client=${ctx.client}` : ''}`,
      transactionKey: this.txKey,
      sequenceNumber: ++this.seq,
      fields,
    };
    if (this.pending) this.pending.push(event);
    else this.publish([event]);
  }
}

/** Thrown by upsert when an External ID value matches several records (HTTP 300). */
export class MultipleMatches extends SfError {
  constructor(
    readonly objectName: string,
    readonly ids: string[],
  ) {
    super(300, 'MULTIPLE_CHOICES', `Multiple records found for the external ID value`);
  }
}
