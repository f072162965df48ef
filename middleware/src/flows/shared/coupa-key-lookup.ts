/**
 * Finding the Coupa record a Salesforce record made, by the custom field that carries the Salesforce id (the
 * idempotency key Coupa keeps). Every hit is verified: an instance that does not apply the custom-field filter answers
 * with arbitrary records, and taking one of those would link (and never create) the wrong record.
 */
import type { Logger } from 'pino';
import { CoupaResource, projectionFromPaths, type CoupaClient, type CoupaResourceName, type FieldProjection } from '../../coupa';
import { chunks } from './salesforce-writes';

export type KeyedRecord = Record<string, unknown> & { id: number };

export interface CoupaKeyLookup {
  /** What look-ups read: id, the key field and the declared extra fields. */
  fields: FieldProjection;
  /** The oldest record whose key field holds this id, or null. */
  find(key: string): Promise<KeyedRecord | null>;
  /**
   * One request per 50 ids (`custom_fields[…][in]`). `trusted` is false when the answer held a record of an id not
   * asked for (the instance ignored the filter): then a miss proves nothing and each create must look itself up.
   */
  findPage(keys: string[]): Promise<{ trusted: boolean; found: Map<string, KeyedRecord> }>;
  /** The key a record carries, or null. */
  keyOf(record: Record<string, unknown>): string | null;
}

/** The key a Coupa record carries in one of its custom fields (trimmed), or null when it carries none. */
export function customFieldKey(record: Record<string, unknown>, field: string): string | null {
  const v = (record['custom-fields'] as Record<string, unknown> | null | undefined)?.[field];
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

/** Ids per `[in]` request: Coupa pages answers by 50. */
const IN_CHUNK = 50;

export function coupaKeyLookup(coupa: CoupaClient, o: { resource: CoupaResourceName; keyField: string; fields?: string[]; logger: Logger }): CoupaKeyLookup {
  const resource = new CoupaResource(coupa, o.resource);
  const filter = `custom_fields[${o.keyField}]`;
  const fields = projectionFromPaths(['id', ...(o.fields ?? []), `custom-fields.${o.keyField}`]);
  const keyOf = (record: Record<string, unknown>): string | null => customFieldKey(record, o.keyField);

  return {
    fields,
    keyOf,
    async find(key) {
      const found = (await resource.find({ filters: { [filter]: key }, fields, limit: 5 })) as KeyedRecord[];
      const verified = found.filter((r) => keyOf(r) === key);
      if (verified.length < found.length) {
        o.logger.warn(
          { key, ignored: found.filter((r) => !verified.includes(r)).map((r) => r.id) },
          `Coupa answered the ${filter} lookup with ${o.resource} of other records (is the custom field filterable on this instance?); only a record carrying this id counts`,
        );
      }
      return verified.sort((a, b) => a.id - b.id)[0] ?? null;
    },
    async findPage(keys) {
      const found = new Map<string, KeyedRecord>();
      let trusted = true;
      for (const part of chunks(keys, IN_CHUNK)) {
        const asked = new Set(part);
        for await (const r of resource.list({ filters: { [`${filter}[in]`]: part.join(',') }, fields }) as AsyncGenerator<KeyedRecord>) {
          const key = keyOf(r);
          if (!key || !asked.has(key)) {
            trusted = false;
            continue;
          }
          const seen = found.get(key);
          if (!seen || r.id < seen.id) found.set(key, r);
        }
      }
      if (!trusted) o.logger.warn({ asked: keys.length }, `Coupa ignored the ${filter}[in] filter; each ${o.resource} create looks itself up first`);
      return { trusted, found };
    },
  };
}
