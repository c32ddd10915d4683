// Decides whether a browser POST upload may proceed, from the form fields that precede the file: the key,
// the SigV4 signature over the policy, and the policy itself. Pure (clock passed in); the file's size is
// checked later, while it streams, against the range returned here.

import { accessDenied, invalidArgument, keyTooLong, missingFormField } from './errors.ts';
import type { ContentLengthRange } from './policy.ts';
import { checkPostPolicy, decodePostPolicy } from './policy.ts';
import type { FrontCredentials } from './signature.ts';
import { verifyPostSignature } from './signature.ts';

/** The part of a POST upload known when the file part begins. */
export interface PostUploadForm {
  /** The bucket named by the request path. */
  bucket: string;
  /** The fields before the file, by lower-cased name (S3 matches field names without case). */
  fields: ReadonlyMap<string, string>;
  /** The file part's `filename`, which replaces `${filename}` in the key. */
  filename: string | undefined;
}

/** An upload the policy allows. */
export interface AuthorizedUpload {
  /** The object key, `${filename}` replaced. */
  key: string;
  /** The file sizes the policy allows; undefined when it sets no `content-length-range`. */
  contentLength: ContentLengthRange | undefined;
}

const MAX_KEY_BYTES = 1024;
/** S3's placeholder for the uploaded file's name, written literally in the `key` field. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own placeholder syntax, not a template.
const FILENAME_VARIABLE = '${filename}';

/**
 * Checks a POST upload's key, signature and policy, in that order. Throws the `S3Error` S3 would answer.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export function authorizePostUpload(
  form: PostUploadForm,
  credentials: FrontCredentials,
  region: string,
  now: Date,
): AuthorizedUpload {
  const template = form.fields.get('key');
  if (template === undefined) throw missingFormField('key');
  const key = template.replaceAll(FILENAME_VARIABLE, baseName(form.filename ?? ''));
  if (key === '') throw invalidArgument('User key must have a length greater than 0.', 'key');
  const keyBytes = Buffer.byteLength(key);
  if (keyBytes > MAX_KEY_BYTES) throw keyTooLong(keyBytes);

  const policy = form.fields.get('policy');
  // Without a policy the upload is anonymous, which only a publicly writable bucket accepts: none of ours.
  if (policy === undefined) throw accessDenied();
  verifyPostSignature(
    {
      policy,
      algorithm: form.fields.get('x-amz-algorithm'),
      credential: form.fields.get('x-amz-credential'),
      date: form.fields.get('x-amz-date'),
      signature: form.fields.get('x-amz-signature'),
      securityToken: form.fields.get('x-amz-security-token'),
    },
    credentials,
    region,
  );
  // Conditions see the key as it will be stored, which is why presigners use `starts-with` for
  // `${filename}` keys.
  const fields = new Map(form.fields);
  fields.set('key', key);
  const contentLength = checkPostPolicy(decodePostPolicy(policy), { bucket: form.bucket, fields }, now);
  return { key, contentLength };
}

/** The file name without any directory a browser may have sent (old browsers sent `C:\...\photo.jpg`). */
function baseName(filename: string): string {
  return filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
}
