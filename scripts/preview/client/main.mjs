/**
 * The preview page: the package's real components on a record page laid out like Lightning Experience,
 * with the Start supplier onboarding quick action in a modal.
 */
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import CoupaSupplierPanel from 'c/coupaSupplierPanel';
import CoupaSpendPanel from 'c/coupaSpendPanel';
import CoupaInvoicesPanel from 'c/coupaInvoicesPanel';
import CoupaStartOnboarding from 'c/coupaStartOnboarding';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { refreshRelatedLists } from 'lightning/uiRelatedListApi';

const config = JSON.parse(document.getElementById('preview-config').textContent);
const { objectApiName, recordId, coupaBaseUrl } = config;

function mount(tag, ctor, props, parent) {
  const el = createElement(tag, { is: ctor });
  Object.assign(el, props);
  parent.appendChild(el);
  return el;
}

const main = document.getElementById('main');
const sidebar = document.getElementById('sidebar');
const record = { recordId, objectApiName };

if (objectApiName === 'Account') {
  mount('c-coupa-supplier-panel', CoupaSupplierPanel, { ...record, coupaBaseUrl }, sidebar);
}
mount('c-coupa-spend-panel', CoupaSpendPanel, { ...record, trendPeriods: 6 }, sidebar);
mount('c-coupa-invoices-panel', CoupaInvoicesPanel, record, main);

// Quick action: Start supplier onboarding, in an SLDS modal like Lightning Experience draws it.
const modal = document.getElementById('action-modal');
const backdrop = document.getElementById('action-backdrop');
const body = document.getElementById('action-body');
let action;

function closeAction() {
  if (action) {
    body.removeChild(action);
    action = undefined;
  }
  modal.classList.remove('slds-fade-in-open');
  backdrop.classList.remove('slds-backdrop_open');
  // The record may have changed (the connector links the Account once approved).
  notifyRecordUpdateAvailable([{ recordId }]);
  refreshRelatedLists(recordId);
}

const start = document.getElementById('start-onboarding');
if (start) {
  start.addEventListener('click', () => {
    action = mount('c-coupa-start-onboarding', CoupaStartOnboarding, { recordId }, body);
    action.addEventListener('close', closeAction);
    modal.classList.add('slds-fade-in-open');
    backdrop.classList.add('slds-backdrop_open');
  });
  document.getElementById('action-close').addEventListener('click', closeAction);
}

// Toasts (lightning/platformShowToastEvent).
const toasts = document.getElementById('toasts');
document.addEventListener('lightning__showtoast', (event) => {
  const { title, message, variant = 'info' } = event.detail;
  const toast = document.createElement('div');
  toast.className = `slds-notify slds-notify_toast slds-theme_${variant}`;
  toast.setAttribute('role', 'status');
  const content = document.createElement('div');
  content.className = 'slds-notify__content';
  const h2 = document.createElement('h2');
  h2.className = 'slds-text-heading_small';
  h2.textContent = title;
  const p = document.createElement('p');
  p.textContent = message || '';
  content.append(h2, p);
  toast.append(content);
  toasts.append(toast);
  // Lightning dismisses toasts by themselves after a few seconds.
  setTimeout(() => toast.remove(), 5000);
});

window.__preview = { ready: true };
