import { Connection, SfDate } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { connect, failure, startOrg } from './helpers';

describe('SOQL query / queryAll / queryMore through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startOrg();
    conn = await connect(emu);
  });
  afterAll(() => emu.close());

  describe('pagination', () => {
    beforeAll(() => {
      emu.control.reset({ Legacy_Record__c: Array.from({ length: 5000 }, (_, i) => ({ Name: `R${String(i).padStart(5, '0')}`, Legacy_Key__c: `K${i}` })) });
    }, 30_000);

    it('autoFetch returns all 5,000 records across queryMore pages of 2,000', async () => {
      emu.control.resetCounters();
      const res = await conn.query<{ Name: string }>('SELECT Id, Name FROM Legacy_Record__c ORDER BY Name', { autoFetch: true, maxFetch: 10000 });
      expect(res.totalSize).toBe(5000);
      expect(res.records).toHaveLength(5000);
      expect(new Set(res.records.map((r) => r.Name)).size).toBe(5000);
      expect(res.records[4999].Name).toBe('R04999');
      expect(emu.control.counters().byEndpoint).toEqual({ query: 1, queryMore: 2 });
    }, 30_000);

    it('first page carries nextRecordsUrl; Sforce-Query-Options batchSize is honoured (min 200)', async () => {
      const first = await conn.request<{ done: boolean; nextRecordsUrl: string; records: unknown[]; totalSize: number }>({
        method: 'GET',
        url: `/query?q=${encodeURIComponent('SELECT Id FROM Legacy_Record__c')}`,
        headers: { 'Sforce-Query-Options': 'batchSize=100' },
      });
      expect(first.done).toBe(false);
      expect(first.totalSize).toBe(5000);
      expect(first.records).toHaveLength(200);
      expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]+-200$/);
      const next = await conn.queryMore(first.nextRecordsUrl);
      expect(next.records).toHaveLength(200);
    });

    it('batchSize is not guaranteed: 2,000 by default, 200 for two long text area fields, and child rows count toward it', async () => {
      const wide = await conn.request<{ records: unknown[]; nextRecordsUrl: string }>(`/query?q=${encodeURIComponent('SELECT Id, Notes__c, History__c FROM Legacy_Record__c')}`);
      expect(wide.records).toHaveLength(200);
      expect(wide.nextRecordsUrl).toMatch(/-200$/);
      const big = await conn.request<{ records: unknown[] }>({ method: 'GET', url: `/query?q=${encodeURIComponent('SELECT Id FROM Legacy_Record__c')}`, headers: { 'Sforce-Query-Options': 'batchSize=5000' } });
      expect(big.records).toHaveLength(2000);
      // 20 accounts with 30 contacts each: each account counts 31 rows, so a 200-row batch holds 6 accounts.
      const accounts = await conn.sobject('Account').create(Array.from({ length: 20 }, (_, i) => ({ Name: `Batch ${String(i).padStart(2, '0')}` })));
      const accountIds = accounts.map((a) => a.id as string);
      for (const id of accountIds) await conn.sobject('Contact').create(Array.from({ length: 30 }, (_, i) => ({ LastName: `C${i}`, AccountId: id })));
      const soql = "SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Name LIKE 'Batch %' ORDER BY Name";
      const first = await conn.request<{ records: unknown[]; nextRecordsUrl: string; totalSize: number }>({ method: 'GET', url: `/query?q=${encodeURIComponent(soql)}`, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
      expect(first.totalSize).toBe(20);
      expect(first.records).toHaveLength(6);
      expect(first.nextRecordsUrl).toMatch(/-6$/);
      const all = await conn.query(soql, { autoFetch: true });
      expect(all.records).toHaveLength(20);
      await conn.sobject('Account').destroy(accountIds);
    });

    it('an expired or unknown locator gives INVALID_QUERY_LOCATOR', async () => {
      const first = await conn.query('SELECT Id FROM Legacy_Record__c');
      expect(first.done).toBe(false);
      emu.control.advanceClock(16 * 60_000);
      try {
        const e = await failure(conn.queryMore(first.nextRecordsUrl as string));
        expect(e.name).toBe('INVALID_QUERY_LOCATOR');
      } finally {
        emu.control.advanceClock(-16 * 60_000);
      }
      expect((await failure(conn.queryMore('01gXXXXXXXXXXXX-2000'))).name).toBe('INVALID_QUERY_LOCATOR');
    });

    it('opening an 11th cursor closes the oldest one', async () => {
      const firsts = [];
      for (let i = 0; i < 11; i++) firsts.push(await conn.query('SELECT Id FROM Legacy_Record__c'));
      expect((await failure(conn.queryMore(firsts[0].nextRecordsUrl as string))).name).toBe('INVALID_QUERY_LOCATOR');
      expect((await conn.queryMore(firsts[10].nextRecordsUrl as string)).records).toHaveLength(2000);
    });

    it('child subqueries over 200 rows page with their own nextRecordsUrl, which autoFetch follows', async () => {
      const refs = emu.control.seed({ Account: [{ '@ref': 'big', Name: 'Many kids' }] });
      emu.control.seed({ Contact: Array.from({ length: 250 }, (_, i) => ({ LastName: `K${i}`, AccountId: refs.big })) });
      const first = await conn.query<{ Contacts: { done: boolean; totalSize: number; records: unknown[]; nextRecordsUrl?: string } }>(`SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '${refs.big}'`);
      expect(first.records[0].Contacts).toMatchObject({ done: false, totalSize: 250, nextRecordsUrl: expect.stringMatching(/\/query\/01g[A-Za-z0-9]+-200$/) });
      expect(first.records[0].Contacts.records).toHaveLength(200);
      const all = await conn.query<{ Contacts: { records: unknown[] } }>(`SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '${refs.big}'`, { autoFetch: true });
      expect(all.records[0].Contacts.records).toHaveLength(250);
    });

    it('count() returns totalSize only', async () => {
      expect(await conn.sobject('Legacy_Record__c').count()).toBe(5000);
      const res = await conn.query("SELECT COUNT() FROM Legacy_Record__c WHERE Name LIKE 'R0001%'");
      expect(res.totalSize).toBe(10);
      expect(res.records).toEqual([]);
    });
  });

  describe('SOQL breadth', () => {
    let refs: Record<string, string>;
    beforeAll(() => {
      const now = emu.control.now();
      const day = (n: number): string => new Date(now + n * 86_400_000).toISOString().slice(0, 10);
      refs = emu.control.reset({
        Account: [
          { '@ref': 'acme', Name: 'Acme', Industry: 'Energy', AnnualRevenue: 1000, Coupa_Supplier_Id__c: 'S-1' },
          { '@ref': 'globex', Name: 'Globex', Industry: 'Retail', AnnualRevenue: 500 },
          { '@ref': 'initech', Name: "O'Brien Initech", AnnualRevenue: null },
        ],
        Contact: [
          { LastName: 'Zed', FirstName: 'Ann', AccountId: '@acme', Email: 'ann@acme.example' },
          { LastName: 'Young', AccountId: '@acme' },
          { LastName: 'Xu', AccountId: '@globex' },
        ],
        Opportunity: [
          { Name: 'Big', StageName: 'Closed Won', CloseDate: day(-3), Amount: 100, AccountId: '@acme' },
          { Name: 'Old', StageName: 'Prospecting', CloseDate: day(-40), Amount: 50, AccountId: '@globex' },
          { Name: 'Soon', StageName: 'Prospecting', CloseDate: day(2), AccountId: '@globex' },
        ],
      });
    });

    it('parent relationship paths come back nested, null when the lookup is empty', async () => {
      const res = await conn.query<Record<string, unknown>>('SELECT Name, Account.Name, Account.Owner.Username FROM Contact ORDER BY LastName');
      expect(res.records[0]).toEqual({
        attributes: { type: 'Contact', url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Contact\/003/) },
        Name: 'Xu',
        Account: { attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${refs.globex}` }, Name: 'Globex', Owner: { attributes: { type: 'User', url: expect.any(String) }, Username: 'integration@coupa-connector.example' } },
      });
      const orphan = await conn.sobject('Contact').create({ LastName: 'Orphan' });
      const o = await conn.query<Record<string, unknown>>(`SELECT Account.Name FROM Contact WHERE Id = '${orphan.id}'`);
      expect(o.records[0].Account).toBeNull();
      await conn.sobject('Contact').destroy(orphan.id as string);
    });

    it('compound address fields return the address structure (null when empty); standard Account fields exist', async () => {
      await conn.sobject('Account').update({ Id: refs.acme, BillingStreet: '1 Main St', BillingCity: 'Springfield', BillingPostalCode: '12345', BillingCountry: 'US', AccountSource: 'Web', SicDesc: 'Power' });
      const res = await conn.query<Record<string, unknown>>(`SELECT BillingAddress, ShippingAddress, AccountSource, SicDesc FROM Account WHERE Id = '${refs.acme}'`);
      expect(res.records[0]).toMatchObject({
        BillingAddress: { street: '1 Main St', city: 'Springfield', state: null, postalCode: '12345', country: 'US', latitude: null, longitude: null, geocodeAccuracy: null },
        ShippingAddress: null,
        AccountSource: 'Web',
        SicDesc: 'Power',
      });
      const c = await conn.sobject('Contact').create({ LastName: 'Addr', MailingCity: 'Paris' });
      const viaParent = await conn.query<Record<string, any>>(`SELECT MailingAddress, Account.BillingAddress FROM Contact WHERE Id = '${c.id}'`);
      expect(viaParent.records[0].MailingAddress).toMatchObject({ city: 'Paris', street: null });
      expect((await conn.sobject('Contact').retrieve(c.id as string)) as Record<string, unknown>).toMatchObject({ MailingAddress: { city: 'Paris' } });
      const describe = await conn.sobject('Account').describe();
      expect(describe.fields.find((f) => f.name === 'BillingAddress')).toMatchObject({ type: 'address', createable: false, updateable: false, filterable: false });
      expect(describe.fields.find((f) => f.name === 'BillingCity')?.compoundFieldName).toBe('BillingAddress');
      const refused = await failure(conn.sobject('Account').update({ Id: refs.acme, BillingAddress: { city: 'X' } } as any));
      expect(refused.name).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
      await conn.sobject('Contact').destroy(c.id as string);
    });

    it('child subqueries return a nested QueryResult, or null when there are no children', async () => {
      const res = await conn.query<Record<string, { totalSize: number; records: Array<{ LastName: string }> } | null>>('SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName DESC) FROM Account ORDER BY Name');
      const [acme, globex, initech] = res.records;
      expect(acme.Contacts).toEqual({ totalSize: 2, done: true, records: [expect.objectContaining({ LastName: 'Zed' }), expect.objectContaining({ LastName: 'Young' })] });
      expect(globex.Contacts?.totalSize).toBe(1);
      expect(initech.Contacts).toBeNull();
    });

    it('WHERE: AND/OR/NOT with parentheses, IN/NOT IN, LIKE, null, escaped quotes, semi-joins', async () => {
      const names = async (soql: string): Promise<string[]> => (await conn.query<{ Name: string }>(soql)).records.map((r) => r.Name);
      expect(await names("SELECT Name FROM Account WHERE (Industry = 'energy' OR Industry = 'Retail') AND NOT Name LIKE 'G%' ORDER BY Name")).toEqual(['Acme']);
      expect(await names("SELECT Name FROM Account WHERE Industry IN ('Energy', 'Retail') ORDER BY Name DESC")).toEqual(['Globex', 'Acme']);
      expect(await names("SELECT Name FROM Account WHERE Industry NOT IN ('Energy') ORDER BY Name")).toEqual(['Globex', "O'Brien Initech"]);
      expect(await names('SELECT Name FROM Account WHERE AnnualRevenue = null')).toEqual(["O'Brien Initech"]);
      expect(await names('SELECT Name FROM Account WHERE AnnualRevenue != null AND AnnualRevenue >= 600')).toEqual(['Acme']);
      expect(await names("SELECT Name FROM Account WHERE Name = 'O\\'Brien Initech'")).toEqual(["O'Brien Initech"]);
      expect(await names('SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name')).toEqual(['Acme', 'Globex']);
      expect(await names("SELECT Name FROM Opportunity WHERE Account.Industry = 'Retail' ORDER BY Name")).toEqual(['Old', 'Soon']);
      expect(await names('SELECT Name FROM Opportunity WHERE IsWon = TRUE')).toEqual(['Big']);
    });

    it('date literals, date and datetime values, ORDER BY NULLS FIRST/LAST, LIMIT/OFFSET', async () => {
      const names = async (soql: string): Promise<string[]> => (await conn.query<{ Name: string }>(soql)).records.map((r) => r.Name);
      expect(await names('SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:7')).toEqual(['Big']);
      expect(await names('SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:7')).toEqual(['Soon']);
      expect(await names('SELECT Name FROM Opportunity WHERE CloseDate < LAST_N_DAYS:30')).toEqual(['Old']);
      expect(await names('SELECT Name FROM Opportunity WHERE CreatedDate = TODAY ORDER BY Name')).toEqual(['Big', 'Old', 'Soon']);
      expect(await names('SELECT Name FROM Opportunity WHERE SystemModstamp > 2000-01-01T00:00:00Z AND CloseDate > 2000-01-01 ORDER BY Name LIMIT 2 OFFSET 1')).toEqual(['Old', 'Soon']);
      expect(await names('SELECT Name FROM Opportunity ORDER BY Amount NULLS FIRST')).toEqual(['Soon', 'Old', 'Big']);
      expect(await names('SELECT Name FROM Opportunity ORDER BY Amount DESC')).toEqual(['Big', 'Old', 'Soon']);
      expect(await names('SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS FIRST')).toEqual(['Soon', 'Big', 'Old']);
    });

    it('aggregates with GROUP BY', async () => {
      const res = await conn.query<Record<string, unknown>>('SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName ORDER BY StageName');
      expect(res.records).toEqual(
        expect.arrayContaining([
          { attributes: { type: 'AggregateResult' }, StageName: 'Closed Won', n: 1, expr0: 100 },
          { attributes: { type: 'AggregateResult' }, StageName: 'Prospecting', n: 2, expr0: 50 },
        ]),
      );
    });

    it('errors: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE with the offending position', async () => {
      const malformed = await failure(conn.query('SELECT Id FRM Account'));
      expect(malformed.name).toBe('MALFORMED_QUERY');
      const field = await failure(conn.query('SELECT Id, Nme FROM Account'));
      expect(field.name).toBe('INVALID_FIELD');
      expect(field.message).toBe(
        "\nSELECT Id, Nme FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nme' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
      );
      const rel = await failure(conn.query('SELECT Acount.Name FROM Contact'));
      expect(rel.name).toBe('INVALID_FIELD');
      expect(rel.message).toContain("Didn't understand relationship 'Acount' in field path.");
      const type = await failure(conn.query('SELECT Id FROM Acount'));
      expect(type.name).toBe('INVALID_TYPE');
      expect(type.message).toContain("sObject type 'Acount' is not supported.");
      const quoted = await failure(conn.query("SELECT Id FROM Account WHERE CreatedDate > '2020-01-01'"));
      expect(quoted.name).toBe('INVALID_FIELD');
      expect(quoted.message).toContain("value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes");
      const offset = await failure(conn.query('SELECT Id FROM Account LIMIT 10 OFFSET 2001'));
      expect(offset.name).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    });

    it('jsforce find() with SfDate and select("*") (which uses describe)', async () => {
      const recs = await conn
        .sobject('Opportunity')
        .find({ Amount: { $gt: 10 }, CloseDate: { $lte: SfDate.toDateLiteral(new Date(emu.control.now())) } }, '*')
        .sort({ Amount: -1 });
      expect(recs.map((r) => r.Name)).toEqual(['Big', 'Old']);
      expect(recs[0]).toHaveProperty('ForecastCategoryName');
    });
  });
});
