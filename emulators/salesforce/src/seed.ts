import { readFileSync } from 'node:fs';
import type { Dml, WriteContext } from './data/dml';
import type { Rec } from './data/store';

/**
 * Seed data: object name → records. A record may carry `"@ref": "name"` and refer to earlier records with
 * `"@name"` values (e.g. `"AccountId": "@acme"`), since Ids are only known once inserted.
 */
export type SeedData = Record<string, Rec[]>;

export function loadSeedFile(path: string): SeedData {
  return JSON.parse(readFileSync(path, 'utf8')) as SeedData;
}

export function applySeed(dml: Dml, data: SeedData, ctx: WriteContext): Record<string, string> {
  const refs: Record<string, string> = {};
  dml.atomic(() => {
    for (const [objName, records] of Object.entries(data)) {
      for (const raw of records) {
        const { ['@ref']: ref, ...fields } = raw;
        for (const [k, v] of Object.entries(fields)) {
          if (typeof v === 'string' && v.startsWith('@') && refs[v.slice(1)]) fields[k] = refs[v.slice(1)];
        }
        const id = dml.create(objName, fields, ctx);
        if (typeof ref === 'string') refs[ref] = id;
      }
    }
  });
  return refs;
}
