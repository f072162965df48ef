import { LightningElement, api } from 'lwc';
import { reduceErrors } from 'c/ldsUtils';
import LOADING from '@salesforce/label/c.Coupa_State_Loading';
import ERROR_ICON from '@salesforce/label/c.Coupa_State_Error_Icon';

export const VARIANTS = ['loading', 'error', 'no-access', 'empty'];

/**
 * The states every Coupa panel has besides its content: a spinner while loading, a readable error, a no-access message
 * that names the permission set, and an explanatory empty state. The panel passes translated text (Custom Labels).
 */
export default class CoupaPanelState extends LightningElement {
  /** loading | error | no-access | empty */
  @api variant = 'loading';
  /** Error: what failed ("Could not load Coupa invoices"). No access and empty: the headline. */
  @api title;
  /** Empty and no access: the explanation under the title. Error: shown when there are no LDS errors. */
  @api message;
  /** Error: one or more LDS errors, reduced to readable messages. */
  @api errors;
  /** Loading: the spinner's alternative text. */
  @api loadingText;

  get isLoading() {
    return this.variant === 'loading';
  }

  get isError() {
    return this.variant === 'error';
  }

  get isNoAccess() {
    return this.variant === 'no-access';
  }

  get isEmpty() {
    return this.variant === 'empty';
  }

  get spinnerText() {
    return this.loadingText || LOADING;
  }

  get errorIconText() {
    return ERROR_ICON;
  }

  get details() {
    if (this.errors) {
      const messages = reduceErrors(this.errors);
      if (messages.length) {
        return messages.join(', ');
      }
    }
    return this.message || '';
  }
}
