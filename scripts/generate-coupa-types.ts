/**
 * Generates middleware/src/coupa/generated/{types,schema}.ts from Coupa's published R39 Swagger files.
 *
 *   npx tsx scripts/generate-coupa-types.ts [--swagger-dir DIR] [--check]
 *
 * The swagger directory defaults to $COUPA_SWAGGER_DIR, then emulators/coupa/swagger/r39 (a vendored
 * copy of Coupa's files), then ../shared/reference/coupa-swagger-r39. `--check` exits 1 when the
 * committed files differ from what the Swagger produces.
 */
import fs from 'fs';
import path from 'path';

interface SwaggerProp {
  type?: string;
  format?: string;
  enum?: unknown[];
  readOnly?: boolean;
  $ref?: string;
  items?: SwaggerProp;
}
interface SwaggerDef {
  properties?: Record<string, SwaggerProp>;
  required?: string[];
}
interface SwaggerFile {
  paths: Record<string, unknown>;
  definitions: Record<string, SwaggerDef>;
}

/** The resources the connector reads or writes: API path → Swagger file and root definition. */
export const RESOURCES = {
  suppliers: { file: 'R39_Core_Platform_API.json', definition: 'Supplier' },
  supplier_information: { file: 'R39_Core_Platform_API.json', definition: 'SupplierInformation' },
  requisitions: { file: 'R39_Purchasing_API.json', definition: 'RequisitionHeader' },
  purchase_orders: { file: 'R39_Purchasing_API.json', definition: 'OrderHeader' },
  invoices: { file: 'R39_Invoicing_API.json', definition: 'InvoiceHeader' },
  contracts: { file: 'R39_Purchasing_API.json', definition: 'Contract' },
  budget_lines: { file: 'R39_Core_Platform_API.json', definition: 'BudgetLine' },
  users: { file: 'R39_Core_Platform_API.json', definition: 'User' },
  supplier_risk_aware_feed: { file: 'R39_Supplier_Risk_API.json', definition: 'SupplierRiskAwareFeed' },
} as const;

export const OUTPUT_DIR = path.join(__dirname, '..', 'middleware', 'src', 'coupa', 'generated');

export function defaultSwaggerDir(): string | undefined {
  const candidates = [
    process.env.COUPA_SWAGGER_DIR,
    path.join(__dirname, '..', 'emulators', 'coupa', 'swagger', 'r39'),
    path.join(__dirname, '..', '..', 'shared', 'reference', 'coupa-swagger-r39'),
  ];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'R39_Core_Platform_API.json')));
}

/** Compact field description used by mapping validation. */
export interface SchemaField {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'date' | 'object' | 'array' | 'custom-fields';
  ref?: string;
  enum?: string[];
  readOnly?: boolean;
  maxLength?: number;
}

const refName = (ref: string) => ref.replace('#/definitions/', '');
const typeName = (def: string) => 'Coupa' + def.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));

function fieldOf(p: SwaggerProp): SchemaField {
  if (p.$ref) return { type: 'object', ref: refName(p.$ref) };
  if (p.type === 'array') return { type: 'array', ...(p.items?.$ref ? { ref: refName(p.items.$ref) } : {}) };
  const out: SchemaField = { type: 'string' };
  if (p.type === 'integer') out.type = 'integer';
  else if (p.type === 'number') out.type = 'number';
  else if (p.type === 'boolean') out.type = 'boolean';
  else if (p.format === 'datetime') out.type = 'datetime';
  else if (p.format === 'date') out.type = 'date';
  const enums = (p.enum ?? []).filter((v): v is string => typeof v === 'string' && v !== '');
  if (enums.length > 0 && out.type === 'string') out.enum = enums;
  if (p.readOnly) out.readOnly = true;
  const len = /^string\((\d+)\)$/.exec(p.format ?? '');
  if (len) out.maxLength = Number(len[1]);
  return out;
}

export function generate(swaggerDir: string): Record<string, string> {
  const files = new Map<string, SwaggerFile>();
  const load = (f: string) => {
    if (!files.has(f)) files.set(f, JSON.parse(fs.readFileSync(path.join(swaggerDir, f), 'utf8')) as SwaggerFile);
    return files.get(f)!;
  };
  // definition name → merged fields (first file to define a property wins)
  const defs = new Map<string, Map<string, SchemaField>>();
  for (const [resource, { file, definition }] of Object.entries(RESOURCES)) {
    const swagger = load(file);
    if (!swagger.paths[`/${resource}`]) throw new Error(`${file} has no /${resource} path`);
    const queue: string[] = [definition];
    const seen = new Set<string>();
    while (queue.length) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const def = swagger.definitions[name];
      if (!def) throw new Error(`${file}: definition ${name} not found`);
      const fields = defs.get(name) ?? new Map<string, SchemaField>();
      defs.set(name, fields);
      for (const [prop, p] of Object.entries(def.properties ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        if (!fields.has(prop)) fields.set(prop, fieldOf(p));
        const f = fields.get(prop)!;
        if (f.ref) queue.push(f.ref);
      }
    }
    // Custom fields live under a namespace Swagger does not describe (Coupa docs: custom-field-namespace).
    defs.get(definition)!.set('custom-fields', { type: 'custom-fields' });
  }
  const names = [...defs.keys()].sort();
  const header = '// Generated by scripts/generate-coupa-types.ts from Coupa R39 Swagger. Do not edit.\n';

  const tsType = (f: SchemaField): string => {
    switch (f.type) {
      case 'object':
        return f.ref ? typeName(f.ref) : 'Record<string, unknown>';
      case 'array':
        return f.ref ? `${typeName(f.ref)}[]` : 'unknown[]';
      case 'integer':
        return 'number';
      case 'number':
        // Coupa serialises decimals as strings ("567.07") but some as numbers.
        return 'number | string';
      case 'boolean':
        return 'boolean';
      case 'custom-fields':
        return 'Record<string, unknown>';
      default:
        return f.enum ? f.enum.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    }
  };
  let types = header + '/* eslint-disable */\n';
  for (const name of names) {
    types += `\nexport interface ${typeName(name)} {\n`;
    for (const [prop, f] of defs.get(name)!) types += `  ${JSON.stringify(prop)}?: ${tsType(f)} | null;\n`;
    types += '}\n';
  }
  types += '\n/** Root record type of each resource. */\nexport interface CoupaResourceTypes {\n';
  for (const [resource, { definition }] of Object.entries(RESOURCES)) types += `  ${resource}: ${typeName(definition)};\n`;
  types += '}\n';

  const schemaObj: Record<string, Record<string, SchemaField>> = {};
  for (const name of names) schemaObj[name] = Object.fromEntries(defs.get(name)!);
  const rootObj = Object.fromEntries(Object.entries(RESOURCES).map(([r, v]) => [r, v.definition]));
  let schema = header;
  schema += "import type { CoupaSchema } from '../schema-types';\n\n";
  schema += `export const COUPA_SCHEMA: CoupaSchema = ${JSON.stringify({ resources: rootObj, definitions: schemaObj })};\n`;
  return { 'types.ts': types, 'schema.ts': schema };
}

function main(): void {
  const args = process.argv.slice(2);
  const dirFlag = args.indexOf('--swagger-dir');
  const dir = dirFlag >= 0 ? args[dirFlag + 1] : defaultSwaggerDir();
  if (!dir) throw new Error('Coupa Swagger files not found; pass --swagger-dir or set COUPA_SWAGGER_DIR');
  const out = generate(dir);
  const check = args.includes('--check');
  let stale = false;
  for (const [file, content] of Object.entries(out)) {
    const target = path.join(OUTPUT_DIR, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current === content) continue;
    stale = true;
    if (!check) {
      fs.mkdirSync(OUTPUT_DIR, { recursive: true });
      fs.writeFileSync(target, content);
      console.log(`wrote ${path.relative(process.cwd(), target)}`);
    } else console.error(`${path.relative(process.cwd(), target)} is stale`);
  }
  if (check && stale) process.exit(1);
}

if (require.main === module) main();
