import fs from 'fs';
import path from 'path';
import jsonata from 'jsonata';
import { registerMappingFunctions } from './functions';
import YAML from 'yaml';
import { issuePath, MappingConfigError, type MappingIssue } from './errors';
import { mappingSpec, type FieldSpec, type MappingSpec, type Owner } from './spec';

export type Expression = jsonata.Expression;

/** Which way values flow: from the owner of a field to the other system. */
export type Direction = 'coupa-to-salesforce' | 'salesforce-to-coupa';
export const sourceOf = (d: Direction): Owner => (d === 'coupa-to-salesforce' ? 'coupa' : 'salesforce');
export const targetOf = (d: Direction): Owner => (d === 'coupa-to-salesforce' ? 'salesforce' : 'coupa');

export interface CompiledField {
  /** Position in the file's `fields` list (for messages: fields[3]). */
  index: number;
  spec: FieldSpec;
  owner: Owner;
  transforms: Array<{ name: string; expr: Expression }>;
  expression?: Expression;
  when?: Expression;
}

export interface CompiledMapping {
  file: string;
  name: string;
  spec: MappingSpec;
  transforms: Map<string, Expression>;
  condition: Partial<Record<Owner, Expression>>;
  fields: CompiledField[];
}

function compileExpr(src: string, file: string, at: string, issues: MappingIssue[]): Expression | undefined {
  try {
    return registerMappingFunctions(jsonata(src));
  } catch (err) {
    const e = err as { message?: string; position?: number };
    issues.push({ file, path: at, severity: 'error', message: `invalid JSONata expression (${e.message}${e.position !== undefined ? ` at character ${e.position}` : ''})` });
    return undefined;
  }
}

/** Compiles a parsed mapping; every problem is collected and reported together. */
export function compileMapping(raw: unknown, file: string): { mapping?: CompiledMapping; issues: MappingIssue[] } {
  const parsed = mappingSpec.safeParse(raw);
  if (!parsed.success) {
    return { issues: parsed.error.issues.map((i) => ({ file, path: issuePath(i.path), message: i.message, severity: 'error' as const })) };
  }
  const spec = parsed.data;
  const issues: MappingIssue[] = [];
  const transforms = new Map<string, Expression>();
  for (const [name, src] of Object.entries(spec.transforms)) {
    const expr = compileExpr(src, file, `transforms.${name}`, issues);
    if (expr) transforms.set(name, expr);
  }
  const condition: Partial<Record<Owner, Expression>> = {};
  if (typeof spec.condition === 'string') {
    const expr = compileExpr(spec.condition, file, 'condition', issues);
    if (expr) condition.coupa = condition.salesforce = expr;
  } else if (spec.condition) {
    for (const side of ['coupa', 'salesforce'] as const) {
      const src = spec.condition[side];
      if (src) condition[side] = compileExpr(src, file, `condition.${side}`, issues);
    }
  }
  const fields = spec.fields.map((f, index): CompiledField => {
    const at = `fields[${index}]`;
    const names = f.transform === undefined ? [] : Array.isArray(f.transform) ? f.transform : [f.transform];
    const chain = names.flatMap((name, k) => {
      const expr = transforms.get(name);
      if (!expr && !(name in spec.transforms)) {
        issues.push({ file, path: `${at}.transform${Array.isArray(f.transform) ? `[${k}]` : ''}`, severity: 'error', message: `unknown transform '${name}' (defined: ${Object.keys(spec.transforms).join(', ') || 'none'})` });
      }
      return expr ? [{ name, expr }] : [];
    });
    return {
      index,
      spec: f,
      owner: f.owner,
      transforms: chain,
      expression: f.expression !== undefined ? compileExpr(f.expression, file, `${at}.expression`, issues) : undefined,
      when: f.when !== undefined ? compileExpr(f.when, file, `${at}.when`, issues) : undefined,
    };
  });
  if (spec.salesforce.externalId && !spec.fields.some((f) => f.salesforce === spec.salesforce.externalId)) {
    issues.push({ file, path: 'salesforce.externalId', severity: 'error', message: `${spec.salesforce.externalId} is not mapped by any field, so records cannot be matched` });
  }
  const name = spec.name ?? path.basename(file).replace(/\.(ya?ml|json)$/, '');
  return { mapping: { file, name, spec, transforms, condition, fields }, issues };
}

/** Parses and compiles one mapping file's text (YAML or JSON); throws MappingConfigError naming the file. */
export function parseMapping(text: string, file: string): CompiledMapping {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new MappingConfigError(
      doc.errors.map((e) => ({ file, path: e.linePos ? `line ${e.linePos[0].line}` : '', message: `invalid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, severity: 'error' })),
    );
  }
  const { mapping, issues } = compileMapping(doc.toJS(), file);
  if (!mapping || issues.some((i) => i.severity === 'error')) throw new MappingConfigError(issues);
  return mapping;
}

/** Loads a mapping file; the file name in messages is relative to `relativeTo` (default: cwd). */
export function loadMappingFile(file: string, relativeTo = process.cwd()): CompiledMapping {
  return parseMapping(fs.readFileSync(file, 'utf8'), path.relative(relativeTo, file) || file);
}

/** Loads every *.yaml / *.yml / *.json mapping in a directory, reporting all files' errors together. */
export function loadMappingDir(dir: string, relativeTo = process.cwd()): CompiledMapping[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
  const out: CompiledMapping[] = [];
  const issues: MappingIssue[] = [];
  for (const f of files) {
    try {
      out.push(loadMappingFile(path.join(dir, f), relativeTo));
    } catch (err) {
      if (err instanceof MappingConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length) throw new MappingConfigError(issues);
  return out;
}
