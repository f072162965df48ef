import { isOwnChange } from './cdc';
import { parseLimitInfo } from './limits';
import { buildPollSoql, isAfter } from './poll';

describe('buildPollSoql', () => {
  it('pages by (SystemModstamp, Id) with a tie-break', () => {
    expect(buildPollSoql({ sobject: 'Coupa_Onboarding_Request__c', fields: ['Status__c', 'Id'], since: { systemModstamp: '2026-01-02T03:04:05.750+0000', id: 'a01x' }, where: "Status__c = 'Requested'" })).toBe(
      "SELECT Id, SystemModstamp, Status__c FROM Coupa_Onboarding_Request__c WHERE SystemModstamp >= 2026-01-02T03:04:05Z AND (Status__c = 'Requested') ORDER BY SystemModstamp ASC, Id ASC",
    );
    expect(buildPollSoql({ sobject: 'Account', fields: ['Name'] })).toBe('SELECT Id, SystemModstamp, Name FROM Account ORDER BY SystemModstamp ASC, Id ASC');
  });
});

describe('isOwnChange', () => {
  const header = (changeOrigin?: string) => ({ entityName: 'Account', recordIds: [], changeType: 'UPDATE', changeOrigin });
  it('recognises our client tag in changeOrigin only', () => {
    expect(isOwnChange(header('com/salesforce/api/rest/62.0;client=coupa-sf-connector'), 'coupa-sf-connector')).toBe(true);
    expect(isOwnChange(header('com/salesforce/api/rest/62.0;client=coupa-sf-connector-2'), 'coupa-sf-connector')).toBe(false);
    expect(isOwnChange(header('com/salesforce/api/rest/62.0'), 'coupa-sf-connector')).toBe(false);
    expect(isOwnChange(header(undefined), 'coupa-sf-connector')).toBe(false);
  });
});

describe('parseLimitInfo', () => {
  it('reads api-usage', () => {
    expect(parseLimitInfo('api-usage=18/5000, per-app-api-usage=17/250(appName=x)')).toEqual({ used: 18, limit: 5000 });
    expect(parseLimitInfo(undefined)).toBeUndefined();
  });
});

describe('isAfter', () => {
  it('orders by SystemModstamp with milliseconds, then Id', () => {
    const c = { systemModstamp: '2026-01-02T03:04:05.500+0000', id: 'a05' };
    expect(isAfter({ systemModstamp: '2026-01-02T03:04:05.400+0000', id: 'a09' }, c)).toBe(false);
    expect(isAfter({ systemModstamp: '2026-01-02T03:04:05.500+0000', id: 'a05' }, c)).toBe(false);
    expect(isAfter({ systemModstamp: '2026-01-02T03:04:05.500+0000', id: 'a06' }, c)).toBe(true);
    expect(isAfter({ systemModstamp: '2026-01-02T03:04:05.501+0000', id: 'a01' }, c)).toBe(true);
  });
});
