// The local cloud's S3 front: browser POST uploads checked as S3 checks them, bucket CORS, and S3's
// EventBridge "Object Created" events, in front of fauxqs.

export type { AuthorizedUpload, PostUploadForm } from './authorize.ts';
export { authorizePostUpload } from './authorize.ts';
export type { CorsMethod, CorsRule } from './cors.ts';
export { defaultCorsRules } from './cors.ts';
export { S3Error } from './errors.ts';
export type { ObjectCreatedReason, S3ObjectCreatedEvent } from './events.ts';
export { LOCAL_ACCOUNT_ID, objectCreatedEvent } from './events.ts';
export type { FauxqsUploadWatch, FauxqsUploadWatchOptions } from './fauxqs-uploads.ts';
export { watchFauxqsUploads } from './fauxqs-uploads.ts';
export type { S3Front, S3FrontOptions } from './front.ts';
export { createS3Front, DEFAULT_MAX_OBJECT_BYTES } from './front.ts';
export type { ContentLengthRange, PolicyCondition, PostPolicy } from './policy.ts';
export { checkContentLength, checkPostPolicy, decodePostPolicy } from './policy.ts';
export type { FrontCredentials } from './signature.ts';
export { signPostPolicy } from './signature.ts';
