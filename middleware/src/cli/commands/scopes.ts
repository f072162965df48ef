import type { ConnectorConfig } from '../../config';
import { FLOW_MODULES, scopesFor, type FlowModule } from '../../flows';

export interface ScopesReport {
  /** The flows whose scopes are counted, in catalog order. */
  flows: FlowModule[];
  /** The union of their Coupa scopes plus core.common.read, sorted: exactly what the connector asks for at login. */
  scopes: string[];
}

/**
 * The Coupa OAuth scopes the connector needs with this configuration: the union over the enabled flows (or every flow
 * with `all`), computed the way the login computes it (`runtime/build.ts`), so the OAuth client created in Coupa
 * grants neither less than a token request names (Coupa refuses it whole: invalid_scope) nor more than is used.
 */
export function scopesReport(config: Pick<ConnectorConfig, 'flows'>, opts: { all?: boolean } = {}): ScopesReport {
  const flows = opts.all ? FLOW_MODULES : FLOW_MODULES.filter((m) => config.flows[m.name]?.enabled === true);
  return { flows, scopes: scopesFor(flows) };
}

/**
 * Prints the scopes one per line on `out` (to paste or to script), and on `note` which flows and file they come from
 * and which flow needs each scope.
 */
export function printScopes(
  report: ScopesReport,
  source: string,
  out: (line: string) => void,
  note: (line: string) => void,
  opts: { byFlow?: boolean } = {}
): void {
  const names = report.flows.map((f) => f.name);
  note(
    names.length
      ? `${report.scopes.length} Coupa scopes for ${names.length} flow(s) (${names.join(', ')}) in ${source}`
      : `no flow is enabled in ${source}: only core.common.read, which every connection needs`
  );
  if (!opts.byFlow) {
    for (const s of report.scopes) out(s);
    return;
  }
  for (const s of report.scopes) {
    const users = s === 'core.common.read' ? ['every connection'] : report.flows.filter((f) => f.coupaScopes.includes(s)).map((f) => f.name);
    out(`${s}\t${users.join(', ')}`);
  }
}
