import fs from 'fs';
import path from 'path';

/**
 * Coupa's published R39 Swagger 2.0 files, copied verbatim into ../swagger/r39. Field names, types, enums,
 * read-only flags and association slots all come from here at runtime.
 */
export interface SwaggerProperty {
  type?: string;
  format?: string;
  enum?: unknown[];
  readOnly?: boolean;
  $ref?: string;
  items?: SwaggerProperty;
  description?: string;
}
export interface SwaggerDefinition {
  type?: string;
  properties?: Record<string, SwaggerProperty>;
  required?: string[];
}
export interface SwaggerOperation {
  file: string;
  method: string;
  path: string;
  responses: Record<string, { schema?: SwaggerProperty & { type?: string } }>;
}

const SWAGGER_DIR = path.join(__dirname, '..', 'swagger', 'r39');
export const SWAGGER_FILES = [
  'R39_Core_Platform_API.json',
  'R39_Purchasing_API.json',
  'R39_Invoicing_API.json',
  'R39_CLM_Standard_API.json',
  'R39_Supplier_Risk_API.json',
];

interface Loaded {
  definitions: Record<string, SwaggerDefinition>;
  operations: Map<string, SwaggerOperation>;
}
let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const definitions: Record<string, SwaggerDefinition> = {};
  const operations = new Map<string, SwaggerOperation>();
  for (const file of SWAGGER_FILES) {
    const doc = JSON.parse(fs.readFileSync(path.join(SWAGGER_DIR, file), 'utf8'));
    for (const [name, def] of Object.entries(doc.definitions as Record<string, SwaggerDefinition>)) {
      if (!definitions[name]) definitions[name] = def;
    }
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${p}`;
        if (!operations.has(key)) operations.set(key, { file, method: method.toUpperCase(), path: p, responses: op.responses ?? {} });
      }
    }
  }
  loaded = { definitions, operations };
  return loaded;
}

export function definitions(): Record<string, SwaggerDefinition> {
  return load().definitions;
}

export function definition(name: string): SwaggerDefinition {
  const def = load().definitions[name];
  if (!def) throw new Error(`Swagger definition ${name} not found`);
  return def;
}

export function property(defName: string, prop: string): SwaggerProperty | undefined {
  return definition(defName).properties?.[prop];
}

export function refName(p: SwaggerProperty | undefined): string | undefined {
  if (!p) return undefined;
  if (p.$ref) return p.$ref.split('/').pop();
  if (p.type === 'array' && p.items?.$ref) return p.items.$ref.split('/').pop();
  return undefined;
}

/** Swagger path template such as `/suppliers/{id}` for a method, or undefined when Coupa does not publish it. */
export function operation(method: string, swaggerPath: string): SwaggerOperation | undefined {
  return load().operations.get(`${method.toUpperCase()} ${swaggerPath}`);
}

/** Datetime attributes: Swagger format datetime/date, or a string whose description says "in the format YYYY-MM-DD…"
 * (Country and a few others omit the format). */
export function isDatetime(p: SwaggerProperty | undefined): boolean {
  return !!p && p.type === 'string' && (p.format === 'datetime' || p.format === 'date' || /format YYYY-MM-DD/.test(p.description ?? ''));
}

export function isDecimal(p: SwaggerProperty | undefined): boolean {
  return !!p && p.type === 'number';
}
