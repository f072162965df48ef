import fs from 'fs';
import path from 'path';
import YAML from 'yaml';
import { accountIdOfKey, accountKeyOf, accountUpdate, autoStartWhere, contentStamp, coupaRefusal, idempotencyKeyOf, primaryContact, rejectionReason, requestIdOfKey } from './logic';
import { parseOptions } from './options';

const req = (over: Record<string, unknown> = {}) => ({
  Id: 'a01B',
  Name: 'OBR-00002',
  Status__c: 'Requested',
  CreatedDate: '2026-01-01T10:00:05.000+0000',
  Account__c: '001A',
  Account__r: { Name: 'Contoso', Coupa_Supplier_Id__c: null },
  ...over,
});

describe('supplier-onboarding logic', () => {
  it('refuses a request for an Account type onboarding is not offered for, and says which types it is', () => {
    const types = parseOptions({}).accountTypes;
    expect(types).toEqual(['Vendor', 'Prospect']);
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso', Type: 'Vendor' } }), [], types)).toBeNull();
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso', Type: 'Prospect' } }), [], types)).toBeNull();
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso', Type: 'Customer - Direct' } }), [], types)).toBe(
      'Supplier onboarding is offered for Vendor and Prospect Accounts; Contoso is a Customer - Direct Account, so this request was not sent to Coupa.',
    );
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso' } }), [], types)).toMatch(/without a Type/);
    // Without a list (auto-start follows its own configuration) the type is not checked.
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso', Type: 'Customer - Direct' } }), [])).toBeNull();
  });

  it('lets a request through when the Account has no other open request and no supplier link', () => {
    expect(rejectionReason(req(), [req()])).toBeNull();
    expect(rejectionReason(req(), [{ ...req(), Id: 'a01Z', Status__c: 'Failed' }, { ...req(), Id: 'a01Y', Status__c: 'Declined' }])).toBeNull();
  });

  it('rejects a second request while one is open, naming the open one', () => {
    const sent = { Id: 'a01A', Name: 'OBR-00001', Status__c: 'In Progress', CreatedDate: '2026-01-01T10:00:09.000+0000' };
    expect(rejectionReason(req(), [sent])).toBe('Supplier onboarding for Contoso is already in progress (request OBR-00001, In Progress); this request was not sent to Coupa.');
  });

  it('of two waiting requests, the older goes ahead (ties by Id)', () => {
    const older = { Id: 'a01A', Name: 'OBR-00001', Status__c: 'Requested', CreatedDate: '2026-01-01T10:00:04.000+0000' };
    const newer = { Id: 'a01C', Name: 'OBR-00003', Status__c: 'Requested', CreatedDate: '2026-01-01T10:00:05.000+0000' };
    expect(rejectionReason(req(), [older])).toMatch(/OBR-00001/);
    expect(rejectionReason(req(), [newer])).toBeNull();
    expect(rejectionReason(req(), [{ ...older, CreatedDate: '2026-01-01T10:00:05.000+0000' }])).toMatch(/OBR-00001/);
    // A Requested one already sent to Coupa (status not yet written back) blocks too.
    expect(rejectionReason(req(), [{ ...newer, Coupa_Supplier_Information_Id__c: '7' }])).toMatch(/OBR-00003/);
  });

  it('rejects a request whose Account is already a supplier or gone', () => {
    expect(rejectionReason(req({ Account__r: { Name: 'Contoso', Coupa_Supplier_Id__c: '42' } }), [])).toBe('Contoso is already linked to Coupa supplier 42; no onboarding is needed.');
    expect(rejectionReason(req({ Account__r: null }), [])).toMatch(/no Account/);
  });

  it('picks the flagged primary contact, else the oldest with an email, else the oldest', () => {
    const a = { Id: '1', Email: null };
    const b = { Id: '2', Email: 'b@x.com' };
    const c = { Id: '3', Email: 'c@x.com', Primary__c: true };
    expect(primaryContact([a, b, c], parseOptions({}))).toBe(b);
    expect(primaryContact([a, b, c], parseOptions({ primaryContactField: 'Primary__c' }))).toBe(c);
    expect(primaryContact([a], parseOptions({}))).toBe(a);
    expect(primaryContact([], parseOptions({}))).toBeNull();
  });

  it('moves the Account with the request and links the supplier only once approved', () => {
    expect(accountUpdate('001A', { Status__c: 'In Progress', Coupa_Supplier_Id__c: '9' })).toEqual({ Id: '001A', Coupa_Onboarding_Status__c: 'In Progress' });
    expect(accountUpdate('001A', { Status__c: 'Approved', Coupa_Supplier_Id__c: '9' })).toEqual({ Id: '001A', Coupa_Onboarding_Status__c: 'Approved', Coupa_Supplier_Id__c: '9' });
  });

  it('words Coupa refusals for people', () => {
    expect(coupaRefusal(['Supplier name has already been taken'], 'HTTP 400')).toBe('Coupa did not accept the supplier: Supplier name has already been taken');
    expect(coupaRefusal([], 'HTTP 400')).toBe('Coupa did not accept the supplier: HTTP 400');
  });

  it('round-trips idempotency keys and stamps content within the second', () => {
    expect(requestIdOfKey(idempotencyKeyOf('a01B'))).toBe('a01B');
    expect(contentStamp('2026-01-01T10:00:05Z', ['approved'])).not.toBe(contentStamp('2026-01-01T10:00:05Z', ['declined']));
  });

  it('rejects unknown options', () => {
    expect(() => parseOptions({ nope: true })).toThrow(/flows.supplier-onboarding.options/);
  });
});

describe('shipped connector.yaml', () => {
  it('has options this flow accepts', () => {
    const file = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'config', 'connector.yaml'), 'utf8'));
    expect(() => parseOptions(file.flows['supplier-onboarding']?.options ?? {})).not.toThrow();
  });
});

describe('auto-start triggers', () => {
  it('are off unless configured', () => {
    expect(autoStartWhere(parseOptions({}))).toEqual({ account: null, opportunity: null });
  });

  it('select new vendor Accounts and won partner Opportunities whose Account is not onboarded', () => {
    const w = autoStartWhere(parseOptions({ autoStart: { since: '2026-03-01', accountTypes: ['Vendor'], opportunityTypes: ["Partner's deal"] } }));
    expect(w.account).toBe("Type IN ('Vendor') AND Coupa_Supplier_Id__c = null AND Coupa_Onboarding_Status__c = null AND CreatedDate >= 2026-03-01T00:00:00Z");
    expect(w.opportunity).toBe(
      "StageName IN ('Closed Won') AND Type IN ('Partner\\'s deal') AND AccountId != null AND Account.Coupa_Supplier_Id__c = null AND Account.Coupa_Onboarding_Status__c = null AND SystemModstamp >= 2026-03-01T00:00:00Z",
    );
  });

  it('needs a valid since', () => {
    expect(() => parseOptions({ autoStart: { since: 'soon', accountTypes: ['Vendor'] } })).toThrow(/autoStart.since/);
  });

  it('keys both triggers by Account', () => {
    expect(accountIdOfKey(accountKeyOf('001A'))).toBe('001A');
  });
});
