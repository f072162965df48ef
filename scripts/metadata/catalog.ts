/** Objects and fields known to the package: standard ones plus every field file in force-app, with picklist values. */
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { asArray } from './field-rules';
import { STANDARD_OBJECTS } from './standard-objects';

export interface CatalogField {
  type: string;
  picklist?: { restricted: boolean; values: string[] };
}

export type Catalog = Map<string, Map<string, CatalogField>>;

export function loadCatalog(objectsDir: string): Catalog {
  const catalog: Catalog = new Map();
  for (const [name, fields] of Object.entries(STANDARD_OBJECTS)) {
    catalog.set(name, new Map(fields.map((f) => [f, { type: 'standard' }])));
  }
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  for (const objectName of fs.readdirSync(objectsDir)) {
    const fieldsDir = path.join(objectsDir, objectName, 'fields');
    const fields = catalog.get(objectName) ?? new Map<string, CatalogField>();
    catalog.set(objectName, fields);
    if (!fs.existsSync(fieldsDir)) continue;
    for (const file of fs.readdirSync(fieldsDir)) {
      const f = (
        parser.parse(fs.readFileSync(path.join(fieldsDir, file), 'utf8')) as { CustomField: Record<string, any> }
      ).CustomField;
      const field: CatalogField = { type: String(f.type) };
      if (f.valueSet?.valueSetDefinition) {
        field.picklist = {
          restricted: String(f.valueSet.restricted) === 'true',
          values: asArray(f.valueSet.valueSetDefinition.value as Array<{ fullName: string }>).map((v) =>
            String(v.fullName)
          )
        };
      }
      fields.set(file.replace('.field-meta.xml', ''), field);
    }
  }
  return catalog;
}
