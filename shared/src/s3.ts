import { S3Client } from '@aws-sdk/client-s3';
import { perInstance } from './per-instance.ts';

/**
 * The function's S3 client, created once (endpoint from AWS_ENDPOINT_URL_S3, like every client). A custom
 * endpoint (the local cloud's 127.0.0.1) has no per-bucket host names: path-style URLs there.
 */
export const s3Client = /* @__PURE__ */ perInstance(
  () => new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }),
);
