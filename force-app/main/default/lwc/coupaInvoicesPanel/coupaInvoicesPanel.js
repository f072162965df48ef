import { LightningElement, api, wire } from 'lwc';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { reduceErrors, isNoAccessError } from 'c/ldsUtils';
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

/** Coupa statuses after which an unpaid invoice is no longer owed. */
const CLOSED_STATUSES = ['voided', 'rejected', 'abandoned', 'invalid'];

export const FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'disputed', label: 'Disputed' },
  { value: 'paid', label: 'Paid' }
];

const COLUMNS = [
  {
    label: 'Invoice',
    fieldName: 'link',
    type: 'url',
    sortable: true,
    typeAttributes: { label: { fieldName: 'number' }, target: '_blank', tooltip: 'Open invoice' },
    cellAttributes: {
      iconName: { fieldName: 'flagIcon' },
      iconAlternativeText: { fieldName: 'flag' },
      class: { fieldName: 'rowClass' }
    }
  },
  {
    label: 'Flag',
    fieldName: 'flag',
    type: 'text',
    sortable: true,
    cellAttributes: { class: { fieldName: 'rowClass' } }
  },
  { label: 'Status', fieldName: 'statusLabel', type: 'text', sortable: true },
  {
    label: 'Invoice date',
    fieldName: 'invoiceDate',
    type: 'date-local',
    sortable: true,
    typeAttributes: { year: 'numeric', month: 'short', day: '2-digit' }
  },
  {
    label: 'Due date',
    fieldName: 'dueDate',
    type: 'date-local',
    sortable: true,
    typeAttributes: { year: 'numeric', month: 'short', day: '2-digit' },
    cellAttributes: { class: { fieldName: 'rowClass' } }
  },
  {
    label: 'Total',
    fieldName: 'total',
    type: 'currency',
    sortable: true,
    typeAttributes: { currencyCode: { fieldName: 'currency' }, currencyDisplayAs: 'code' }
  },
  {
    label: 'Paid',
    fieldName: 'amountPaid',
    type: 'currency',
    sortable: true,
    typeAttributes: { currencyCode: { fieldName: 'currency' }, currencyDisplayAs: 'code' }
  },
  { label: 'PO', fieldName: 'poNumber', type: 'text', sortable: true }
];

const value = (record, field) => {
  const f = record.fields[field.fieldApiName];
  return f === undefined ? undefined : f.value;
};

/** Today as YYYY-MM-DD in the user's time zone, to compare with Date fields (which have no time zone). */
export function localToday(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** 'pending_approval' → 'Pending approval'. */
export function statusLabel(status) {
  if (!status) {
    return '—';
  }
  const words = String(status).replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One datatable row with the flags the filters and highlighting use. */
export function toRow(record, today) {
  const status = value(record, STATUS_FIELD);
  const paid = value(record, PAID_FIELD) === true;
  const dueDate = value(record, DUE_DATE_FIELD) || null;
  const open = !paid && !CLOSED_STATUSES.includes(status);
  const disputed = status === 'disputed';
  const overdue = open && !!dueDate && dueDate < today;
  const total = value(record, GROSS_TOTAL_FIELD);
  const amountPaid = value(record, AMOUNT_PAID_FIELD);
  let flag = '';
  let flagIcon;
  let rowClass;
  if (disputed) {
    flag = 'Disputed';
    flagIcon = 'utility:warning';
    rowClass = 'slds-text-color_error';
  } else if (overdue) {
    flag = 'Overdue';
    flagIcon = 'utility:clock';
    rowClass = 'slds-text-color_error';
  } else if (paid) {
    flag = 'Paid';
    rowClass = 'slds-text-color_success';
  }
  if (disputed && overdue) {
    flag = 'Disputed, overdue';
  }
  const coupaUrl = value(record, COUPA_URL_FIELD);
  return {
    id: record.id,
    number: record.fields.Name ? record.fields.Name.value : record.id,
    link: coupaUrl || `/lightning/r/Coupa_Invoice__c/${record.id}/view`,
    status,
    statusLabel: statusLabel(status),
    invoiceDate: value(record, INVOICE_DATE_FIELD) || null,
    dueDate,
    total: typeof total === 'number' ? total : null,
    amountPaid: typeof amountPaid === 'number' ? amountPaid : paid && typeof total === 'number' ? total : null,
    currency: value(record, CURRENCY_FIELD) || 'USD',
    poNumber: value(record, PO_NUMBER_FIELD) || '',
    disputeReason: value(record, DISPUTE_REASON_FIELD) || '',
    paid,
    open,
    overdue,
    disputed,
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

/** Totals per currency: invoiced, paid, outstanding (unpaid open invoices) and overdue. */
export function totalsByCurrency(rows) {
  const byCurrency = new Map();
  for (const row of rows) {
    const t = byCurrency.get(row.currency) || {
      currency: row.currency,
      count: 0,
      invoiced: 0,
      paid: 0,
      outstanding: 0,
      overdue: 0
    };
    const total = row.total || 0;
    const paid = row.amountPaid || 0;
    t.count += 1;
    t.invoiced += total;
    t.paid += paid;
    if (row.open) {
      t.outstanding += Math.max(total - paid, 0);
    }
    if (row.overdue) {
      t.overdue += Math.max(total - paid, 0);
    }
    byCurrency.set(row.currency, t);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
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
    }
  }
  /** Account or Opportunity (set by the record page); used in messages only. */
  @api objectApiName;

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
    const loaded = this.loadedRecords.length;
    if (data.nextPageToken && loaded < MAX_INVOICES) {
      this.moreToLoad = true;
      this.pageToken = data.nextPageToken;
    } else {
      this.moreToLoad = false;
    }
  }

  get loadedRecords() {
    return Object.values(this.pages).flat();
  }

  get rows() {
    const today = localToday();
    const seen = new Set();
    const rows = [];
    for (const record of this.loadedRecords) {
      if (!seen.has(record.id)) {
        seen.add(record.id);
        rows.push(toRow(record, today));
      }
    }
    return rows;
  }

  get isLoading() {
    return !this.error && Object.keys(this.pages).length === 0;
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
    // Records came back without the Coupa fields: no field-level access.
    const first = this.loadedRecords[0];
    return !!first && first.fields[STATUS_FIELD.fieldApiName] === undefined;
  }

  get hasData() {
    return !this.isLoading && !this.error && !this.noAccess;
  }

  get isEmpty() {
    return this.hasData && this.loadedRecords.length === 0;
  }

  get hasInvoices() {
    return this.hasData && this.loadedRecords.length > 0;
  }

  get parentLabel() {
    return this.objectApiName === 'Opportunity' ? 'opportunity' : 'account';
  }

  get cardTitle() {
    return this.hasInvoices ? `Coupa invoices (${this.rows.length})` : 'Coupa invoices';
  }

  get filterOptions() {
    const rows = this.rows;
    return FILTERS.map((f) => ({
      value: f.value,
      label: `${f.label} (${rows.filter(MATCHES[f.value]).length})`
    }));
  }

  get filteredRows() {
    const rows = this.rows.filter(MATCHES[this.filter] || MATCHES.all);
    const key = this.sortedBy;
    const dir = this.sortDirection === 'asc' ? 1 : -1;
    const sortKey = key === 'link' ? 'number' : key;
    return rows.sort((a, b) => {
      const x = a[sortKey];
      const y = b[sortKey];
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

  get pageCount() {
    return Math.max(1, Math.ceil(this.filteredRows.length / ROWS_PER_PAGE));
  }

  get currentPage() {
    return Math.min(this.pageNumber, this.pageCount);
  }

  get pageRows() {
    const start = (this.currentPage - 1) * ROWS_PER_PAGE;
    return this.filteredRows.slice(start, start + ROWS_PER_PAGE);
  }

  get hasMatches() {
    return this.filteredRows.length > 0;
  }

  get showPager() {
    return this.pageCount > 1;
  }

  get pageLabel() {
    return `Page ${this.currentPage} of ${this.pageCount}`;
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

  get totals() {
    return totalsByCurrency(this.filteredRows).map((t) => ({ ...t, key: t.currency, hasOverdue: t.overdue > 0 }));
  }

  get filterLabel() {
    return FILTERS.find((f) => f.value === this.filter).label.toLowerCase();
  }

  get loadingMore() {
    return this.moreToLoad;
  }

  get isTruncated() {
    return !this.moreToLoad && typeof this.totalCount === 'number' && this.totalCount > this.loadedRecords.length;
  }

  get truncatedMessage() {
    return `Showing the latest ${this.loadedRecords.length} of ${this.totalCount} invoices. Open the related list for the rest.`;
  }

  handleFilterChange(event) {
    this.filter = event.detail.value;
    this.pageNumber = 1;
  }

  handleSort(event) {
    this.sortedBy = event.detail.fieldName;
    this.sortDirection = event.detail.sortDirection;
    this.pageNumber = 1;
  }

  handlePrevious() {
    this.pageNumber = Math.max(1, this.currentPage - 1);
  }

  handleNext() {
    this.pageNumber = Math.min(this.pageCount, this.currentPage + 1);
  }
}
