import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { reduceErrors, isNoAccessError } from 'c/ldsUtils';
import NAME_FIELD from '@salesforce/schema/Account.Name';
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
  LAST_SYNCED_FIELD
];

const RISK_THEMES = {
  Low: 'slds-theme_success',
  Medium: 'slds-theme_warning',
  High: 'slds-theme_error',
  Critical: 'slds-theme_error'
};

const STATUS_LABELS = { draft: 'Draft', onboarding: 'Onboarding', active: 'Active', inactive: 'Inactive' };

export default class CoupaSupplierPanel extends LightningElement {
  @api recordId;
  /** Base URL of the Coupa instance, e.g. https://acme.coupahost.com (set in Lightning App Builder). */
  @api coupaBaseUrl;

  record;
  error;

  @wire(getRecord, { recordId: '$recordId', fields: [NAME_FIELD], optionalFields: FIELDS })
  wiredAccount({ data, error }) {
    this.record = data;
    this.error = error;
  }

  get isLoading() {
    return !this.record && !this.error;
  }

  get hasError() {
    return !!this.error && !this.noAccess;
  }

  get errorMessages() {
    return reduceErrors(this.error).join(', ');
  }

  get noAccess() {
    if (this.error) {
      return isNoAccessError(this.error);
    }
    return !!this.record && this.record.fields[SUPPLIER_ID_FIELD.fieldApiName] === undefined;
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

  get supplierNumber() {
    return getFieldValue(this.record, SUPPLIER_NUMBER_FIELD) || '—';
  }

  get supplierStatus() {
    const status = getFieldValue(this.record, SUPPLIER_STATUS_FIELD);
    return STATUS_LABELS[status] || status || 'Unknown';
  }

  get statusClass() {
    const status = getFieldValue(this.record, SUPPLIER_STATUS_FIELD);
    const theme = status === 'active' ? 'slds-theme_success' : status === 'inactive' ? 'slds-theme_error' : '';
    return `slds-badge ${theme}`.trim();
  }

  get riskLevel() {
    return getFieldValue(this.record, RISK_LEVEL_FIELD) || 'Not assessed';
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

  get onboardingStatus() {
    return getFieldValue(this.record, ONBOARDING_STATUS_FIELD) || 'Not started';
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
