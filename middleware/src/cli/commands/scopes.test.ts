import { FLOW_CATALOG } from '../../flows/catalog';
import type { ConnectorConfig } from '../../config';
import { printScopes, scopesReport } from './scopes';

/** A flows section with just these flows enabled (the others present and disabled, as the schema defaults them). */
function flows(...enabled: string[]): Pick<ConnectorConfig, 'flows'> {
  return {
    flows: Object.fromEntries(FLOW_CATALOG.map((f) => [f.name, { enabled: enabled.includes(f.name), options: {} }])) as unknown as ConnectorConfig['flows']
  };
}

describe('coupa-sf scopes', () => {
  it('is the union of the enabled flows’ scopes plus core.common.read, sorted and without duplicates', () => {
    const report = scopesReport(flows('invoice-status', 'spend-summary'));
    expect(report.flows.map((f) => f.name)).toEqual(['invoice-status', 'spend-summary']);
    expect(report.scopes).toEqual([
      'core.budget.read',
      'core.common.read',
      'core.invoice.read',
      'core.purchase_order.read',
      'core.requisition.read',
      'core.supplier.read'
    ]);
  });

  it('leaves out what only disabled flows need', () => {
    const { scopes } = scopesReport(flows('supplier-risk'));
    expect(scopes).toEqual(['core.common.read', 'core.supplier.read']);
    expect(scopes).not.toContain('core.requisition.write');
  });

  it('with --all, every scope of the catalog whatever is enabled', () => {
    const { scopes, flows: counted } = scopesReport(flows(), { all: true });
    expect(counted).toHaveLength(FLOW_CATALOG.length);
    const everyScope = new Set(FLOW_CATALOG.flatMap((f) => [...f.coupaScopes]));
    for (const s of everyScope) expect(scopes).toContain(s);
    expect(scopes).toHaveLength(everyScope.size + 1);
  });

  it('prints one scope a line on stdout and the flows and file on stderr; --by-flow names who needs each', () => {
    const out: string[] = [];
    const note: string[] = [];
    const report = scopesReport(flows('contract-sync', 'supplier-account-sync'));
    printScopes(report, 'config/x.yaml', (l) => out.push(l), (l) => note.push(l));
    expect(out).toEqual(['core.common.read', 'core.contract.read', 'core.contract.write', 'core.supplier.read', 'core.supplier.write']);
    expect(note).toEqual(['5 Coupa scopes for 2 flow(s) (contract-sync, supplier-account-sync) in config/x.yaml']);

    out.length = 0;
    printScopes(report, 'config/x.yaml', (l) => out.push(l), () => undefined, { byFlow: true });
    expect(out).toContain('core.supplier.read\tcontract-sync, supplier-account-sync');
    expect(out).toContain('core.contract.write\tcontract-sync');
    expect(out).toContain('core.common.read\tevery connection');
  });

  it('with no flow enabled, only core.common.read, and says why', () => {
    const out: string[] = [];
    const note: string[] = [];
    printScopes(scopesReport(flows()), 'c.yaml', (l) => out.push(l), (l) => note.push(l));
    expect(out).toEqual(['core.common.read']);
    expect(note[0]).toMatch(/no flow is enabled in c\.yaml/);
  });
});
