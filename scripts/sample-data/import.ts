/**
 * Imports data/ into an org through the REST API: records in plan order, then standard price book entries and
 * Opportunity products. Usage:
 *   tsx scripts/sample-data/import.ts --target-org ALIAS
 *   tsx scripts/sample-data/import.ts --instance-url URL --access-token TOKEN
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Connection } from 'jsforce';
import { loadLineItems, loadPlan, resolveRefs } from './plan';

const API_VERSION = '62.0';

export async function importSampleData(
  conn: Connection,
  dataDir: string,
  log: (line: string) => void = () => undefined
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const record of loadPlan(dataDir)) {
    const result = await conn.sobject(record.type).create(resolveRefs(record.fields, ids));
    if (!result.success) throw new Error(`${record.type} ${record.referenceId}: ${JSON.stringify(result.errors)}`);
    ids.set(record.referenceId, result.id);
  }
  log(`created ${ids.size} records`);

  const items = loadLineItems(dataDir);
  const standard = await conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1');
  const pricebookId = standard.records[0]?.Id;
  if (!pricebookId) throw new Error('the org has no standard price book');
  const entryIds = new Map<string, string>();
  for (const [productRef, unitPrice] of Object.entries(items.listPrices)) {
    const entry = { Pricebook2Id: pricebookId, Product2Id: ids.get(productRef), UnitPrice: unitPrice, IsActive: true };
    const result = await conn.sobject('PricebookEntry').create(entry);
    if (!result.success) throw new Error(`PricebookEntry ${productRef}: ${JSON.stringify(result.errors)}`);
    entryIds.set(productRef, result.id);
  }
  for (const line of items.lines) {
    const result = await conn.sobject('OpportunityLineItem').create({
      OpportunityId: ids.get(line.opportunity),
      PricebookEntryId: entryIds.get(line.product),
      Quantity: line.quantity,
      UnitPrice: line.unitPrice
    });
    if (!result.success)
      throw new Error(`OpportunityLineItem ${line.opportunity}/${line.product}: ${JSON.stringify(result.errors)}`);
  }
  log(`created ${entryIds.size} price book entries and ${items.lines.length} opportunity products`);
  return ids;
}

function connectionFromArgs(argv: string[]): Connection {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const targetOrg = arg('--target-org');
  if (targetOrg) {
    const out = execFileSync('sf', ['org', 'display', '--target-org', targetOrg, '--json'], { encoding: 'utf8' });
    const { result } = JSON.parse(out) as { result: { instanceUrl: string; accessToken: string } };
    return new Connection({ instanceUrl: result.instanceUrl, accessToken: result.accessToken, version: API_VERSION });
  }
  const instanceUrl = arg('--instance-url');
  const accessToken = arg('--access-token') ?? process.env.SF_ACCESS_TOKEN;
  if (!instanceUrl || !accessToken) {
    throw new Error(
      'usage: import.ts --target-org ALIAS | --instance-url URL --access-token TOKEN (or SF_ACCESS_TOKEN)'
    );
  }
  return new Connection({ instanceUrl, accessToken, version: API_VERSION });
}

if (require.main === module) {
  importSampleData(
    connectionFromArgs(process.argv.slice(2)),
    path.join(__dirname, '..', '..', 'data'),
    console.log
  ).catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
