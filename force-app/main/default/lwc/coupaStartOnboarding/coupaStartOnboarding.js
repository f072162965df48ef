import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue, createRecord, notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { getObjectInfo } from 'lightning/uiObjectInfoApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { subscribe, unsubscribe, onError, isEmpEnabled } from 'lightning/empApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { CloseActionScreenEvent } from 'lightning/actions';
import { reduceErrors, isNoAccessError } from 'c/ldsUtils';
import REQUEST_OBJECT from '@salesforce/schema/Coupa_Onboarding_Request__c';
import REQUEST_ACCOUNT_FIELD from '@salesforce/schema/Coupa_Onboarding_Request__c.Account__c';
import REQUEST_STATUS_FIELD from '@salesforce/schema/Coupa_Onboarding_Request__c.Status__c';
import REQUEST_ERROR_FIELD from '@salesforce/schema/Coupa_Onboarding_Request__c.Error__c';
import REQUEST_SIM_STATUS_FIELD from '@salesforce/schema/Coupa_Onboarding_Request__c.Coupa_SIM_Status__c';
import ACCOUNT_NAME_FIELD from '@salesforce/schema/Account.Name';
import SUPPLIER_ID_FIELD from '@salesforce/schema/Account.Coupa_Supplier_Id__c';
import ACCOUNT_TYPE_FIELD from '@salesforce/schema/Account.Type';
import { format, list, parseList, DEFAULT_ONBOARDING_ACCOUNT_TYPES } from 'c/coupaI18n';
import { requestStatusLabel } from 'c/coupaStatusLabels';
import APPROVED_HEADING from '@salesforce/label/c.Coupa_Onboarding_Approved_Heading';
import DECLINED_HEADING from '@salesforce/label/c.Coupa_Onboarding_Declined_Heading';
import FAILED_HEADING from '@salesforce/label/c.Coupa_Onboarding_Failed_Heading';
import NOT_OFFERED from '@salesforce/label/c.Coupa_Onboarding_Not_Offered';
import TITLE from '@salesforce/label/c.Coupa_Onboarding_Title';
import LOADING from '@salesforce/label/c.Coupa_State_Loading';
import STEP_REQUESTED from '@salesforce/label/c.Coupa_Onboarding_Step_Requested';
import STEP_SUBMITTED from '@salesforce/label/c.Coupa_Onboarding_Step_Submitted';
import STEP_IN_REVIEW from '@salesforce/label/c.Coupa_Onboarding_Step_In_Review';
import STEP_APPROVED from '@salesforce/label/c.Coupa_Onboarding_Step_Approved';
import NO_ACCESS from '@salesforce/label/c.Coupa_Onboarding_No_Access';
import NO_ACCESS_HINT from '@salesforce/label/c.Coupa_No_Access_Requester_Hint';
import LOAD_ERROR from '@salesforce/label/c.Coupa_Onboarding_Load_Error';
import ALREADY_LINKED from '@salesforce/label/c.Coupa_Onboarding_Already_Linked';
import CONFIRM from '@salesforce/label/c.Coupa_Onboarding_Confirm';
import CONFIRM_DETAIL from '@salesforce/label/c.Coupa_Onboarding_Confirm_Detail';
import SAVE_ERROR from '@salesforce/label/c.Coupa_Onboarding_Save_Error';
import START from '@salesforce/label/c.Coupa_Onboarding_Start';
import CHECK_STATUS from '@salesforce/label/c.Coupa_Onboarding_Check_Status';
import CANCEL from '@salesforce/label/c.Coupa_Cancel';
import CLOSE from '@salesforce/label/c.Coupa_Close';
import CREATED_HEADING from '@salesforce/label/c.Coupa_Onboarding_Created_Heading';
import ALREADY_OPEN_HEADING from '@salesforce/label/c.Coupa_Onboarding_Already_Open_Heading';
import STATUS_REQUESTED from '@salesforce/label/c.Coupa_Onboarding_Status_Requested';
import STATUS_SUBMITTED from '@salesforce/label/c.Coupa_Onboarding_Status_Submitted';
import STATUS_IN_PROGRESS from '@salesforce/label/c.Coupa_Onboarding_Status_In_Progress';
import STATUS_APPROVED from '@salesforce/label/c.Coupa_Onboarding_Status_Approved';
import STATUS_DECLINED from '@salesforce/label/c.Coupa_Onboarding_Status_Declined';
import STATUS_FAILED from '@salesforce/label/c.Coupa_Onboarding_Status_Failed';
import STATUS_OTHER from '@salesforce/label/c.Coupa_Onboarding_Status_Other';
import LIVE_STREAMING from '@salesforce/label/c.Coupa_Onboarding_Live_Streaming';
import LIVE_POLLING from '@salesforce/label/c.Coupa_Onboarding_Live_Polling';
import STARTED_TITLE from '@salesforce/label/c.Coupa_Onboarding_Started_Title';
import STARTED_MESSAGE from '@salesforce/label/c.Coupa_Onboarding_Started_Message';

const qualified = (field) => `${field.objectApiName}.${field.fieldApiName}`;

/** Change Data Capture channel of the request object (see platformEventChannelMembers). */
export const CHANNEL = '/data/Coupa_Onboarding_Request__ChangeEvent';
export const RELATED_LIST_ID = 'Coupa_Onboarding_Requests__r';
/** Polling period when the Streaming API (empApi) is not available. */
export const POLL_INTERVAL_MS = 5000;
/** Polling stops after this many checks; the "Check status" button still works. */
export const MAX_POLLS = 120;

/** A request in one of these states is finished; any other state means one is open. */
export const TERMINAL_STATUSES = ['Approved', 'Declined', 'Failed'];
const STEPS = [
  { value: 'Requested', label: STEP_REQUESTED },
  { value: 'Submitted', label: STEP_SUBMITTED },
  { value: 'In Progress', label: STEP_IN_REVIEW },
  { value: 'Approved', label: STEP_APPROVED }
];
/** What each status means for the user; another status is shown as it is. */
const STATUS_MESSAGES = {
  Requested: STATUS_REQUESTED,
  Submitted: STATUS_SUBMITTED,
  'In Progress': STATUS_IN_PROGRESS,
  Approved: STATUS_APPROVED,
  Declined: STATUS_DECLINED,
  Failed: STATUS_FAILED
};

/** Splits a label around its {0} so the value can be marked up: 'Start {0}?' → ['Start ', '?']. */
function around(template) {
  const text = String(template ?? '');
  const at = text.indexOf('{0}');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 3)];
}

const REQUEST_NAME = 'Coupa_Onboarding_Request__c.Name';
const REQUEST_FIELDS = [qualified(REQUEST_STATUS_FIELD), qualified(REQUEST_ERROR_FIELD)];
const TRACKED_FIELDS = [REQUEST_STATUS_FIELD, REQUEST_ERROR_FIELD, REQUEST_SIM_STATUS_FIELD];

const sameId = (a, b) => !!a && !!b && a.slice(0, 15) === b.slice(0, 15);
const fieldValue = (record, name) => (record.fields[name] ? record.fields[name].value : undefined);

export default class CoupaStartOnboarding extends LightningElement {
  /** The Account (set by the quick action). */
  @api recordId;

  objectInfo;
  objectInfoError;
  account;
  accountError;
  requests;
  requestsError;

  /** The request this panel follows: the one it created, or the open one it found. */
  trackedId;
  trackedRecord;
  trackedError;
  createdHere = false;
  saving = false;
  saveError;

  subscription;
  pollTimer;
  polls = 0;
  liveMode;
  liveStarted = false;

  label = {
    title: TITLE,
    loading: LOADING,
    noAccess: NO_ACCESS,
    noAccessHint: NO_ACCESS_HINT,
    confirmDetail: CONFIRM_DETAIL,
    start: START,
    checkStatus: CHECK_STATUS,
    cancel: CANCEL,
    close: CLOSE
  };

  @wire(getObjectInfo, { objectApiName: REQUEST_OBJECT })
  wiredObjectInfo({ data, error }) {
    this.objectInfo = data;
    this.objectInfoError = error;
  }

  @wire(getRecord, {
    recordId: '$recordId',
    fields: [ACCOUNT_NAME_FIELD],
    optionalFields: [SUPPLIER_ID_FIELD, ACCOUNT_TYPE_FIELD]
  })
  wiredAccount({ data, error }) {
    this.account = data;
    this.accountError = error;
  }

  @wire(getRelatedListRecords, {
    parentRecordId: '$recordId',
    relatedListId: RELATED_LIST_ID,
    fields: [REQUEST_NAME],
    optionalFields: REQUEST_FIELDS,
    sortBy: ['-Coupa_Onboarding_Request__c.CreatedDate'],
    pageSize: 10
  })
  wiredRequests({ data, error }) {
    this.requests = data ? data.records : undefined;
    this.requestsError = error;
    if (data && !this.trackedId) {
      // An open request, or a latest one that was approved: show its status rather than offer another.
      const open = this.requests.find((r) => !TERMINAL_STATUSES.includes(fieldValue(r, 'Status__c')));
      const latest = this.requests[0];
      const follow = open || (latest && fieldValue(latest, 'Status__c') === 'Approved' ? latest : undefined);
      if (follow) {
        this.track(follow.id);
      }
    }
  }

  @wire(getRecord, { recordId: '$trackedId', fields: [REQUEST_NAME], optionalFields: TRACKED_FIELDS })
  wiredTracked({ data, error }) {
    const before = this.trackedRecord ? fieldValue(this.trackedRecord, REQUEST_STATUS_FIELD.fieldApiName) : undefined;
    this.trackedRecord = data;
    this.trackedError = error;
    if (data && this.isFinished) {
      this.stopLiveUpdates();
      if (this.isApproved && before !== undefined && before !== 'Approved') {
        // The connector has linked the Account to the supplier: let the supplier panel on the page see it.
        notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
      }
    }
  }

  disconnectedCallback() {
    this.stopLiveUpdates();
  }

  // ----- states -----

  get isLoading() {
    if (this.objectInfoError || this.accountError || this.requestsError) {
      return false;
    }
    if (this.trackedId) {
      return !this.trackedRecord && !this.trackedError;
    }
    return !this.objectInfo || !this.account || !this.requests;
  }

  get loadErrorMessage() {
    return format(LOAD_ERROR, this.loadError);
  }

  get loadError() {
    const errors = [this.accountError, this.requestsError, this.trackedError].filter((e) => !!e);
    if (!errors.length || this.noAccess) {
      return null;
    }
    return reduceErrors(errors).join(', ');
  }

  /** Without Coupa_Onboarding_Requester the object is not createable (or not visible at all). */
  get noAccess() {
    if (this.trackedId && this.trackedRecord) {
      return false;
    }
    if (this.objectInfoError) {
      return true;
    }
    if (this.requestsError && isNoAccessError(this.requestsError)) {
      return true;
    }
    return !!this.objectInfo && this.objectInfo.createable !== true;
  }

  get showProgress() {
    return !this.isLoading && !!this.trackedRecord;
  }

  get supplierId() {
    return this.account ? getFieldValue(this.account, SUPPLIER_ID_FIELD) : null;
  }

  get alreadyLinked() {
    return !this.isLoading && !this.trackedId && !this.noAccess && !this.loadError && !!this.supplierId;
  }

  get alreadyLinkedMessage() {
    return format(ALREADY_LINKED, this.accountName, this.supplierId);
  }

  /** Account types for which onboarding is offered (the default of the supplier panel's vendorAccountTypes). */
  get onboardingTypes() {
    return parseList(DEFAULT_ONBOARDING_ACCOUNT_TYPES);
  }

  /** False only when the Account's type is known and not one of the onboarding types. */
  get typeOffered() {
    if (!this.account || this.account.fields[ACCOUNT_TYPE_FIELD.fieldApiName] === undefined) {
      return true;
    }
    return this.onboardingTypes.includes(getFieldValue(this.account, ACCOUNT_TYPE_FIELD));
  }

  get notOffered() {
    return (
      !this.isLoading &&
      !this.trackedId &&
      !this.noAccess &&
      !this.loadError &&
      !this.supplierId &&
      !!this.account &&
      !this.typeOffered
    );
  }

  get notOfferedMessage() {
    return format(
      NOT_OFFERED,
      list(this.onboardingTypes),
      this.accountName,
      getFieldValue(this.account, ACCOUNT_TYPE_FIELD) || '—'
    );
  }

  get showConfirm() {
    return (
      !this.isLoading &&
      !this.trackedId &&
      !this.noAccess &&
      !this.loadError &&
      !this.supplierId &&
      !!this.account &&
      this.typeOffered
    );
  }

  get accountName() {
    return this.account ? getFieldValue(this.account, ACCOUNT_NAME_FIELD) : '';
  }

  /** The confirmation question, around the account name (which the template shows in bold). */
  get confirmBefore() {
    return around(CONFIRM)[0];
  }

  get confirmAfter() {
    return around(CONFIRM)[1];
  }

  get saveErrorMessage() {
    return this.saveError ? format(SAVE_ERROR, reduceErrors(this.saveError).join(', ')) : null;
  }

  get startDisabled() {
    return this.saving;
  }

  // ----- progress -----

  get requestName() {
    return this.trackedRecord ? fieldValue(this.trackedRecord, 'Name') : '';
  }

  get status() {
    return (this.trackedRecord && fieldValue(this.trackedRecord, REQUEST_STATUS_FIELD.fieldApiName)) || 'Requested';
  }

  get requestError() {
    return this.trackedRecord ? fieldValue(this.trackedRecord, REQUEST_ERROR_FIELD.fieldApiName) : null;
  }

  get isFinished() {
    return TERMINAL_STATUSES.includes(this.status);
  }

  get isApproved() {
    return this.status === 'Approved';
  }

  get isRejected() {
    return this.status === 'Declined' || this.status === 'Failed';
  }

  get steps() {
    return STEPS;
  }

  /** Declined and Failed stop at the step that was reached: Submitted at the latest. */
  get currentStep() {
    if (this.isRejected) {
      return this.status === 'Declined' ? 'In Progress' : 'Submitted';
    }
    return this.status;
  }

  get progressHeading() {
    // A finished request says how it ended, whoever created it.
    if (this.status === 'Approved') {
      return format(APPROVED_HEADING, this.requestName);
    }
    if (this.status === 'Declined') {
      return format(DECLINED_HEADING, this.requestName);
    }
    if (this.status === 'Failed') {
      return format(FAILED_HEADING, this.requestName);
    }
    if (this.createdHere) {
      return format(CREATED_HEADING, this.requestName);
    }
    return format(ALREADY_OPEN_HEADING, this.requestName);
  }

  /** The status as the user reads it (a Custom Label). */
  get statusText() {
    return requestStatusLabel(this.status);
  }

  get statusMessage() {
    return Object.prototype.hasOwnProperty.call(STATUS_MESSAGES, this.status)
      ? STATUS_MESSAGES[this.status]
      : format(STATUS_OTHER, this.status);
  }

  get liveLabel() {
    if (this.isFinished) {
      return null;
    }
    return this.liveMode === 'streaming' ? LIVE_STREAMING : LIVE_POLLING;
  }

  // ----- actions -----

  async handleStart() {
    this.saving = true;
    this.saveError = undefined;
    try {
      const record = await createRecord({
        apiName: REQUEST_OBJECT.objectApiName,
        fields: {
          [REQUEST_ACCOUNT_FIELD.fieldApiName]: this.recordId,
          [REQUEST_STATUS_FIELD.fieldApiName]: 'Requested'
        }
      });
      this.createdHere = true;
      this.track(record.id);
      this.dispatchEvent(
        new ShowToastEvent({
          title: STARTED_TITLE,
          message: format(STARTED_MESSAGE, this.accountName),
          variant: 'success'
        })
      );
    } catch (error) {
      this.saveError = error;
    } finally {
      this.saving = false;
    }
  }

  handleCancel() {
    this.dispatchEvent(new CloseActionScreenEvent());
  }

  handleRefresh() {
    return this.refreshTracked();
  }

  // ----- live updates: empApi (CDC) with a polling fallback -----

  track(id) {
    this.trackedId = id;
    this.startLiveUpdates();
  }

  refreshTracked() {
    if (!this.trackedId) {
      return Promise.resolve();
    }
    return notifyRecordUpdateAvailable([{ recordId: this.trackedId }]);
  }

  async startLiveUpdates() {
    if (this.liveStarted) {
      return;
    }
    this.liveStarted = true;
    let enabled = false;
    try {
      enabled = await isEmpEnabled();
    } catch {
      enabled = false;
    }
    if (enabled) {
      try {
        onError(() => this.startPolling());
        this.subscription = await subscribe(CHANNEL, -1, (message) => this.handleChangeEvent(message));
        if (this.subscription) {
          this.liveMode = 'streaming';
          return;
        }
      } catch {
        this.subscription = undefined;
      }
    }
    this.startPolling();
  }

  handleChangeEvent(message) {
    const header = message && message.data && message.data.payload && message.data.payload.ChangeEventHeader;
    const ids = (header && header.recordIds) || [];
    if (ids.some((id) => sameId(id, this.trackedId))) {
      this.refreshTracked();
    }
  }

  startPolling() {
    if (this.pollTimer || this.isFinished) {
      return;
    }
    this.liveMode = 'polling';
    this.polls = 0;
    // Polling is the documented fallback when the Streaming API is unavailable.
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.pollTimer = setInterval(() => {
      this.polls += 1;
      if (this.isFinished || this.polls > MAX_POLLS) {
        this.stopPolling();
        return;
      }
      this.refreshTracked();
    }, POLL_INTERVAL_MS);
  }

  stopPolling() {
    if (this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  stopLiveUpdates() {
    this.stopPolling();
    if (this.subscription) {
      const subscription = this.subscription;
      this.subscription = undefined;
      unsubscribe(subscription, () => {});
    }
  }
}
