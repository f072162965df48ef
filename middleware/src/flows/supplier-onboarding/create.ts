/**
 * supplier-onboarding, Salesforce → Coupa: a Coupa_Onboarding_Request__c in status Requested (the Account's "Start
 * supplier onboarding" button) creates one Coupa supplier information (SIM) record from the Account and its primary
 * contact. A declared flow (`defineSalesforceToCoupaFlow`): the hooks hold the related records, the refusals (another
 * onboarding under way, an Account type not offered) and the reason written onto a request Coupa refused.
 */
import { CoupaApiError } from '../../coupa';
import type { FlowDefinition } from '../../engine';
import type { SObjectRecord } from '../../salesforce';
import { requireMapping, type FlowDeps } from '../deps';
import { defineSalesforceToCoupaFlow } from '../shared/define-salesforce-to-coupa';
import { coupaRefusal, FLOW_NAME, KEY_PREFIX, LINK_GROUP, OnboardingRejected, REQUEST_FIELDS, REQUEST_ID_FIELD, REQUEST_OBJECT, rejectionReason } from './logic';
import { supplierOnboardingOptions } from './options';
import type { OnboardingRequests } from './requests';

export const MAPPING = 'supplier-onboarding';

export function createOnboardingRequestFlow(deps: FlowDeps, requests: OnboardingRequests): FlowDefinition<any, any> {
  return defineSalesforceToCoupaFlow(deps, {
    name: FLOW_NAME,
    options: supplierOnboardingOptions,
    declare: (o) => ({
      linkGroup: LINK_GROUP,
      schedule: o.schedule,
      source: { sobject: REQUEST_OBJECT, fields: REQUEST_FIELDS, where: `Status__c = 'Requested' AND Coupa_Supplier_Information_Id__c = null` },
      target: { resource: 'supplier_information', keyField: REQUEST_ID_FIELD, keyPrefix: KEY_PREFIX, fields: ['status', 'supplier-id'] },
      mapping: requireMapping(deps, MAPPING),
      errors: [OnboardingRejected],
      hooks: {
        enrich: (rows: SObjectRecord[]) => requests.withRelated(rows),
        filter: (row) => row.Status__c === 'Requested',
        async refuse(row, { find }) {
          const open = (row.OpenRequests as SObjectRecord[]) ?? [];
          const reason = rejectionReason(row, open, o.accountTypes);
          // An auto-started request (any type the admin configured) already has its SIM record: not a button click.
          if (reason && rejectionReason(row, open) === null && (await find(String(row.Id)))) return null;
          return reason;
        },
        // The open request governs the Account's status; this one only says why it did nothing.
        onRefused: ({ sourceId, reason }) => requests.markFailed(sourceId, reason, null),
        async onCreateRefused({ sourceId, error, row }) {
          const accountId = row ? (row.Account__c ? String(row.Account__c) : null) : await requests.accountOf(sourceId);
          await requests.markFailed(sourceId, coupaRefusal(error instanceof CoupaApiError ? error.messages : [], (error as Error).message), accountId);
        },
      },
    }),
  });
}
