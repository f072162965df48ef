export { SalesforceClient, DEFAULT_CLIENT_NAME, type SalesforceClientOptions, type CallOptions, type WriteOptions, type SObjectDescribe, type SObjectFieldDescribe } from './client';
export { signJwtAssertion, jwtAudience, authorizeConnection, JWT_BEARER_GRANT, type SalesforceAuth } from './auth';
export { SalesforceApiError, classifySalesforceCode, classifySalesforceError, toSalesforceError, type FailureKind, type Classification } from './errors';
export { ApiBudget, parseLimitInfo, type ApiReserve, type ApiUsage } from './limits';
export { CdcSubscription, isOwnChange, type ReplayStore, type ChangeEvent, type ChangeEventHeader, type CdcSubscriptionOptions } from './cdc';
export { buildPollSoql, cursorOf, isAfter, soqlDateTime, type ModstampCursor, type PollQuery } from './poll';
export { queryRecords, soqlQuote } from './query';
export { COLLECTION_LIMIT, type WriteResult, type RecordError, type SObjectRecord, type WriteOperation } from './writes';
export { bulkWrite, type BulkOptions } from './bulk';
