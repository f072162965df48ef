import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { isNoAccessError } from 'c/ldsUtils';
import { format, list, parseList, DEFAULT_ONBOARDING_ACCOUNT_TYPES } from 'c/coupaI18n';
import { coupaStatusLabel, requestStatusLabel } from 'c/coupaStatusLabels';
import NAME_FIELD from '@salesforce/schema/Account.Name';
import TYPE_FIELD from '@salesforce/schema/Account.Type';
import REQUEST_STATUS_FIELD from '@salesforce/schema/Coupa_Onboarding_Request__c.Status__c';
import TITLE from '@salesforce/label/c.Coupa_Supplier_Title';
import LOADING from '@salesforce/label/c.Coupa_Supplier_Loading';
import ERROR from '@salesforce/label/c.Coupa_Supplier_Error';
import NO_ACCESS from '@salesforce/label/c.Coupa_Supplier_No_Access';
import NO_ACCESS_HINT from '@salesforce/label/c.Coupa_No_Access_Viewer_Hint';
import NOT_LINKED from '@salesforce/label/c.Coupa_Supplier_Not_Linked';
import ONBOARD_HINT from '@salesforce/label/c.Coupa_Supplier_Onboard_Hint';
import NOT_OFFERED from '@salesforce/label/c.Coupa_Supplier_Not_Offered';
import NO_TYPE from '@salesforce/label/c.Coupa_Supplier_No_Type';
import STATUS from '@salesforce/label/c.Coupa_Supplier_Status';
import NUMBER from '@salesforce/label/c.Coupa_Supplier_Number';
import RISK from '@salesforce/label/c.Coupa_Supplier_Risk';
import RISK_SCORE from '@salesforce/label/c.Coupa_Supplier_Risk_Score';
import RISK_NOT_ASSESSED from '@salesforce/label/c.Coupa_Supplier_Risk_Not_Assessed';
import HIGH_RISK from '@salesforce/label/c.Coupa_Supplier_High_Risk';
import WARNING from '@salesforce/label/c.Coupa_Supplier_Warning';
import ONBOARDING from '@salesforce/label/c.Coupa_Supplier_Onboarding';
import ONBOARDING_NONE from '@salesforce/label/c.Coupa_Supplier_Onboarding_None';
import LAST_SYNCED from '@salesforce/label/c.Coupa_Supplier_Last_Synced';
import NEVER from '@salesforce/label/c.Coupa_Supplier_Never';
import OPEN_IN_COUPA from '@salesforce/label/c.Coupa_Supplier_Open_In_Coupa';
import UNKNOWN from '@salesforce/label/c.Coupa_Unknown';
import SUPPLIER_ID_FIELD from '@salesforce/schema/Account.Coupa_Supplier_Id__c';
import SUPPLIER_NUMBER_FIELD from '@salesforce/schema/Account.Coupa_Supplier_Number__c';
import SUPPLIER_STATUS_FIELD from '@salesforce/schema/Account.Coupa_Supplier_Status__c';
import RISK_LEVEL_FIELD from '@salesforce/schema/Account.Coupa_Risk_Level__c';
import RISK_SCORE_FIELD from '@salesforce/schema/Account.Coupa_Risk_Score__c';
import ONBOARDING_STATUS_FIELD from '@salesforce/schema/Account.Coupa_Onboarding_Status__c';
import LAST_SYNCED_FIELD from '@salesforce/schema/Account.Coupa_Last_Synced__c';

// Optional fields: a user without field access gets the record without them, not an error.
const FIELDS = [
  SUPPLIER_ID_FIELD,
  SUPPLIER_NUMBER_FIELD,
  SUPPLIER_STATUS_FIELD,
  RISK_LEVEL_FIELD,
  RISK_SCORE_FIELD,
  ONBOARDING_STATUS_FIELD,
  LAST_SYNCED_FIELD,
  TYPE_FIELD
];
export const REQUESTS_LIST_ID = 'Coupa_Onboarding_Requests__r';

const RISK_THEMES = {
  Low: 'slds-theme_success',
  Medium: 'slds-theme_warning',
  High: 'slds-theme_error',
  Critical: 'slds-theme_error'
};

export default class CoupaSupplierPanel extends LightningElement {
  @api recordId;
  /** Base URL of the Coupa instance, e.g. https://acme.coupahost.com (set in Lightning App Builder). */
  @api coupaBaseUrl;
  /** Account types for which onboarding is offered, comma-separated (set in Lightning App Builder). */
  @api vendorAccountTypes = DEFAULT_ONBOARDING_ACCOUNT_TYPES;

  record;
  error;
  /** The latest onboarding request: undefined while loading, null when there is none. */
  latestRequest;
  requestsError;

  cardTitle = TITLE;
  loadingText = LOADING;
  label = {
    status: STATUS,
    number: NUMBER,
    risk: RISK,
    riskScore: RISK_SCORE,
    warning: WARNING,
    onboarding: ONBOARDING,
    lastSynced: LAST_SYNCED,
    never: NEVER,
    openInCoupa: OPEN_IN_COUPA
  };

  @wire(getRecord, { recordId: '$recordId', fields: [NAME_FIELD], optionalFields: FIELDS })
  wiredAccount({ data, error }) {
    this.record = data;
    this.error = error;
  }

  /** Onboarding status comes from the latest request, not from a copy on the Account that may be stale. */
  @wire(getRelatedListRecords, {
    parentRecordId: '$recordId',
    relatedListId: REQUESTS_LIST_ID,
    fields: ['Coupa_Onboarding_Request__c.Name'],
    optionalFields: [`${REQUEST_STATUS_FIELD.objectApiName}.${REQUEST_STATUS_FIELD.fieldApiName}`],
    sortBy: ['-Coupa_Onboarding_Request__c.CreatedDate'],
    pageSize: 1
  })
  wiredRequests({ data, error }) {
    this.latestRequest = data ? data.records[0] || null : undefined;
    this.requestsError = error;
  }

  get isLoading() {
    return !this.record && !this.error;
  }

  get noAccess() {
    if (this.error) {
      return isNoAccessError(this.error);
    }
    return !!this.record && this.record.fields[SUPPLIER_ID_FIELD.fieldApiName] === undefined;
  }

  get stateVariant() {
    if (this.isLoading) {
      return 'loading';
    }
    if (this.noAccess) {
      return 'no-access';
    }
    return this.error ? 'error' : null;
  }

  get state() {
    if (this.stateVariant === 'error') {
      return { title: ERROR };
    }
    if (this.stateVariant === 'no-access') {
      return { title: NO_ACCESS, message: NO_ACCESS_HINT };
    }
    return {};
  }

  get supplierId() {
    return this.record ? getFieldValue(this.record, SUPPLIER_ID_FIELD) : null;
  }

  get isLinked() {
    return !!this.record && !this.noAccess && !!this.supplierId;
  }

  get isUnlinked() {
    return !!this.record && !this.noAccess && !this.supplierId;
  }

  get accountType() {
    return getFieldValue(this.record, TYPE_FIELD) || '';
  }

  get onboardingTypes() {
    return parseList(this.vendorAccountTypes);
  }

  /** Onboarding is offered only for the configured Account types. */
  get onboardingOffered() {
    return this.onboardingTypes.includes(this.accountType);
  }

  get unlinkedState() {
    return {
      title: NOT_LINKED,
      message: this.onboardingOffered
        ? ONBOARD_HINT
        : format(NOT_OFFERED, list(this.onboardingTypes), this.accountType || NO_TYPE)
    };
  }

  get supplierNumber() {
    return getFieldValue(this.record, SUPPLIER_NUMBER_FIELD) || '—';
  }

  get supplierStatus() {
    const status = getFieldValue(this.record, SUPPLIER_STATUS_FIELD);
    return coupaStatusLabel(status) || UNKNOWN;
  }

  get statusClass() {
    const status = getFieldValue(this.record, SUPPLIER_STATUS_FIELD);
    const theme = status === 'active' ? 'slds-theme_success' : status === 'inactive' ? 'slds-theme_error' : '';
    return `slds-badge ${theme}`.trim();
  }

  get riskLevel() {
    return getFieldValue(this.record, RISK_LEVEL_FIELD) || RISK_NOT_ASSESSED;
  }

  get riskScore() {
    const score = getFieldValue(this.record, RISK_SCORE_FIELD);
    return score === null || score === undefined ? null : score;
  }

  get hasRiskScore() {
    return this.riskScore !== null;
  }

  get riskClass() {
    const theme = RISK_THEMES[getFieldValue(this.record, RISK_LEVEL_FIELD)] || '';
    return `slds-badge ${theme}`.trim();
  }

  get isHighRisk() {
    return ['High', 'Critical'].includes(getFieldValue(this.record, RISK_LEVEL_FIELD));
  }

  get highRiskMessage() {
    return format(HIGH_RISK, this.riskLevel);
  }

  /**
   * The latest request's status. Without any request there is no onboarding, whatever the Account field says;
   * only when the requests cannot be read does the panel fall back to the Account's mirror of the status.
   */
  get onboardingStatus() {
    if (this.latestRequest) {
      const field = this.latestRequest.fields[REQUEST_STATUS_FIELD.fieldApiName];
      return requestStatusLabel(field && field.value) || UNKNOWN;
    }
    if (this.latestRequest === null) {
      return ONBOARDING_NONE;
    }
    return requestStatusLabel(getFieldValue(this.record, ONBOARDING_STATUS_FIELD)) || ONBOARDING_NONE;
  }

  get lastSynced() {
    return getFieldValue(this.record, LAST_SYNCED_FIELD);
  }

  get coupaUrl() {
    if (!this.coupaBaseUrl || !this.supplierId) {
      return null;
    }
    return `${this.coupaBaseUrl.replace(/\/+$/, '')}/suppliers/${encodeURIComponent(this.supplierId)}`;
  }
}
