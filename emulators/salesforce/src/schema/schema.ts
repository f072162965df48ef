import { createHash } from 'node:crypto';
import { loadChangeEventSelections, loadMetadataDir } from './metadata';
import { makeObject, standardObjects } from './standard';
import { FieldDef, ObjectDef, makeField } from './types';

export interface ChildRelationship {
  childSObject: string;
  field: string;
  relationshipName: string;
  cascadeDelete: boolean;
}

/** The org's data model: case-insensitive lookup of objects, fields, parent and child relationships. */
export class Schema {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly fieldIndex = new Map<string, Map<string, FieldDef>>();
  private readonly relIndex = new Map<string, Map<string, FieldDef>>();
  private readonly childIndex = new Map<string, ChildRelationship[]>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  /** Lower-case names of objects selected for Change Data Capture in the metadata. */
  readonly changeEventEntities = new Set<string>();

  constructor(metadataDirs: string[] = []) {
    for (const o of standardObjects()) this.objects.set(o.name.toLowerCase(), o);
    for (const dir of metadataDirs) {
      for (const e of loadChangeEventSelections(dir)) this.changeEventEntities.add(e.toLowerCase());
      for (const parsed of loadMetadataDir(dir)) {
        let obj = this.objects.get(parsed.name.toLowerCase());
        if (!obj) {
          if (!parsed.name.endsWith('__c')) continue; // only custom objects can be created from metadata
          const label = parsed.label ?? parsed.name.replace(/__c$/, '').replace(/_/g, ' ');
          obj = makeObject(parsed.name, this.customPrefix(parsed.name), [parsed.nameField ?? { name: 'Name', type: 'string', length: 80, nameField: true, label: `${label} Name` }], {
            owned: !parsed.controlledByParent,
            label,
            labelPlural: parsed.labelPlural ?? `${label}s`,
            custom: true,
          });
          this.objects.set(parsed.name.toLowerCase(), obj);
          this.byPrefix.set(obj.keyPrefix, obj);
        }
        for (const f of parsed.fields) {
          const i = obj.fields.findIndex((x) => x.name.toLowerCase() === f.name.toLowerCase());
          if (i >= 0) obj.fields[i] = f;
          else obj.fields.push(f);
        }
        if (parsed.controlledByParent) obj.fields = obj.fields.filter((f) => f.name !== 'OwnerId');
        if (parsed.activities && obj.custom) {
          const whatId = this.objects.get('task')?.fields.find((f) => f.name === 'WhatId');
          if (whatId && !whatId.referenceTo.includes(obj.name)) whatId.referenceTo.push(obj.name);
        }
        for (const rt of parsed.recordTypes) obj.recordTypes.push(rt);
      }
    }
    for (const obj of this.objects.values()) {
      if (obj.recordTypes.length && !obj.fields.some((f) => f.name === 'RecordTypeId')) {
        obj.fields.splice(2, 0, makeField({ name: 'RecordTypeId', type: 'reference', referenceTo: ['RecordType'], relationshipName: 'RecordType', label: 'Record Type ID' }));
      }
      this.byPrefix.set(obj.keyPrefix, obj);
    }
    this.buildIndexes();
  }

  private customPrefix(name: string): string {
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const h = createHash('sha1').update(name.toLowerCase()).digest();
    for (let i = 0; i < h.length - 1; i++) {
      const p = `a${chars[h[i] % 36]}${chars[h[i + 1] % 36]}`;
      if (!this.byPrefix.has(p)) return p;
    }
    throw new Error(`no key prefix left for ${name}`);
  }

  private buildIndexes(): void {
    for (const obj of this.objects.values()) {
      const fields = new Map<string, FieldDef>();
      const rels = new Map<string, FieldDef>();
      for (const f of obj.fields) {
        fields.set(f.name.toLowerCase(), f);
        if (f.relationshipName) rels.set(f.relationshipName.toLowerCase(), f);
      }
      this.fieldIndex.set(obj.name.toLowerCase(), fields);
      this.relIndex.set(obj.name.toLowerCase(), rels);
    }
    for (const obj of this.objects.values()) {
      for (const f of obj.fields) {
        if (f.type !== 'reference' || !f.childRelationshipName) continue;
        for (const parent of f.referenceTo) {
          const key = parent.toLowerCase();
          const list = this.childIndex.get(key) ?? [];
          list.push({ childSObject: obj.name, field: f.name, relationshipName: f.childRelationshipName, cascadeDelete: f.cascadeDelete });
          this.childIndex.set(key, list);
        }
      }
    }
  }

  all(): ObjectDef[] {
    return [...this.objects.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  object(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  field(objectName: string, field: string): FieldDef | undefined {
    return this.fieldIndex.get(objectName.toLowerCase())?.get(field.toLowerCase());
  }

  /** Parent relationship (`Account`, `Owner`, `Account__r`) → its reference field. */
  relationship(objectName: string, rel: string): FieldDef | undefined {
    return this.relIndex.get(objectName.toLowerCase())?.get(rel.toLowerCase());
  }

  childRelationships(objectName: string): ChildRelationship[] {
    return this.childIndex.get(objectName.toLowerCase()) ?? [];
  }

  childRelationship(objectName: string, rel: string): ChildRelationship | undefined {
    return this.childRelationships(objectName).find((c) => c.relationshipName.toLowerCase() === rel.toLowerCase());
  }
}
