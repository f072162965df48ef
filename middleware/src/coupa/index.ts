export { CoupaClient, type CoupaClientOptions, type RequestOptions, type Page } from './client';
export { CoupaTokenProvider, type CoupaCredentials } from './auth';
export { CoupaApiError, classifyCoupaError, classifyCoupaFailure, coupaErrorMessages } from './errors';
export type { FailureKind, Classification } from '../retry/failure';
export { TokenBucket, sharedBucketFor, COUPA_DEFAULT_RATE, type TokenBucketOptions } from './rate-limit';
/** The shared backoff (retry/backoff.ts); `BackoffOptions` here are a client's transport-retry settings. */
export { backoffDelay, DEFAULT_TRANSPORT_BACKOFF as DEFAULT_BACKOFF, type TransportRetryOptions as BackoffOptions } from '../retry/backoff';
export { buildListParams, projectionFromPaths, MAX_PAGE_SIZE, type FieldProjection, type Filters, type ListQuery } from './query';
export { iterateChanges, compareCursor, ChangeSlices, type UpdatedAtCursor, type ChangesQuery } from './changes';
export { CoupaResource, coupaResources, COUPA_RESOURCES, type CoupaResourceName, type CoupaRecord, type CoupaResources } from './resources';
export type { CoupaSchema, CoupaSchemaField } from './schema-types';
export { COUPA_SCHEMA } from './generated/schema';
export type * from './generated/types';
