// Signature Version 4 for browser POST uploads. Unlike a signed request, a POST form signs only one string:
// the base64 policy exactly as sent in the form. The key is derived from the secret the usual SigV4 way,
// scoped to the date, region and service named in X-Amz-Credential.

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  authorizationParametersError,
  invalidAccessKeyId,
  invalidToken,
  missingFormField,
  signatureDoesNotMatch,
} from './errors.ts';

/** The only algorithm S3 accepts for SigV4 POST forms. */
export const POST_SIGNATURE_ALGORITHM = 'AWS4-HMAC-SHA256';

/** Credentials the front checks signatures against (those the local cloud hands to presigning code). */
export interface FrontCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, a form carrying `X-Amz-Security-Token` must carry this one. */
  sessionToken?: string;
}

/** The parts of `X-Amz-Credential`: `<access key>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

/**
 * The SigV4 signing key: HMAC chain over date, region, service and `aws4_request`, keyed by `AWS4` + secret.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key
 */
export function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service = 's3',
): Buffer {
  const dateKey = hmac(`AWS4${secretAccessKey}`, date);
  const regionKey = hmac(dateKey, region);
  const serviceKey = hmac(regionKey, service);
  return hmac(serviceKey, 'aws4_request');
}

/**
 * The hex signature of a POST policy: HMAC-SHA256 of the base64 policy string with the signing key.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html
 */
export function signPostPolicy(
  base64Policy: string,
  secretAccessKey: string,
  date: string,
  region: string,
): string {
  return createHmac('sha256', deriveSigningKey(secretAccessKey, date, region))
    .update(base64Policy, 'utf8')
    .digest('hex');
}

/** Splits `X-Amz-Credential`; undefined when it does not have the five parts. */
export function parseCredentialScope(credential: string): CredentialScope | undefined {
  // The access key id never contains `/`; the remaining four parts are fixed.
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/** The SigV4 fields of a POST form, by lower-cased name (S3 matches form field names case-insensitively). */
export interface SignedPostFields {
  policy: string;
  algorithm: string | undefined;
  credential: string | undefined;
  date: string | undefined;
  signature: string | undefined;
  securityToken: string | undefined;
}

/**
 * Checks a POST form's SigV4 fields against the front's credentials and region, in the order S3 reports
 * problems: malformed parameters, unknown key, then the signature itself. Throws the matching `S3Error`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
 */
export function verifyPostSignature(
  fields: SignedPostFields,
  credentials: FrontCredentials,
  region: string,
): void {
  if (fields.algorithm === undefined) throw missingFormField('X-Amz-Algorithm');
  if (fields.algorithm !== POST_SIGNATURE_ALGORITHM) {
    throw authorizationParametersError(`X-Amz-Algorithm only supports "${POST_SIGNATURE_ALGORITHM}"`);
  }
  if (fields.credential === undefined) throw missingFormField('X-Amz-Credential');
  const scope = parseCredentialScope(fields.credential);
  if (!scope) {
    throw authorizationParametersError(
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  }
  if (scope.region !== region) {
    throw authorizationParametersError(
      `Error parsing the X-Amz-Credential parameter; the region '${scope.region}' is wrong; expecting '${region}'`,
    );
  }
  if (scope.service !== 's3') {
    throw authorizationParametersError(
      `Error parsing the X-Amz-Credential parameter; incorrect service "${scope.service}". This endpoint belongs to "s3".`,
    );
  }
  if (scope.terminator !== 'aws4_request') {
    throw authorizationParametersError(
      `Error parsing the X-Amz-Credential parameter; incorrect terminal "${scope.terminator}". This endpoint uses "aws4_request".`,
    );
  }
  if (fields.date === undefined) throw missingFormField('X-Amz-Date');
  if (!/^\d{8}T\d{6}Z$/.test(fields.date)) {
    throw authorizationParametersError(
      `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
    );
  }
  if (!fields.date.startsWith(scope.date)) {
    throw authorizationParametersError('Invalid credential date. Date is not the same as X-Amz-Date.');
  }
  if (fields.signature === undefined) throw missingFormField('X-Amz-Signature');
  if (scope.accessKeyId !== credentials.accessKeyId) throw invalidAccessKeyId(scope.accessKeyId);
  if (
    fields.securityToken !== undefined &&
    credentials.sessionToken !== undefined &&
    !sameText(fields.securityToken, credentials.sessionToken)
  ) {
    throw invalidToken();
  }
  const expected = signPostPolicy(fields.policy, credentials.secretAccessKey, scope.date, scope.region);
  if (!sameText(fields.signature.toLowerCase(), expected)) {
    throw signatureDoesNotMatch(scope.accessKeyId, fields.policy, fields.signature);
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Constant-time comparison, so a signature cannot be guessed byte by byte from response times. */
function sameText(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
