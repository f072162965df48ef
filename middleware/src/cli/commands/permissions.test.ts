import path from 'node:path';
import { FLOW_CATALOG } from '../../flows/catalog';
import type { ConnectorConfig } from '../../config';
import { permissionsReport, printPermissions } from './permissions';

const mappingsDir = path.join(__dirname, '../../../../config/mappings');

function flows(...enabled: string[]): Pick<ConnectorConfig, 'flows'> {
  return {
    flows: Object.fromEntries(FLOW_CATALOG.map((f) => [f.name, { enabled: enabled.includes(f.name), options: {} }])) as unknown as ConnectorConfig['flows']
  };
}

describe('coupa-sf permissions', () => {
  it('lists only what the enabled flows need', () => {
    const { access } = permissionsReport(flows('invoice-status'), { mappingsDir });
    expect([...access.objects.keys()]).toEqual(['Account', 'Coupa_Invoice__c', 'Opportunity', 'Task']);
    expect(access.objects.get('Task')).toMatchObject({ create: true, edit: false });
    expect(access.fields.has('Contract.Coupa_Contract_Id__c')).toBe(false);
  });

  it('with --all, every object the catalog declares', () => {
    const { access, flows: counted } = permissionsReport(flows(), { all: true, mappingsDir });
    expect(counted).toHaveLength(FLOW_CATALOG.length);
    for (const f of FLOW_CATALOG) for (const o of Object.keys(f.salesforce.objects)) expect(access.objects.has(o)).toBe(true);
  });

  it('prints one grant a line on stdout and the flows and file on stderr', () => {
    const out: string[] = [];
    const note: string[] = [];
    printPermissions(permissionsReport(flows('supplier-risk'), { mappingsDir }), 'config/connector.yaml', (l) => out.push(l), (l) => note.push(l));
    expect(note[0]).toContain('1 flow(s) (supplier-risk) in config/connector.yaml');
    expect(out).toEqual([
      'Account\tread, edit\tsupplier-risk',
      'Account.Coupa_Last_Synced__c\tread, edit\tsupplier-risk',
      'Account.Coupa_Risk_Level__c\tread, edit\tsupplier-risk',
      'Account.Coupa_Risk_Score__c\tread, edit\tsupplier-risk',
      'Account.Coupa_Supplier_Id__c\tread\tsupplier-risk'
    ]);
  });

  it('with no flow enabled says the connector needs only API access', () => {
    const note: string[] = [];
    printPermissions(permissionsReport(flows(), { mappingsDir }), 'x.yaml', () => {}, (l) => note.push(l));
    expect(note[0]).toContain('no flow is enabled');
  });
});
