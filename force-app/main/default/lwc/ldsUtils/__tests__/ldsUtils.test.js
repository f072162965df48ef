import { reduceErrors, isNoAccessError } from 'c/ldsUtils';

describe('c-lds-utils', () => {
  describe('reduceErrors', () => {
    it('reduces a UI API array body to its messages', () => {
      const error = { body: [{ message: 'First' }, { message: 'Second' }] };
      expect(reduceErrors(error)).toEqual(['First', 'Second']);
    });

    it('reduces page and field errors of a DML failure', () => {
      const errors = [
        { body: { pageErrors: [{ message: 'Page broken' }] } },
        {
          body: {
            output: {
              errors: [],
              fieldErrors: { Status__c: [{ message: 'bad value for restricted picklist field' }] }
            }
          }
        }
      ];
      expect(reduceErrors(errors)).toEqual(['Page broken', 'bad value for restricted picklist field']);
    });

    it('falls back to message and statusText, skipping empty entries', () => {
      expect(
        reduceErrors([
          null,
          { body: { message: 'Body message' } },
          { message: 'JS error' },
          { statusText: 'Not Found' }
        ])
      ).toEqual(['Body message', 'JS error', 'Not Found']);
    });
  });

  describe('isNoAccessError', () => {
    it('recognises 403 and INSUFFICIENT_ACCESS errors', () => {
      expect(isNoAccessError({ status: 403 })).toBe(true);
      expect(isNoAccessError({ status: 400, body: [{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no' }] })).toBe(true);
    });

    it('does not mistake other errors for missing access', () => {
      expect(isNoAccessError({ status: 500, body: { message: 'boom' } })).toBe(false);
      expect(isNoAccessError(undefined)).toBe(false);
    });
  });
});
