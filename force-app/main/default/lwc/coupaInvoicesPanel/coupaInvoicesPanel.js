import { LightningElement, api, wire } from 'lwc';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { isNoAccessError } from 'c/ldsUtils';
import { format } from 'c/coupaI18n';
import { coupaStatusLabel } from 'c/coupaStatusLabels';
import { invoiceFigures, localToday, totalsByCurrency } from 'c/coupaInvoiceRules';
import STATUS_FIELD from '@salesforce/schema/Coupa_Invoice__c.Status__c';
import INVOICE_DATE_FIELD from '@salesforce/schema/Coupa_Invoice__c.Invoice_Date__c';
import DUE_DATE_FIELD from '@salesforce/schema/Coupa_Invoice__c.Due_Date__c';
import GROSS_TOTAL_FIELD from '@salesforce/schema/Coupa_Invoice__c.Gross_Total__c';
import CURRENCY_FIELD from '@salesforce/schema/Coupa_Invoice__c.Currency_Code__c';
import PAID_FIELD from '@salesforce/schema/Coupa_Invoice__c.Paid__c';
import AMOUNT_PAID_FIELD from '@salesforce/schema/Coupa_Invoice__c.Amount_Paid__c';
import PAYMENT_DATE_FIELD from '@salesforce/schema/Coupa_Invoice__c.Payment_Date__c';
import DISPUTE_REASON_FIELD from '@salesforce/schema/Coupa_Invoice__c.Dispute_Reason__c';
import PO_NUMBER_FIELD from '@salesforce/schema/Coupa_Invoice__c.PO_Number__c';
import COUPA_URL_FIELD from '@salesforce/schema/Coupa_Invoice__c.Coupa_Url__c';

import TITLE from '@salesforce/label/c.Coupa_Invoices_Title';
import TITLE_COUNT from '@salesforce/label/c.Coupa_Invoices_Title_Count';
import LOADING from '@salesforce/label/c.Coupa_Invoices_Loading';
import ERROR from '@salesforce/label/c.Coupa_Invoices_Error';
import NO_ACCESS from '@salesforce/label/c.Coupa_Invoices_No_Access';
import NO_ACCESS_HINT from '@salesforce/label/c.Coupa_No_Access_Viewer_Hint';
import EMPTY_ACCOUNT from '@salesforce/label/c.Coupa_Invoices_Empty_Account';
import EMPTY_OPPORTUNITY from '@salesforce/label/c.Coupa_Invoices_Empty_Opportunity';
import EMPTY_HINT from '@salesforce/label/c.Coupa_Invoices_Empty_Hint';
import FILTER_LABEL from '@salesforce/label/c.Coupa_Invoices_Filter_Label';
import FILTER_ALL from '@salesforce/label/c.Coupa_Invoices_Filter_All';
import FILTER_OPEN from '@salesforce/label/c.Coupa_Invoices_Filter_Open';
import FILTER_OVERDUE from '@salesforce/label/c.Coupa_Invoices_Filter_Overdue';
import FILTER_DISPUTED from '@salesforce/label/c.Coupa_Invoices_Filter_Disputed';
import FILTER_PAID from '@salesforce/label/c.Coupa_Invoices_Filter_Paid';
import FILTER_WITH_COUNT from '@salesforce/label/c.Coupa_Filter_With_Count';
import COUNTED from '@salesforce/label/c.Coupa_Invoices_Counted';
import INVOICED from '@salesforce/label/c.Coupa_Invoiced';
import PAID from '@salesforce/label/c.Coupa_Paid';
import OUTSTANDING from '@salesforce/label/c.Coupa_Outstanding';
import OVERDUE from '@salesforce/label/c.Coupa_Overdue';
import NOT_COUNTED from '@salesforce/label/c.Coupa_Invoices_Not_Counted';
import NO_MATCHES from '@salesforce/label/c.Coupa_Invoices_No_Matches';
import TABLE from '@salesforce/label/c.Coupa_Invoices_Table';
import PREVIOUS from '@salesforce/label/c.Coupa_Previous';
import NEXT from '@salesforce/label/c.Coupa_Next';
import PAGE_OF from '@salesforce/label/c.Coupa_Page_Of';
import LOADING_MORE from '@salesforce/label/c.Coupa_Invoices_Loading_More';
import TRUNCATED from '@salesforce/label/c.Coupa_Invoices_Truncated';
import COL_INVOICE from '@salesforce/label/c.Coupa_Invoices_Col_Invoice';
import COL_FLAG from '@salesforce/label/c.Coupa_Invoices_Col_Flag';
import COL_STATUS from '@salesforce/label/c.Coupa_Invoices_Col_Status';
import COL_INVOICE_DATE from '@salesforce/label/c.Coupa_Invoices_Col_Invoice_Date';
import COL_DUE_DATE from '@salesforce/label/c.Coupa_Invoices_Col_Due_Date';
import COL_TOTAL from '@salesforce/label/c.Coupa_Invoices_Col_Total';
import COL_PO from '@salesforce/label/c.Coupa_Invoices_Col_PO';
import OPEN_TOOLTIP from '@salesforce/label/c.Coupa_Invoices_Open_Tooltip';
import FLAG_DISPUTED from '@salesforce/label/c.Coupa_Invoices_Flag_Disputed';
import FLAG_OVERDUE_DAYS from '@salesforce/label/c.Coupa_Invoices_Flag_Overdue_Days';
import FLAG_DISPUTED_OVERDUE from '@salesforce/label/c.Coupa_Invoices_Flag_Disputed_Overdue';
import FLAG_NOT_COUNTED from '@salesforce/label/c.Coupa_Invoices_Flag_Not_Counted';

const qualified = (field) => `${field.objectApiName}.${field.fieldApiName}`;

/** The invoice relationship has the same name on Account and Opportunity (Account__c and Opportunity__c). */
export const RELATED_LIST_ID = 'Coupa_Invoices__r';
/** Records per UI API request; the panel follows nextPageToken until every invoice is loaded (or MAX_INVOICES). */
export const FETCH_SIZE = 200;
/** Hard cap, so one very large supplier cannot make the page load thousands of rows. */
export const MAX_INVOICES = 2000;
/** Rows per page of the table. */
export const ROWS_PER_PAGE = 25;

// Name is a standard field of the custom object, so it is named as a string.
const REQUIRED_FIELDS = ['Coupa_Invoice__c.Name'];
// Optional: a user without field-level access gets the records without them rather than an error.
const OPTIONAL_FIELDS = [
  STATUS_FIELD,
  INVOICE_DATE_FIELD,
  DUE_DATE_FIELD,
  GROSS_TOTAL_FIELD,
  CURRENCY_FIELD,
  PAID_FIELD,
  AMOUNT_PAID_FIELD,
  PAYMENT_DATE_FIELD,
  DISPUTE_REASON_FIELD,
  PO_NUMBER_FIELD,
  COUPA_URL_FIELD
].map(qualified);
const SORT_BY = [`-${qualified(DUE_DATE_FIELD)}`];

export const FILTERS = [
  { value: 'all', label: FILTER_ALL },
  { value: 'open', label: FILTER_OPEN },
  { value: 'overdue', label: FILTER_OVERDUE },
  { value: 'disputed', label: FILTER_DISPUTED },
  { value: 'paid', label: FILTER_PAID }
];

const COLUMNS = [
  {
    label: COL_INVOICE,
    fieldName: 'link',
    type: 'url',
    sortable: true,
    typeAttributes: { label: { fieldName: 'number' }, target: '_blank', tooltip: OPEN_TOOLTIP },
    cellAttributes: {
      iconName: { fieldName: 'flagIcon' },
      iconAlternativeText: { fieldName: 'flag' },
      class: { fieldName: 'rowClass' }
    }
  },
  {
    label: COL_FLAG,
    fieldName: 'flag',
    type: 'text',
    sortable: true,
    cellAttributes: { class: { fieldName: 'rowClass' } }
  },
  { label: COL_STATUS, fieldName: 'statusLabel', type: 'text', sortable: true },
  {
    label: COL_INVOICE_DATE,
    fieldName: 'invoiceDate',
    type: 'date-local',
    sortable: true,
    typeAttributes: { year: 'numeric', month: 'short', day: '2-digit' }
  },
  {
    label: COL_DUE_DATE,
    fieldName: 'dueDate',
    type: 'date-local',
    sortable: true,
    typeAttributes: { year: 'numeric', month: 'short', day: '2-digit' },
    cellAttributes: { class: { fieldName: 'rowClass' } }
  },
  {
    label: COL_TOTAL,
    fieldName: 'total',
    type: 'currency',
    sortable: true,
    typeAttributes: { currencyCode: { fieldName: 'currency' }, currencyDisplayAs: 'code' }
  },
  {
    label: PAID,
    fieldName: 'amountPaid',
    type: 'currency',
    sortable: true,
    typeAttributes: { currencyCode: { fieldName: 'currency' }, currencyDisplayAs: 'code' }
  },
  { label: COL_PO, fieldName: 'poNumber', type: 'text', sortable: true }
];

const value = (record, field) => {
  const f = record.fields[field.fieldApiName];
  return f === undefined ? undefined : f.value;
};

export { localToday, totalsByCurrency };

/** 'pending_approval' → 'Pending approval' (a Custom Label); no status → '—'. */
export function statusLabel(status) {
  return coupaStatusLabel(status) || '—';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Whole days between two YYYY-MM-DD dates. */
const daysBetween = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);

/** One datatable row with the figures (c/coupaInvoiceRules) and the flags the filters and highlighting use. */
export function toRow(record, today) {
  const status = value(record, STATUS_FIELD);
  const dueDate = value(record, DUE_DATE_FIELD) || null;
  const total = value(record, GROSS_TOTAL_FIELD);
  const amountPaid = value(record, AMOUNT_PAID_FIELD);
  const figures = invoiceFigures(
    { status, total, amountPaid, paid: value(record, PAID_FIELD) === true, dueDate },
    today
  );
  const { counted, paid, overdue } = figures;
  const open = counted && !paid;
  const disputed = status === 'disputed';
  const daysOverdue = overdue ? daysBetween(dueDate, today) : 0;
  let flag = '';
  let flagIcon;
  let rowClass;
  if (!counted) {
    flag = FLAG_NOT_COUNTED;
    rowClass = 'slds-text-color_weak';
  } else if (disputed) {
    flag = overdue ? format(FLAG_DISPUTED_OVERDUE, daysOverdue) : FLAG_DISPUTED;
    flagIcon = 'utility:warning';
    rowClass = 'slds-text-color_error';
  } else if (overdue) {
    flag = format(FLAG_OVERDUE_DAYS, daysOverdue);
    flagIcon = 'utility:clock';
    rowClass = 'slds-text-color_error';
  } else if (paid) {
    flag = PAID;
    rowClass = 'slds-text-color_success';
  }
  const coupaUrl = value(record, COUPA_URL_FIELD);
  return {
    ...figures,
    id: record.id,
    number: record.fields.Name ? record.fields.Name.value : record.id,
    link: coupaUrl || `/lightning/r/Coupa_Invoice__c/${record.id}/view`,
    status,
    statusLabel: statusLabel(status),
    invoiceDate: value(record, INVOICE_DATE_FIELD) || null,
    dueDate,
    total: typeof total === 'number' ? total : null,
    amountPaid: typeof amountPaid === 'number' ? amountPaid : figures.paidAmount,
    currency: value(record, CURRENCY_FIELD) || 'USD',
    poNumber: value(record, PO_NUMBER_FIELD) || '',
    disputeReason: value(record, DISPUTE_REASON_FIELD) || '',
    open,
    disputed,
    daysOverdue,
    flag,
    flagIcon,
    rowClass
  };
}

const MATCHES = {
  all: () => true,
  open: (row) => row.open,
  overdue: (row) => row.overdue,
  disputed: (row) => row.disputed,
  paid: (row) => row.paid
};

/** Rows sorted by a column; empty values last. */
function sortRows(rows, sortedBy, sortDirection) {
  const dir = sortDirection === 'asc' ? 1 : -1;
  const key = sortedBy === 'link' ? 'number' : sortedBy;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) {
      return 0;
    }
    if (x === null || x === undefined || x === '') {
      return 1;
    }
    if (y === null || y === undefined || y === '') {
      return -1;
    }
    return (x > y ? 1 : -1) * dir;
  });
}

export default class CoupaInvoicesPanel extends LightningElement {
  _recordId;

  /** Account or Opportunity Id (set by the record page). Another record starts the paging over. */
  @api
  get recordId() {
    return this._recordId;
  }
  set recordId(id) {
    if (id !== this._recordId) {
      this._recordId = id;
      this.pages = {};
      this.pageToken = undefined;
      this.totalCount = undefined;
      this.moreToLoad = false;
      this.error = undefined;
      this.buildRows();
    }
  }
  /** Account or Opportunity (set by the record page); used in messages only. */
  @api objectApiName;

  label = {
    filter: FILTER_LABEL,
    counted: COUNTED,
    invoiced: INVOICED,
    paid: PAID,
    outstanding: OUTSTANDING,
    overdue: OVERDUE,
    noMatches: NO_MATCHES,
    table: TABLE,
    previous: PREVIOUS,
    next: NEXT
  };

  filter = 'all';
  pageNumber = 1;
  sortedBy = 'dueDate';
  sortDirection = 'desc';
  /** undefined for the first page; then the nextPageToken of the last page received. */
  pageToken;
  /** pages received so far, keyed by their page token ('' for the first). */
  pages = {};
  totalCount;
  moreToLoad = false;
  error;

  // Computed when the data, the filter, the sort or the page changes; never while rendering.
  loadedCount = 0;
  rows = [];
  filterOptions = [];
  filteredRows = [];
  totals = [];
  pageRows = [];
  notCountedCount = 0;
  firstRecord;

  @wire(getRelatedListRecords, {
    parentRecordId: '$recordId',
    relatedListId: RELATED_LIST_ID,
    fields: REQUIRED_FIELDS,
    optionalFields: OPTIONAL_FIELDS,
    sortBy: SORT_BY,
    pageSize: FETCH_SIZE,
    pageToken: '$pageToken'
  })
  wiredInvoices({ data, error }) {
    if (error) {
      this.error = error;
      this.moreToLoad = false;
      return;
    }
    if (!data) {
      return;
    }
    this.error = undefined;
    // Pages are keyed by their token, so a refreshed page replaces itself.
    const key = data.currentPageToken || '';
    this.pages = { ...this.pages, [key]: data.records };
    this.totalCount = data.count;
    this.buildRows();
    if (data.nextPageToken && this.loadedCount < MAX_INVOICES) {
      this.moreToLoad = true;
      this.pageToken = data.nextPageToken;
    } else {
      this.moreToLoad = false;
    }
  }

  /** Rows and filter counts from the loaded pages (once per page received). */
  buildRows() {
    const today = localToday();
    const seen = new Set();
    const rows = [];
    let loaded = 0;
    this.firstRecord = undefined;
    for (const records of Object.values(this.pages)) {
      for (const record of records) {
        loaded += 1;
        this.firstRecord = this.firstRecord || record;
        if (!seen.has(record.id)) {
          seen.add(record.id);
          rows.push(toRow(record, today));
        }
      }
    }
    this.loadedCount = loaded;
    this.rows = rows;
    this.notCountedCount = rows.filter((r) => !r.counted).length;
    this.filterOptions = FILTERS.map((f) => ({
      value: f.value,
      label: format(FILTER_WITH_COUNT, f.label, rows.filter(MATCHES[f.value]).length)
    }));
    this.applyView();
  }

  /** Filtered and sorted rows and their totals (once per data, filter or sort change). */
  applyView() {
    const filtered = this.rows.filter(MATCHES[this.filter] || MATCHES.all);
    this.filteredRows = sortRows(filtered, this.sortedBy, this.sortDirection);
    this.totals = totalsByCurrency(this.filteredRows).map((t) => ({
      ...t,
      key: t.currency,
      hasOverdue: t.overdue > 0
    }));
    this.applyPage();
  }

  /** The rows of the current page (once per page change). */
  applyPage() {
    const start = (this.currentPage - 1) * ROWS_PER_PAGE;
    this.pageRows = this.filteredRows.slice(start, start + ROWS_PER_PAGE);
  }

  get isLoading() {
    return !this.error && Object.keys(this.pages).length === 0;
  }

  get noAccess() {
    if (this.error) {
      return isNoAccessError(this.error);
    }
    // Records came back without the Coupa fields: no field-level access.
    const first = this.firstRecord;
    return !!first && first.fields[STATUS_FIELD.fieldApiName] === undefined;
  }

  get hasData() {
    return !this.isLoading && !this.error && !this.noAccess;
  }

  get isEmpty() {
    return this.hasData && this.loadedCount === 0;
  }

  get hasInvoices() {
    return this.hasData && this.loadedCount > 0;
  }

  /** The shared state component's variant, or null when the panel shows invoices. */
  get stateVariant() {
    if (this.isLoading) {
      return 'loading';
    }
    if (this.error && !this.noAccess) {
      return 'error';
    }
    if (this.noAccess) {
      return 'no-access';
    }
    return this.isEmpty ? 'empty' : null;
  }

  get state() {
    switch (this.stateVariant) {
      case 'error':
        return { title: ERROR };
      case 'no-access':
        return { title: NO_ACCESS, message: NO_ACCESS_HINT };
      case 'empty':
        return { title: this.objectApiName === 'Opportunity' ? EMPTY_OPPORTUNITY : EMPTY_ACCOUNT, message: EMPTY_HINT };
      default:
        return {};
    }
  }

  get loadingText() {
    return LOADING;
  }

  get cardTitle() {
    return this.hasInvoices ? format(TITLE_COUNT, this.rows.length) : TITLE;
  }

  get pageCount() {
    return Math.max(1, Math.ceil(this.filteredRows.length / ROWS_PER_PAGE));
  }

  get currentPage() {
    return Math.min(this.pageNumber, this.pageCount);
  }

  get hasMatches() {
    return this.filteredRows.length > 0;
  }

  get showPager() {
    return this.pageCount > 1;
  }

  get pageLabel() {
    return format(PAGE_OF, this.currentPage, this.pageCount);
  }

  get isFirstPage() {
    return this.currentPage <= 1;
  }

  get isLastPage() {
    return this.currentPage >= this.pageCount;
  }

  get columns() {
    return COLUMNS;
  }

  get hasNotCounted() {
    return this.notCountedCount > 0;
  }

  get notCountedMessage() {
    return format(NOT_COUNTED, this.notCountedCount);
  }

  get loadingMore() {
    return this.moreToLoad;
  }

  get loadingMoreMessage() {
    return format(LOADING_MORE, this.totalCount);
  }

  get isTruncated() {
    return !this.moreToLoad && typeof this.totalCount === 'number' && this.totalCount > this.loadedCount;
  }

  get truncatedMessage() {
    return format(TRUNCATED, this.loadedCount, this.totalCount);
  }

  handleFilterChange(event) {
    this.filter = event.detail.value;
    this.pageNumber = 1;
    this.applyView();
  }

  handleSort(event) {
    this.sortedBy = event.detail.fieldName;
    this.sortDirection = event.detail.sortDirection;
    this.pageNumber = 1;
    this.applyView();
  }

  handlePrevious() {
    this.pageNumber = Math.max(1, this.currentPage - 1);
    this.applyPage();
  }

  handleNext() {
    this.pageNumber = Math.min(this.pageCount, this.currentPage + 1);
    this.applyPage();
  }
}
