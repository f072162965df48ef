import { classifyCoupaError } from '../../middleware/src/coupa/errors';
import { classifySalesforceError } from '../../middleware/src/salesforce/errors';
import type { ErrorClassifier } from '../../middleware/src/engine/types';

// The clients' classifiers plug straight into FlowDefinition.classify.
const coupa: ErrorClassifier = classifyCoupaError;
const salesforce: ErrorClassifier = (err) => classifySalesforceError(err);

it('accepts the Coupa and Salesforce client classifiers as engine classifiers', () => {
  expect(['transient', 'rate-limited', 'auth', 'validation', 'conflict', 'ambiguous']).toContain(coupa(new Error('x')).kind);
  expect(['transient', 'rate-limited', 'auth', 'validation', 'conflict', 'ambiguous']).toContain(salesforce(new Error('x')).kind);
});
