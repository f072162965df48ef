/**
 * The integration user's permission set must grant exactly what the flow catalog derives (objects, create/edit/
 * delete/View All, custom field read/edit; middleware/src/flows/salesforce-access.ts): nothing a flow needs is
 * missing, nothing no flow needs is granted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FLOW_CATALOG } from '../../middleware/src/flows/catalog';
import { salesforceAccess } from '../../middleware/src/flows/salesforce-access';
import { loadMappingDir } from '../../middleware/src/mapping';
import { asArray } from './field-rules';

export const INTEGRATION_PERMISSION_SET = 'Coupa_Integration_User.permissionset-meta.xml';
const MAPPINGS_DIR = path.join('config', 'mappings');

const OBJECT_RIGHTS = [
  ['create', 'allowCreate'],
  ['edit', 'allowEdit'],
  ['delete', 'allowDelete'],
  ['viewAll', 'viewAllRecords'],
] as const;

/**
 * Differences between a parsed integration permission set and the catalog's derivation, as messages; empty when they
 * agree. Skipped (no messages) for a project without `config/mappings`.
 */
export function catalogPermissionGaps(projectDir: string, ps: Record<string, unknown>): string[] {
  const dir = path.join(projectDir, MAPPINGS_DIR);
  if (!fs.existsSync(dir)) return [];
  const mappings = new Map(loadMappingDir(dir, projectDir).map((m) => [m.name, m]));
  const need = salesforceAccess(FLOW_CATALOG, mappings);
  const gaps: string[] = [];
  const by = (flows: string[]) => `(needed by ${flows.join(', ')})`;

  const granted = new Map(asArray(ps.objectPermissions as Record<string, unknown>[] | undefined).map((op) => [String(op.object), op]));
  for (const [name, o] of need.objects) {
    const op = granted.get(name);
    if (!op || op.allowRead !== true) {
      gaps.push(`objectPermissions for ${name} must allow read ${by(o.flows)}`);
      continue;
    }
    for (const [right, tag] of OBJECT_RIGHTS) {
      if (o[right] && op[tag] !== true) gaps.push(`${name}: ${tag} must be true ${by(o.flows)}`);
      if (!o[right] && op[tag] === true) gaps.push(`${name}: ${tag} is granted but no flow in the catalog needs it`);
    }
  }
  for (const name of granted.keys()) if (!need.objects.has(name)) gaps.push(`objectPermissions for ${name}: no flow in the catalog needs it`);

  const fields = new Map(asArray(ps.fieldPermissions as Record<string, unknown>[] | undefined).map((fp) => [String(fp.field), fp]));
  for (const [name, f] of need.fields) {
    const fp = fields.get(name);
    if (!fp || fp.readable !== true) gaps.push(`fieldPermissions for ${name} must be readable ${by(f.flows)}`);
    else if (f.edit && fp.editable !== true) gaps.push(`${name} must be editable ${by(f.flows)}`);
    else if (!f.edit && fp.editable === true) gaps.push(`${name} is editable but the flows only read it ${by(f.flows)}`);
  }
  for (const name of fields.keys()) if (!need.fields.has(name)) gaps.push(`fieldPermissions for ${name}: no flow in the catalog reads or writes it`);
  return gaps;
}
