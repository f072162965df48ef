import { badRequest } from '../errors';
import type { Emulator } from '../emulator';
import type { Rec } from '../store';
import { audit } from './common';
import type { ActionDef, ResourceDef } from './types';

const SCOPES = { read: 'core.integration.read', write: 'core.integration.write' };
const integrationRef = { resource: 'integrations', keys: ['code', 'name'] };

/** Integration run: pending → running (run) → success | fail (finish = success when no errors), pause. */
const RUN_TRANSITIONS: Record<string, { from: string[]; to: (emu: Emulator, rec: Rec) => string }> = {
  run: { from: ['pending', 'paused'], to: () => 'running' },
  pause: { from: ['running'], to: () => 'paused' },
  pending: { from: ['paused', 'running'], to: () => 'pending' },
  success: { from: ['running'], to: () => 'successful' },
  fail: { from: ['running', 'pending', 'paused'], to: () => 'failed' },
  finish: { from: ['running'], to: (emu, rec) => (errorCount(emu, rec.id) > 0 ? 'failed' : 'successful') },
};

function errorCount(emu: Emulator, runId: number): number {
  let n = 0;
  for (const h of emu.collection('integration_history_records').scan()) {
    if (h['integration-run'] === runId && String(h.status).toLowerCase() === 'error') n++;
  }
  return n;
}

function runAction(name: string): ActionDef {
  const t = RUN_TRANSITIONS[name];
  return {
    method: 'PUT',
    scope: SCOPES.write,
    run: ({ emu, body }, rec) => {
      if (!t.from.includes(rec!.status)) throw badRequest('integration_run', `Cannot ${name} an integration run in status ${rec!.status}`);
      const doc = structuredClone(rec!);
      doc.status = t.to(emu, doc);
      const total = body['total-records'];
      if (total !== undefined) {
        if (!Number.isInteger(Number(total))) throw badRequest('integration_run', 'Total records is not a number');
        doc['total-records'] = Number(total);
      }
      if (body['records-processed'] !== undefined) doc['records-processed'] = Number(body['records-processed']);
      if (doc.status === 'running' && !doc['start-time']) doc['start-time'] = emu.now();
      if (['successful', 'failed'].includes(doc.status)) doc['end-time'] = emu.now();
      return emu.save('integration_runs', doc);
    },
  };
}

export const integrationRuns: ResourceDef = {
  name: 'integration_runs',
  def: 'IntegrationRun',
  errorKey: 'integration_run',
  modelName: 'IntegrationRun',
  naturalKeys: [],
  scopes: SCOPES,
  routes: { list: true, show: true, create: true, update: true },
  associations: { ...audit, integration: integrationRef },
  required: ['integration'],
  defaults: () => ({ status: 'pending', 'start-time': null, 'end-time': null, 'total-records': null, 'records-processed': null }),
  memberActions: Object.fromEntries(Object.keys(RUN_TRANSITIONS).map((n) => [n, runAction(n)])),
};

export const integrationHistoryRecords: ResourceDef = {
  name: 'integration_history_records',
  def: 'IntegrationHistoryRecord',
  errorKey: 'integration_history_record',
  modelName: 'IntegrationHistoryRecord',
  naturalKeys: [],
  scopes: SCOPES,
  routes: { list: true, show: true, create: true, update: true },
  associations: { ...audit, integration: integrationRef, 'integration-run': { resource: 'integration_runs', keys: [] } },
  embeds: { responses: { def: 'IntegrationRecordResponse', many: true, associations: { ...audit } } },
  required: ['document-type', 'document-id', 'contact-alert-type', 'status'],
  defaults: () => ({ resolved: false, 'external-id': null, 'document-status': null }),
  beforeSave(emu, rec, _prev, errors) {
    if (!['Functional', 'Technical'].includes(rec['contact-alert-type'])) errors.push('Contact alert type must be one of Functional, Technical');
    if (!['Success', 'Error', 'Warning'].includes(rec.status)) errors.push('Status must be one of Success, Error, Warning');
    if (rec['integration-run']) rec['integration-run-id'] = rec['integration-run'];
  },
  memberActions: {
    resolve: { method: 'PUT', scope: SCOPES.write, run: ({ emu }, rec) => emu.save('integration_history_records', { ...structuredClone(rec!), resolved: true }) },
    unresolve: { method: 'PUT', scope: SCOPES.write, run: ({ emu }, rec) => emu.save('integration_history_records', { ...structuredClone(rec!), resolved: false }) },
  },
};
