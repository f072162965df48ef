/**
 * Reduces one or more LDS errors into a list of human-readable messages,
 * the way lwc-recipes does, so every panel shows the same kind of message.
 * @param {FetchResponse|FetchResponse[]} errors
 * @return {String[]} Error messages
 */
export function reduceErrors(errors) {
  if (!Array.isArray(errors)) {
    errors = [errors];
  }
  return errors
    .filter((error) => !!error)
    .map((error) => {
      if (Array.isArray(error.body)) {
        return error.body.map((e) => e.message);
      } else if (error?.body?.pageErrors && error.body.pageErrors.length > 0) {
        return error.body.pageErrors.map((e) => e.message);
      } else if (error?.body?.fieldErrors && Object.keys(error.body.fieldErrors).length > 0) {
        const fieldErrors = [];
        Object.values(error.body.fieldErrors).forEach((errorArray) => {
          fieldErrors.push(...errorArray.map((e) => e.message));
        });
        return fieldErrors;
      } else if (error?.body?.output?.errors && error.body.output.errors.length > 0) {
        return error.body.output.errors.map((e) => e.message);
      } else if (error?.body?.output?.fieldErrors && Object.keys(error.body.output.fieldErrors).length > 0) {
        const fieldErrors = [];
        Object.values(error.body.output.fieldErrors).forEach((errorArray) => {
          fieldErrors.push(...errorArray.map((e) => e.message));
        });
        return fieldErrors;
      } else if (error.body && typeof error.body.message === 'string') {
        return error.body.message;
      } else if (typeof error.message === 'string') {
        return error.message;
      }
      return error.statusText;
    })
    .reduce((prev, curr) => prev.concat(curr), [])
    .filter((message) => !!message);
}

/** True when an LDS error means the user may not see the record or its fields. */
export function isNoAccessError(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list.some(
    (error) =>
      error?.status === 403 ||
      (Array.isArray(error?.body) &&
        error.body.some((e) => ['INSUFFICIENT_ACCESS', 'INSUFFICIENT_ACCESS_OR_READONLY'].includes(e.errorCode)))
  );
}
