import { ChangeLog, changeChannel } from './cdc';
import type { ChangeEvent } from './data/dml';

const event = (entityName: string, id: string): ChangeEvent => ({
  entityName,
  changeType: 'CREATE',
  recordIds: [id],
  changedFields: [],
  commitTimestamp: 0,
  commitUser: '005',
  changeOrigin: 'com/salesforce/api/rest/62.0',
  transactionKey: 't',
  sequenceNumber: 1,
  fields: { Name: 'x', Description: null },
});

describe('change log', () => {
  it('names channels like Salesforce', () => {
    expect(changeChannel('Account')).toBe('/data/AccountChangeEvent');
    expect(changeChannel('Coupa_Invoice__c')).toBe('/data/Coupa_Invoice__ChangeEvent');
  });

  it('assigns increasing replayIds, replays per channel or all, and drops null fields from CREATE payloads', () => {
    const log = new ChangeLog(() => 0, 1000);
    log.record([event('Account', 'a1'), event('Contact', 'c1')]);
    log.record([event('Account', 'a2')]);
    expect(log.since('/data/AccountChangeEvent', 0).map((e) => e.replayId)).toEqual([1, 3]);
    expect(log.since('/data/AccountChangeEvent', 1).map((e) => e.data.payload.ChangeEventHeader.recordIds)).toEqual([['a2']]);
    expect(log.since('/data/ChangeEvents', 0)).toHaveLength(3);
    expect(log.since('/data/ContactChangeEvent', 0)[0].data.payload).not.toHaveProperty('Description');
    expect(log.since('/data/AccountChangeEvent', 0)[1].data.payload.ChangeEventHeader.commitNumber).toBe(2);
  });

  it('ages events out of the retention window; replaying from before the gap is reported as expired', () => {
    let now = 0;
    const log = new ChangeLog(() => now, 1000);
    log.record([event('Account', 'a1')]);
    log.record([event('Account', 'a2')]);
    now = 1500;
    log.record([event('Account', 'a3')]);
    expect(log.since('/data/AccountChangeEvent', 0).map((e) => e.replayId)).toEqual([3]);
    expect(log.isExpired(1)).toBe(true);
    expect(log.isExpired(2)).toBe(false);
    expect(log.isExpired(3)).toBe(false);
    now = 5000;
    expect(log.since('/data/AccountChangeEvent', 0)).toEqual([]);
    expect(log.isExpired(2)).toBe(true);
  });
});
