/**
 * Coupa's status values (invoice, requisition, purchase order, supplier) and the onboarding request's status in the
 * user's language, through Custom Labels. The fields keep their stored values (`pending_approval`, `In Progress`) so
 * reports filter on them; the panels show these.
 */
import ABANDONED from '@salesforce/label/c.Coupa_Status_Abandoned';
import ACTIVE from '@salesforce/label/c.Coupa_Status_Active';
import AP_HOLD from '@salesforce/label/c.Coupa_Status_Ap_Hold';
import APPROVED from '@salesforce/label/c.Coupa_Status_Approved';
import BACKGROUNDED from '@salesforce/label/c.Coupa_Status_Backgrounded';
import BOOKING_HOLD from '@salesforce/label/c.Coupa_Status_Booking_Hold';
import BUYER_HOLD from '@salesforce/label/c.Coupa_Status_Buyer_Hold';
import CANCELLED from '@salesforce/label/c.Coupa_Status_Cancelled';
import CART from '@salesforce/label/c.Coupa_Status_Cart';
import CLOSED from '@salesforce/label/c.Coupa_Status_Closed';
import CURRENCY_HOLD from '@salesforce/label/c.Coupa_Status_Currency_Hold';
import DISPUTED from '@salesforce/label/c.Coupa_Status_Disputed';
import DRAFT from '@salesforce/label/c.Coupa_Status_Draft';
import ERROR from '@salesforce/label/c.Coupa_Status_Error';
import EXPENSED from '@salesforce/label/c.Coupa_Status_Expensed';
import EXPORTED from '@salesforce/label/c.Coupa_Status_Exported';
import INACTIVE from '@salesforce/label/c.Coupa_Status_Inactive';
import INVALID from '@salesforce/label/c.Coupa_Status_Invalid';
import ISSUED from '@salesforce/label/c.Coupa_Status_Issued';
import NEW from '@salesforce/label/c.Coupa_Status_New';
import ON_HOLD from '@salesforce/label/c.Coupa_Status_On_Hold';
import ONBOARDING from '@salesforce/label/c.Coupa_Status_Onboarding';
import ORDERED from '@salesforce/label/c.Coupa_Status_Ordered';
import PARTIALLY_RECEIVED from '@salesforce/label/c.Coupa_Status_Partially_Received';
import PAYABLE_ADJUSTMENT from '@salesforce/label/c.Coupa_Status_Payable_Adjustment';
import PENDING_ACTION from '@salesforce/label/c.Coupa_Status_Pending_Action';
import PENDING_APPROVAL from '@salesforce/label/c.Coupa_Status_Pending_Approval';
import PENDING_BUYER_ACTION from '@salesforce/label/c.Coupa_Status_Pending_Buyer_Action';
import PENDING_RECEIPT from '@salesforce/label/c.Coupa_Status_Pending_Receipt';
import PROCESSING from '@salesforce/label/c.Coupa_Status_Processing';
import RECEIVED from '@salesforce/label/c.Coupa_Status_Received';
import REJECTED from '@salesforce/label/c.Coupa_Status_Rejected';
import SAVE_AS_DRAFT from '@salesforce/label/c.Coupa_Status_Save_As_Draft';
import SOFT_CLOSED from '@salesforce/label/c.Coupa_Status_Soft_Closed';
import SUPPLIER_HOLD from '@salesforce/label/c.Coupa_Status_Supplier_Hold';
import SUPPLIER_WINDOW_HOLD from '@salesforce/label/c.Coupa_Status_Supplier_Window_Hold';
import VOIDED from '@salesforce/label/c.Coupa_Status_Voided';
import WITHDRAWN from '@salesforce/label/c.Coupa_Status_Withdrawn';

import REQUEST_REQUESTED from '@salesforce/label/c.Coupa_Request_Status_Requested';
import REQUEST_SUBMITTED from '@salesforce/label/c.Coupa_Request_Status_Submitted';
import REQUEST_IN_PROGRESS from '@salesforce/label/c.Coupa_Request_Status_In_Progress';
import REQUEST_APPROVED from '@salesforce/label/c.Coupa_Request_Status_Approved';
import REQUEST_DECLINED from '@salesforce/label/c.Coupa_Request_Status_Declined';
import REQUEST_FAILED from '@salesforce/label/c.Coupa_Request_Status_Failed';

const LABELS = {
  abandoned: ABANDONED,
  active: ACTIVE,
  ap_hold: AP_HOLD,
  approved: APPROVED,
  backgrounded: BACKGROUNDED,
  booking_hold: BOOKING_HOLD,
  buyer_hold: BUYER_HOLD,
  cancelled: CANCELLED,
  cart: CART,
  closed: CLOSED,
  currency_hold: CURRENCY_HOLD,
  disputed: DISPUTED,
  draft: DRAFT,
  error: ERROR,
  expensed: EXPENSED,
  exported: EXPORTED,
  inactive: INACTIVE,
  invalid: INVALID,
  issued: ISSUED,
  new: NEW,
  on_hold: ON_HOLD,
  onboarding: ONBOARDING,
  ordered: ORDERED,
  partially_received: PARTIALLY_RECEIVED,
  payable_adjustment: PAYABLE_ADJUSTMENT,
  pending_action: PENDING_ACTION,
  pending_approval: PENDING_APPROVAL,
  pending_buyer_action: PENDING_BUYER_ACTION,
  pending_receipt: PENDING_RECEIPT,
  processing: PROCESSING,
  received: RECEIVED,
  rejected: REJECTED,
  save_as_draft: SAVE_AS_DRAFT,
  soft_closed: SOFT_CLOSED,
  supplier_hold: SUPPLIER_HOLD,
  supplier_window_hold: SUPPLIER_WINDOW_HOLD,
  voided: VOIDED,
  withdrawn: WITHDRAWN
};

/** The Coupa status values that have a label. */
export const KNOWN_STATUSES = Object.freeze(Object.keys(LABELS));

/**
 * 'disputed' → 'Disputed' (or 'Beanstandet' for a German user). A status this package does not know yet (a newer
 * Coupa release) is shown as Coupa sent it, rather than hidden; no status at all gives null.
 */
export function coupaStatusLabel(status) {
  if (status === null || status === undefined || status === '') {
    return null;
  }
  return Object.prototype.hasOwnProperty.call(LABELS, status) ? LABELS[status] : String(status);
}

const REQUEST_LABELS = {
  Requested: REQUEST_REQUESTED,
  Submitted: REQUEST_SUBMITTED,
  'In Progress': REQUEST_IN_PROGRESS,
  Approved: REQUEST_APPROVED,
  Declined: REQUEST_DECLINED,
  Failed: REQUEST_FAILED
};

/** The onboarding request statuses (Coupa_Onboarding_Request__c.Status__c) that have a label. */
export const KNOWN_REQUEST_STATUSES = Object.freeze(Object.keys(REQUEST_LABELS));

/** An onboarding request's status ('In Progress') in the user's language; another value as it is; none → null. */
export function requestStatusLabel(status) {
  if (status === null || status === undefined || status === '') {
    return null;
  }
  return Object.prototype.hasOwnProperty.call(REQUEST_LABELS, status) ? REQUEST_LABELS[status] : String(status);
}
