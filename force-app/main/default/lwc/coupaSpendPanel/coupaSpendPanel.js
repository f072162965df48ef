import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { reduceErrors, isNoAccessError } from 'c/ldsUtils';
import OPP_ACCOUNT_FIELD from '@salesforce/schema/Opportunity.AccountId';
import REQUISITION_ID_FIELD from '@salesforce/schema/Opportunity.Coupa_Requisition_Id__c';
import REQUISITION_STATUS_FIELD from '@salesforce/schema/Opportunity.Coupa_Requisition_Status__c';
import PO_NUMBER_FIELD from '@salesforce/schema/Opportunity.Coupa_PO_Number__c';
import PO_STATUS_FIELD from '@salesforce/schema/Opportunity.Coupa_PO_Status__c';
import COMMITTED_AMOUNT_FIELD from '@salesforce/schema/Opportunity.Coupa_Committed_Amount__c';
import PERIOD_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Period__c';
import PERIOD_TYPE_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Period_Type__c';
import PERIOD_START_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Period_Start__c';
import COMMITTED_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Committed_Spend__c';
import INVOICED_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Invoiced_Amount__c';
import PAID_AMOUNT_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Paid_Amount__c';
import BUDGET_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Budget_Amount__c';
import BUDGET_REMAINING_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Budget_Remaining__c';
import UTILIZATION_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Budget_Utilization__c';
import OPEN_PO_COUNT_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Open_PO_Count__c';
import SPEND_CURRENCY_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.Currency_Code__c';
import AS_OF_FIELD from '@salesforce/schema/Coupa_Spend_Summary__c.As_Of__c';
import INVOICE_TOTAL_FIELD from '@salesforce/schema/Coupa_Invoice__c.Gross_Total__c';
import INVOICE_PAID_AMOUNT_FIELD from '@salesforce/schema/Coupa_Invoice__c.Amount_Paid__c';
import INVOICE_PAID_FIELD from '@salesforce/schema/Coupa_Invoice__c.Paid__c';
import INVOICE_STATUS_FIELD from '@salesforce/schema/Coupa_Invoice__c.Status__c';
import INVOICE_CURRENCY_FIELD from '@salesforce/schema/Coupa_Invoice__c.Currency_Code__c';

const qualified = (field) => `${field.objectApiName}.${field.fieldApiName}`;

export const SPEND_LIST_ID = 'Coupa_Spend_Summaries__r';
export const INVOICE_LIST_ID = 'Coupa_Invoices__r';
/** Periods shown in the trend. */
export const TREND_PERIODS = 6;

const OPPORTUNITY_FIELDS = [
  OPP_ACCOUNT_FIELD,
  REQUISITION_ID_FIELD,
  REQUISITION_STATUS_FIELD,
  PO_NUMBER_FIELD,
  PO_STATUS_FIELD,
  COMMITTED_AMOUNT_FIELD
];
const SPEND_FIELDS = [
  PERIOD_FIELD,
  PERIOD_TYPE_FIELD,
  PERIOD_START_FIELD,
  COMMITTED_FIELD,
  INVOICED_FIELD,
  PAID_AMOUNT_FIELD,
  BUDGET_FIELD,
  BUDGET_REMAINING_FIELD,
  UTILIZATION_FIELD,
  OPEN_PO_COUNT_FIELD,
  SPEND_CURRENCY_FIELD,
  AS_OF_FIELD
].map(qualified);
const INVOICE_FIELDS = [
  INVOICE_TOTAL_FIELD,
  INVOICE_PAID_AMOUNT_FIELD,
  INVOICE_PAID_FIELD,
  INVOICE_STATUS_FIELD,
  INVOICE_CURRENCY_FIELD
].map(qualified);

const CLOSED_INVOICE_STATUSES = ['voided', 'rejected', 'abandoned', 'invalid'];

const v = (record, field) => {
  const f = record.fields[field.fieldApiName];
  return f === undefined || f.value === null ? undefined : f.value;
};
const num = (x) => (typeof x === 'number' ? x : null);

/** 'YYYY-MM' for the month of the given date. */
export function currentMonth(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

/** 'pending_approval' → 'Pending approval'. */
export function humanize(status) {
  if (!status) {
    return null;
  }
  const words = String(status).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A spend summary record as a plain object; utilisation computed when the field is empty. */
export function toPeriod(record) {
  const committed = num(v(record, COMMITTED_FIELD));
  const invoiced = num(v(record, INVOICED_FIELD));
  const paid = num(v(record, PAID_AMOUNT_FIELD));
  const budget = num(v(record, BUDGET_FIELD));
  let remaining = num(v(record, BUDGET_REMAINING_FIELD));
  if (remaining === null && budget !== null) {
    remaining = budget - (committed || 0);
  }
  let utilization = num(v(record, UTILIZATION_FIELD));
  if (utilization === null && budget) {
    utilization = Math.round(((committed || 0) / budget) * 10000) / 100;
  }
  const period = v(record, PERIOD_FIELD) || '';
  const type = v(record, PERIOD_TYPE_FIELD) || (/^FY/.test(period) ? 'Fiscal Year' : 'Month');
  return {
    id: record.id,
    period,
    type,
    start: v(record, PERIOD_START_FIELD) || period,
    committed,
    invoiced,
    paid,
    budget,
    remaining,
    utilization,
    openPoCount: num(v(record, OPEN_PO_COUNT_FIELD)),
    currency: v(record, SPEND_CURRENCY_FIELD) || 'USD',
    asOf: v(record, AS_OF_FIELD) || null
  };
}

/** Newest first. */
const byStartDesc = (a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0);

export default class CoupaSpendPanel extends LightningElement {
  @api objectApiName;
  /** Trend length, configurable in Lightning App Builder. */
  @api trendPeriods = TREND_PERIODS;

  _recordId;
  /** Parent of the spend summaries: the Account itself, or the Opportunity's Account. */
  accountId;
  /** Set only on Opportunity pages, so the Opportunity wires stay idle on Account pages. */
  opportunityId;

  opportunity;
  opportunityError;
  spendRecords;
  spendError;
  invoiceRecords;
  invoiceCount;
  invoiceError;
  periodType = 'Month';

  @api
  get recordId() {
    return this._recordId;
  }
  set recordId(value) {
    this._recordId = value;
    this.assignIds();
  }

  connectedCallback() {
    this.assignIds();
  }

  assignIds() {
    if (this.isOpportunity) {
      this.opportunityId = this._recordId;
      this.accountId = this.opportunity ? getFieldValue(this.opportunity, OPP_ACCOUNT_FIELD) || undefined : undefined;
    } else {
      this.opportunityId = undefined;
      this.accountId = this._recordId;
    }
  }

  get isOpportunity() {
    return this.objectApiName === 'Opportunity' || (!!this._recordId && String(this._recordId).startsWith('006'));
  }

  @wire(getRecord, { recordId: '$opportunityId', fields: [OPP_ACCOUNT_FIELD], optionalFields: OPPORTUNITY_FIELDS })
  wiredOpportunity({ data, error }) {
    this.opportunity = data;
    this.opportunityError = error;
    if (data) {
      this.accountId = getFieldValue(data, OPP_ACCOUNT_FIELD) || undefined;
    }
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$accountId',
    relatedListId: SPEND_LIST_ID,
    fields: ['Coupa_Spend_Summary__c.Name'],
    optionalFields: SPEND_FIELDS,
    sortBy: [`-${qualified(PERIOD_START_FIELD)}`],
    pageSize: 60
  })
  wiredSpend({ data, error }) {
    this.spendRecords = data ? data.records : undefined;
    this.spendError = error;
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$opportunityId',
    relatedListId: INVOICE_LIST_ID,
    fields: ['Coupa_Invoice__c.Name'],
    optionalFields: INVOICE_FIELDS,
    pageSize: 200
  })
  wiredInvoices({ data, error }) {
    this.invoiceRecords = data ? data.records : undefined;
    this.invoiceCount = data ? data.count : undefined;
    this.invoiceError = error;
  }

  // ----- states -----

  get errors() {
    return [this.opportunityError, this.spendError, this.invoiceError].filter((e) => !!e);
  }

  get noAccess() {
    if (this.errors.length) {
      return isNoAccessError(this.errors);
    }
    const first = this.spendRecords && this.spendRecords[0];
    const spendHidden = !!first && first.fields[COMMITTED_FIELD.fieldApiName] === undefined;
    const oppHidden = !!this.opportunity && this.opportunity.fields[REQUISITION_ID_FIELD.fieldApiName] === undefined;
    return spendHidden || oppHidden;
  }

  get hasError() {
    return this.errors.length > 0 && !this.noAccess;
  }

  get errorMessages() {
    return reduceErrors(this.errors).join(', ');
  }

  get opportunityWithoutAccount() {
    return this.isOpportunity && !!this.opportunity && !this.accountId;
  }

  get isLoading() {
    if (this.errors.length) {
      return false;
    }
    if (this.isOpportunity) {
      if (!this.opportunity || !this.invoiceRecords) {
        return true;
      }
      return !!this.accountId && !this.spendRecords;
    }
    return !this.spendRecords;
  }

  get ready() {
    return !this.isLoading && !this.hasError && !this.noAccess;
  }

  get showChain() {
    return this.ready && this.isOpportunity;
  }

  // ----- periods -----

  get periods() {
    return (this.spendRecords || []).map(toPeriod);
  }

  get periodTypes() {
    return [...new Set(this.periods.map((p) => p.type))];
  }

  get showPeriodTypeChoice() {
    return this.periodTypes.length > 1;
  }

  get periodTypeOptions() {
    return [
      { label: 'Monthly', value: 'Month' },
      { label: 'Fiscal year', value: 'Fiscal Year' }
    ];
  }

  get selectedType() {
    return this.periodTypes.includes(this.periodType) ? this.periodType : this.periodTypes[0];
  }

  get typedPeriods() {
    return this.periods.filter((p) => p.type === this.selectedType).sort(byStartDesc);
  }

  get hasSpend() {
    return this.ready && this.typedPeriods.length > 0;
  }

  get noSpend() {
    return this.ready && this.typedPeriods.length === 0;
  }

  get noSpendMessage() {
    return this.opportunityWithoutAccount
      ? 'This opportunity has no account, so there is no Coupa spend to show.'
      : 'No Coupa spend summaries yet. They appear after the connector’s spend-summary schedule runs.';
  }

  /** The current month (or fiscal year) when it has a summary, else the latest period. */
  get current() {
    const list = this.typedPeriods;
    if (this.selectedType === 'Month') {
      const month = currentMonth();
      const match = list.find((p) => p.period === month);
      if (match) {
        return match;
      }
    }
    return list[0];
  }

  get currentHeading() {
    const p = this.current;
    const isThisMonth = this.selectedType === 'Month' && p.period === currentMonth();
    return isThisMonth ? `This month (${p.period})` : `Latest period (${p.period})`;
  }

  get hasBudget() {
    return this.current.budget !== null;
  }

  get utilizationValue() {
    const u = this.current.utilization;
    return u === null ? 0 : Math.min(Math.max(u, 0), 100);
  }

  get utilizationFraction() {
    return this.current.utilization === null ? null : this.current.utilization / 100;
  }

  get utilizationVariant() {
    return this.current.utilization >= 90 ? 'warning' : 'base';
  }

  get budgetWarning() {
    const u = this.current.utilization;
    if (u === null) {
      return null;
    }
    if (u > 100) {
      return `Over budget: ${u}% of the budget is committed.`;
    }
    if (u >= 90) {
      return `Budget nearly used: ${u}% committed.`;
    }
    return null;
  }

  get budgetWarningClass() {
    return this.current.utilization > 100
      ? 'budget-warning slds-text-color_error slds-var-m-top_x-small'
      : 'budget-warning slds-text-color_weak slds-var-m-top_x-small';
  }

  get trend() {
    const periods = this.typedPeriods.slice(0, Number(this.trendPeriods) || TREND_PERIODS).reverse();
    const max = Math.max(1, ...periods.map((p) => Math.max(p.committed || 0, p.invoiced || 0, p.budget || 0)));
    const pct = (x) => `${Math.round(((x || 0) / max) * 100)}%`;
    return periods.map((p) => ({
      ...p,
      key: p.id || p.period,
      committedStyle: `width: ${pct(p.committed)}`,
      invoicedStyle: `width: ${pct(p.invoiced)}`,
      utilizationLabel: p.utilization === null ? '—' : `${p.utilization}%`
    }));
  }

  get showTrend() {
    return this.trend.length > 1;
  }

  handlePeriodType(event) {
    this.periodType = event.detail.value;
  }

  // ----- Opportunity: requisition → PO → invoices -----

  get chain() {
    const o = this.opportunity;
    const invoices = this.invoiceRecords || [];
    let invoiced = 0;
    let paid = 0;
    let currency;
    let counted = 0;
    for (const r of invoices) {
      if (CLOSED_INVOICE_STATUSES.includes(v(r, INVOICE_STATUS_FIELD))) {
        continue;
      }
      counted += 1;
      const total = num(v(r, INVOICE_TOTAL_FIELD)) || 0;
      invoiced += total;
      const amountPaid = num(v(r, INVOICE_PAID_AMOUNT_FIELD));
      paid += amountPaid !== null ? amountPaid : v(r, INVOICE_PAID_FIELD) === true ? total : 0;
      currency = currency || v(r, INVOICE_CURRENCY_FIELD);
    }
    const requisitionId = getFieldValue(o, REQUISITION_ID_FIELD);
    const poNumber = getFieldValue(o, PO_NUMBER_FIELD);
    const committed = num(getFieldValue(o, COMMITTED_AMOUNT_FIELD));
    return {
      requisitionId,
      requisitionStatus: humanize(getFieldValue(o, REQUISITION_STATUS_FIELD)) || (requisitionId ? 'Unknown' : null),
      hasRequisition: !!requisitionId,
      poNumber,
      poStatus: humanize(getFieldValue(o, PO_STATUS_FIELD)) || (poNumber ? 'Unknown' : null),
      hasPo: !!poNumber,
      committed,
      hasCommitted: committed !== null,
      invoiceCount: counted,
      hasInvoices: counted > 0,
      moreInvoices: typeof this.invoiceCount === 'number' && this.invoiceCount > invoices.length,
      invoiced,
      paid,
      currency: currency || (this.current ? this.current.currency : 'USD'),
      stepRequisitionClass: `slds-path__item ${requisitionId ? 'slds-is-complete' : 'slds-is-incomplete'}`,
      stepPoClass: `slds-path__item ${poNumber ? 'slds-is-complete' : 'slds-is-incomplete'}`,
      stepInvoiceClass: `slds-path__item ${counted > 0 ? 'slds-is-complete' : 'slds-is-incomplete'}`
    };
  }

  get noChain() {
    return !this.chain.hasRequisition && !this.chain.hasPo && !this.chain.hasInvoices;
  }
}
