/** The two clients on their own, against the emulators: Salesforce collections and query paging, Coupa paged reads. */
import { allScopes, startCoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator } from '../../emulators/salesforce/src';
import { CoupaClient, TokenBucket, coupaResources } from '../../middleware/src/coupa';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { int, secs } from './measure';
import type { Table } from './table';

export async function benchClients(
  table: Table,
  sizes: { salesforceRecords: number; coupaSeed: number }
): Promise<void> {
  const n = sizes.salesforceRecords;
  const emu = await startSalesforceEmulator({ clientId: 'bench', clientSecret: 'bench-secret' });
  try {
    const sf = new SalesforceClient({
      auth: { flow: 'client-credentials', loginUrl: emu.url, clientId: 'bench', clientSecret: 'bench-secret' },
      bulkThreshold: 1_000_000
    });
    await sf.connect();
    const records = Array.from({ length: n }, (_, i) => ({
      Coupa_Supplier_Id__c: `B-${i}`,
      Name: `Bench supplier ${i}`
    }));
    emu.control.resetCounters();
    let t0 = performance.now();
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', records);
    let ms = performance.now() - t0;
    const calls = emu.control.counters().byEndpoint['composite.sobjects.upsert'] ?? 0;
    table.add(
      'clients',
      `Salesforce upsert, ${int(n)} Accounts (sObject Collections)`,
      `${int(n / (ms / 1000))} records/s`,
      `${secs(ms)}; ${calls} API calls (200 records per call)`
    );
    emu.control.resetCounters();
    t0 = performance.now();
    const rows = await sf.queryAll<{ Id: string }>("SELECT Id, Name FROM Account WHERE Name LIKE 'Bench%'");
    ms = performance.now() - t0;
    table.add(
      'clients',
      `Salesforce query, ${int(rows.length)} rows, full pagination`,
      `${int(rows.length / (ms / 1000))} rows/s`,
      `${secs(ms)}; ${emu.control.counters().used} API calls`
    );
  } finally {
    await emu.close();
  }

  const coupaEmu = await startCoupaEmulator({ seed: { size: sizes.coupaSeed, seed: 1 } });
  try {
    const coupa = new CoupaClient({
      baseUrl: coupaEmu.url,
      clientId: coupaEmu.clientId,
      clientSecret: coupaEmu.clientSecret,
      scopes: allScopes(),
      bucket: new TokenBucket({ ratePerSecond: 25, burst: 20 })
    });
    coupaEmu.control.resetCounters();
    const t0 = performance.now();
    let count = 0;
    for await (const _ of coupaResources(coupa).invoices.list({ fields: ['id', 'status', 'updated-at'] })) count++;
    const ms = performance.now() - t0;
    const c = coupaEmu.control.counters();
    table.add(
      'clients',
      `Coupa read, ${int(count)} invoices (limit 50 + offset)`,
      `${int(count / (ms / 1000))} records/s`,
      `${secs(ms)}; ${c.total} requests; ${c.rateLimited} answered 429; ceiling 25 req/s × 50 = 1,250 records/s`
    );
  } finally {
    await coupaEmu.close();
  }
}
