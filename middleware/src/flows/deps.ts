/** What every flow gets when it is built: the two clients, the state store, its settings and the mappings. */
import path from 'node:path';
import type { Logger } from 'pino';
import type { CoupaClient } from '../coupa';
import type { CompiledMapping } from '../mapping';
import type { SalesforceClient } from '../salesforce';
import type { StateStore } from '../store';

export interface FlowDeps {
  coupa: CoupaClient;
  salesforce: SalesforceClient;
  store: StateStore;
  logger: Logger;
  /** Compiled mappings by name (`config/mappings/<name>.yaml`). */
  mappings: ReadonlyMap<string, CompiledMapping>;
  /** `flows.<name>.options` from connector.yaml (flow-specific settings, validated by the flow). */
  options: Record<string, unknown>;
  /** Coupa instance origin, for deep links such as `<base>/invoices/<id>`. */
  coupaBaseUrl: string;
  /** `client=<name>` sent with every Salesforce write; CDC changeOrigin carries it back. */
  salesforceClientName: string;
  now?: () => Date;
}

export const DEFAULT_MAPPINGS_DIR = path.join(process.cwd(), 'config', 'mappings');

/** A mapping the flow cannot run without; a clear error names the file that is missing. */
export function requireMapping(deps: FlowDeps, name: string): CompiledMapping {
  const m = deps.mappings.get(name);
  if (!m) throw new Error(`mapping "${name}" is missing: expected config/mappings/${name}.yaml`);
  return m;
}
