import fs from 'node:fs';
import type { ConnectorConfig } from '../../config';
import { DEFAULT_MAPPINGS_DIR } from '../../flows/deps';
import { FLOW_MODULES, type FlowModule } from '../../flows';
import { describeAccess, salesforceAccess, type SalesforceAccess } from '../../flows/salesforce-access';
import { loadMappingDir } from '../../mapping';

export interface PermissionsReport {
  flows: FlowModule[];
  access: SalesforceAccess;
}

/**
 * The Salesforce access the connector's user needs with this configuration, derived as the shipped
 * Coupa_Integration_User permission set is (the catalog plus the mappings in `mappingsDir`), for an admin who builds
 * the user's permissions by hand or checks an org's.
 */
export function permissionsReport(
  config: Pick<ConnectorConfig, 'flows'>,
  opts: { all?: boolean; mappingsDir?: string } = {}
): PermissionsReport {
  const flows = opts.all ? FLOW_MODULES : FLOW_MODULES.filter((m) => config.flows[m.name]?.enabled === true);
  const dir = opts.mappingsDir ?? DEFAULT_MAPPINGS_DIR;
  const mappings = fs.existsSync(dir) ? loadMappingDir(dir) : [];
  return { flows, access: salesforceAccess(flows, new Map(mappings.map((m) => [m.name, m]))) };
}

/** Tab-separated lines on `out` (object or field, rights, flows); on `note` what they were derived from. */
export function printPermissions(report: PermissionsReport, source: string, out: (line: string) => void, note: (line: string) => void): void {
  const names = report.flows.map((f) => f.name);
  note(
    names.length
      ? `Salesforce access for ${names.length} flow(s) (${names.join(', ')}) in ${source}: ${report.access.objects.size} objects, ${report.access.fields.size} custom fields; the Coupa_Integration_User permission set grants exactly what every flow needs`
      : `no flow is enabled in ${source}: the connector needs only API Enabled`
  );
  for (const line of describeAccess(report.access)) out(line);
}
