import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { isNoAccessError } from 'c/ldsUtils';
import { format } from 'c/coupaI18n';
import { coupaStatusLabel } from 'c/coupaStatusLabels';
import { invoiceFigures, localToday, totalsByCurrency } from 'c/coupaInvoiceRules';
import ACCOUNT_NAME_FIELD from '@salesforce/schema/Account.Name';
import ACCOUNT_SUPPLIER_ID_FIELD from '@salesforce/schema/Account.Coupa_Supplier_Id__c';
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

import INVOICE_DUE_DATE_FIELD from '@salesforce/schema/Coupa_Invoice__c.Due_Date__c';
import TITLE from '@salesforce/label/c.Coupa_Spend_Title';
import LOADING from '@salesforce/label/c.Coupa_Spend_Loading';
import ERROR from '@salesforce/label/c.Coupa_Spend_Error';
import NO_ACCESS from '@salesforce/label/c.Coupa_Spend_No_Access';
import NO_ACCESS_HINT from '@salesforce/label/c.Coupa_No_Access_Viewer_Hint';
import CHAIN_HEADING from '@salesforce/label/c.Coupa_Spend_Chain_Heading';
import NO_CHAIN from '@salesforce/label/c.Coupa_Spend_No_Chain';
import REQUISITION from '@salesforce/label/c.Coupa_Spend_Requisition';
import NOT_CREATED from '@salesforce/label/c.Coupa_Spend_Not_Created';
import PURCHASE_ORDER from '@salesforce/label/c.Coupa_Spend_Purchase_Order';
import NO_PO from '@salesforce/label/c.Coupa_Spend_No_PO';
import COMMITTED from '@salesforce/label/c.Coupa_Committed';
import INVOICES from '@salesforce/label/c.Coupa_Spend_Invoices';
import INVOICE_COUNT from '@salesforce/label/c.Coupa_Spend_Invoice_Count';
import FIRST_INVOICES from '@salesforce/label/c.Coupa_Spend_First_Invoices';
import NO_INVOICES from '@salesforce/label/c.Coupa_Spend_No_Invoices';
import INVOICED from '@salesforce/label/c.Coupa_Invoiced';
import PAID from '@salesforce/label/c.Coupa_Paid';
import OUTSTANDING from '@salesforce/label/c.Coupa_Outstanding';
import OF_ACCOUNT_ALL_DEALS from '@salesforce/label/c.Coupa_Spend_Of_Account_All_Deals';
import ALL_DEALS_HINT from '@salesforce/label/c.Coupa_Spend_All_Deals_Hint';
import NOT_SUPPLIER from '@salesforce/label/c.Coupa_Spend_Not_Supplier';
import NOT_SUPPLIER_HINT from '@salesforce/label/c.Coupa_Spend_Not_Supplier_Hint';
import NO_ACCOUNT from '@salesforce/label/c.Coupa_Spend_No_Account';
import EMPTY from '@salesforce/label/c.Coupa_Spend_Empty';
import EMPTY_HINT from '@salesforce/label/c.Coupa_Spend_Empty_Hint';
import PERIOD from '@salesforce/label/c.Coupa_Spend_Period';
import MONTHLY from '@salesforce/label/c.Coupa_Spend_Monthly';
import FISCAL_YEAR from '@salesforce/label/c.Coupa_Spend_Fiscal_Year';
import THIS_MONTH from '@salesforce/label/c.Coupa_Spend_This_Month';
import LATEST_PERIOD from '@salesforce/label/c.Coupa_Spend_Latest_Period';
import BUDGET_REMAINING from '@salesforce/label/c.Coupa_Spend_Budget_Remaining';
import NO_BUDGET from '@salesforce/label/c.Coupa_Spend_No_Budget';
import UTILISATION from '@salesforce/label/c.Coupa_Spend_Utilisation';
import BUDGET from '@salesforce/label/c.Coupa_Spend_Budget';
import OVER_BUDGET from '@salesforce/label/c.Coupa_Spend_Over_Budget';
import NEARLY_USED from '@salesforce/label/c.Coupa_Spend_Nearly_Used';
import TREND from '@salesforce/label/c.Coupa_Spend_Trend';
import UTILISATION_SHORT from '@salesforce/label/c.Coupa_Spend_Utilisation_Short';
import UNKNOWN from '@salesforce/label/c.Coupa_Unknown';

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
/** Invoices of the Opportunity read for the chain. */
export const INVOICE_PAGE_SIZE = 200;
const INVOICE_FIELDS = [
  INVOICE_DUE_DATE_FIELD,
  INVOICE_TOTAL_FIELD,
  INVOICE_PAID_AMOUNT_FIELD,
  INVOICE_PAID_FIELD,
  INVOICE_STATUS_FIELD,
  INVOICE_CURRENCY_FIELD
].map(qualified);

const v = (record, field) => {
  const f = record.fields[field.fieldApiName];
  return f === undefined || f.value === null ? undefined : f.value;
};
const num = (x) => (typeof x === 'number' ? x : null);

/** 'YYYY-MM' for the month of the given date. */
export function currentMonth(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
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

  _recordId;
  _trendPeriods = TREND_PERIODS;
  /** Parent of the spend summaries: the Account itself, or the Opportunity's Account. */
  accountId;
  /** Set only on Opportunity pages, so the Opportunity wires stay idle on Account pages. */
  opportunityId;

  opportunity;
  opportunityError;
  account;
  accountError;
  spendRecords;
  spendError;
  invoiceRecords;
  invoiceCount;
  invoiceError;
  periodType = 'Month';

  label = {
    chainHeading: CHAIN_HEADING,
    noChain: NO_CHAIN,
    requisition: REQUISITION,
    notCreated: NOT_CREATED,
    purchaseOrder: PURCHASE_ORDER,
    noPo: NO_PO,
    committed: COMMITTED,
    invoices: INVOICES,
    noInvoices: NO_INVOICES,
    invoiced: INVOICED,
    paid: PAID,
    outstanding: OUTSTANDING,
    period: PERIOD,
    budgetRemaining: BUDGET_REMAINING,
    noBudget: NO_BUDGET,
    utilisation: UTILISATION,
    budget: BUDGET,
    utilisationShort: UTILISATION_SHORT
  };
  cardTitle = TITLE;
  loadingText = LOADING;
  periodTypeOptions = [
    { label: MONTHLY, value: 'Month' },
    { label: FISCAL_YEAR, value: 'Fiscal Year' }
  ];

  // Computed when the data or the period type changes; never while rendering.
  periods = [];
  periodTypes = [];
  typedPeriods = [];
  current;
  trend = [];
  chain = {};

  @api
  get recordId() {
    return this._recordId;
  }
  set recordId(value) {
    this._recordId = value;
    this.assignIds();
  }

  /** Trend length, configurable in Lightning App Builder. */
  @api
  get trendPeriods() {
    return this._trendPeriods;
  }
  set trendPeriods(value) {
    this._trendPeriods = value;
    this.computePeriods();
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
    this.computeChain();
  }

  /** The Account whose spend is shown: its name for the labels, its supplier link for the empty state. */
  @wire(getRecord, {
    recordId: '$accountId',
    fields: [ACCOUNT_NAME_FIELD],
    optionalFields: [ACCOUNT_SUPPLIER_ID_FIELD]
  })
  wiredAccount({ data, error }) {
    this.account = data;
    this.accountError = error;
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
    this.computePeriods();
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$opportunityId',
    relatedListId: INVOICE_LIST_ID,
    fields: ['Coupa_Invoice__c.Name'],
    optionalFields: INVOICE_FIELDS,
    pageSize: INVOICE_PAGE_SIZE
  })
  wiredInvoices({ data, error }) {
    this.invoiceRecords = data ? data.records : undefined;
    this.invoiceCount = data ? data.count : undefined;
    this.invoiceError = error;
    this.computeChain();
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

  get opportunityWithoutAccount() {
    return this.isOpportunity && !!this.opportunity && !this.accountId;
  }

  get isLoading() {
    if (this.errors.length) {
      return false;
    }
    if (this.isOpportunity && (!this.opportunity || !this.invoiceRecords)) {
      return true;
    }
    if (!this.accountId) {
      return this.isOpportunity ? false : true;
    }
    // The Account is needed for the labels; an Account the user cannot read does not block the panel.
    return !this.spendRecords || (!this.account && !this.accountError);
  }

  get ready() {
    return !this.isLoading && !this.hasError && !this.noAccess;
  }

  /** The shared state component's variant for the whole panel, or null when the panel shows content. */
  get stateVariant() {
    if (this.isLoading) {
      return 'loading';
    }
    if (this.hasError) {
      return 'error';
    }
    return this.noAccess ? 'no-access' : null;
  }

  get state() {
    if (this.stateVariant === 'error') {
      return { title: ERROR, errors: this.errors };
    }
    if (this.stateVariant === 'no-access') {
      return { title: NO_ACCESS, message: NO_ACCESS_HINT };
    }
    return {};
  }

  get showChain() {
    return this.ready && this.isOpportunity;
  }

  // ----- the account -----

  get accountName() {
    return this.account ? getFieldValue(this.account, ACCOUNT_NAME_FIELD) : '';
  }

  /** True only when the Account is known not to be linked to a Coupa supplier (a hidden field proves nothing). */
  get accountIsNotSupplier() {
    return (
      !!this.account &&
      this.account.fields[ACCOUNT_SUPPLIER_ID_FIELD.fieldApiName] !== undefined &&
      !getFieldValue(this.account, ACCOUNT_SUPPLIER_ID_FIELD)
    );
  }

  /** On an Opportunity, say whose spend the figures are: the Account's, over all its deals. */
  get showAccountHeading() {
    return this.isOpportunity && !!this.accountId;
  }

  get accountHeading() {
    return format(OF_ACCOUNT_ALL_DEALS, this.accountName);
  }

  get accountHint() {
    return format(ALL_DEALS_HINT, this.accountName);
  }

  // ----- periods -----

  /** Periods, the current one and the trend (once per data, period type or trend length change). */
  computePeriods() {
    this.periods = (this.spendRecords || []).map(toPeriod);
    this.periodTypes = [...new Set(this.periods.map((p) => p.type))];
    const selected = this.selectedType;
    this.typedPeriods = this.periods.filter((p) => p.type === selected).sort(byStartDesc);
    this.current = this.findCurrent();
    const periods = this.typedPeriods.slice(0, Number(this._trendPeriods) || TREND_PERIODS).reverse();
    const max = Math.max(1, ...periods.map((p) => Math.max(p.committed || 0, p.invoiced || 0, p.budget || 0)));
    const pct = (x) => `${Math.round(((x || 0) / max) * 100)}%`;
    this.trend = periods.map((p) => ({
      ...p,
      key: p.id || p.period,
      committedStyle: `width: ${pct(p.committed)}`,
      invoicedStyle: `width: ${pct(p.invoiced)}`,
      utilizationLabel: p.utilization === null ? '—' : `${p.utilization}%`
    }));
    this.computeChain();
  }

  /** The current month (or fiscal year) when it has a summary, else the latest period. */
  findCurrent() {
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

  get showPeriodTypeChoice() {
    return this.periodTypes.length > 1;
  }

  get selectedType() {
    return this.periodTypes.includes(this.periodType) ? this.periodType : this.periodTypes[0];
  }

  get hasSpend() {
    return this.ready && this.typedPeriods.length > 0;
  }

  get noSpend() {
    return this.ready && this.typedPeriods.length === 0;
  }

  /** Why there is no spend: no account, an account that is not a Coupa supplier, or no summaries yet. */
  get emptyState() {
    if (this.opportunityWithoutAccount) {
      return { title: NO_ACCOUNT };
    }
    if (this.accountIsNotSupplier) {
      return { title: format(NOT_SUPPLIER, this.accountName), message: NOT_SUPPLIER_HINT };
    }
    return { title: EMPTY, message: EMPTY_HINT };
  }

  get currentHeading() {
    const p = this.current;
    const isThisMonth = this.selectedType === 'Month' && p.period === currentMonth();
    return format(isThisMonth ? THIS_MONTH : LATEST_PERIOD, p.period);
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
      return format(OVER_BUDGET, u);
    }
    if (u >= 90) {
      return format(NEARLY_USED, u);
    }
    return null;
  }

  get budgetWarningClass() {
    return this.current.utilization > 100
      ? 'budget-warning slds-text-color_error slds-var-m-top_x-small'
      : 'budget-warning slds-text-color_weak slds-var-m-top_x-small';
  }

  get trendCaption() {
    return format(TREND, this.trend.length);
  }

  get showTrend() {
    return this.trend.length > 1;
  }

  handlePeriodType(event) {
    this.periodType = event.detail.value;
    this.computePeriods();
  }

  // ----- Opportunity: requisition → PO → invoices -----

  /** The chain, with invoice totals by the shared definitions (c/coupaInvoiceRules), once per data change. */
  computeChain() {
    const o = this.opportunity;
    if (!o) {
      this.chain = {};
      return;
    }
    const invoices = this.invoiceRecords || [];
    const today = localToday();
    const rows = invoices.map((r) => ({
      currency: v(r, INVOICE_CURRENCY_FIELD) || (this.current ? this.current.currency : 'USD'),
      ...invoiceFigures(
        {
          status: v(r, INVOICE_STATUS_FIELD),
          total: num(v(r, INVOICE_TOTAL_FIELD)),
          amountPaid: num(v(r, INVOICE_PAID_AMOUNT_FIELD)),
          paid: v(r, INVOICE_PAID_FIELD) === true,
          dueDate: v(r, INVOICE_DUE_DATE_FIELD)
        },
        today
      )
    }));
    const totals = totalsByCurrency(rows);
    const counted = totals.reduce((n, t) => n + t.count, 0);
    const requisitionId = getFieldValue(o, REQUISITION_ID_FIELD);
    const poNumber = getFieldValue(o, PO_NUMBER_FIELD);
    const committed = num(getFieldValue(o, COMMITTED_AMOUNT_FIELD));
    const currency = totals.length ? totals[0].currency : this.current ? this.current.currency : 'USD';
    this.chain = {
      requisitionId,
      requisitionStatus:
        coupaStatusLabel(getFieldValue(o, REQUISITION_STATUS_FIELD)) || (requisitionId ? UNKNOWN : null),
      hasRequisition: !!requisitionId,
      poNumber,
      poStatus: coupaStatusLabel(getFieldValue(o, PO_STATUS_FIELD)) || (poNumber ? UNKNOWN : null),
      hasPo: !!poNumber,
      committed,
      hasCommitted: committed !== null,
      currency,
      invoiceCountLabel: format(INVOICE_COUNT, counted),
      hasInvoices: counted > 0,
      totals: totals.map((t) => ({ ...t, key: t.currency })),
      moreInvoices: typeof this.invoiceCount === 'number' && this.invoiceCount > invoices.length,
      moreInvoicesLabel: format(FIRST_INVOICES, invoices.length)
    };
  }

  get noChain() {
    return !this.chain.hasRequisition && !this.chain.hasPo && !this.chain.hasInvoices;
  }
}
