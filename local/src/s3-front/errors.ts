// S3's REST error answers, as the S3 front sends them: an XML `<Error>` body with the code, message, the
// extra elements S3 adds for some codes (sizes, the string it signed), the request id and a host id.
// Browsers and SDKs branch on `<Code>` and the status, so both follow S3's documented pairs.

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * An S3 error answer. `details` become extra child elements of `<Error>`, in order
 * (e.g. `ProposedSize` and `MaxSizeAllowed` for `EntityTooLarge`).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
export class S3Error extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, string>>;

  constructor(code: string, message: string, status: number, details: Record<string, string> = {}) {
    super(message);
    this.name = 'S3Error';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

const POLICY_PREFIX = 'Invalid according to Policy: ';

/** A policy condition the form does not meet; `condition` as S3 prints it, e.g. `["eq", "$key", "a.jpg"]`. */
export function policyConditionFailed(condition: string): S3Error {
  return new S3Error('AccessDenied', `${POLICY_PREFIX}Policy Condition failed: ${condition}`, 403);
}

/** The policy's `expiration` is in the past. */
export function policyExpired(): S3Error {
  return new S3Error('AccessDenied', `${POLICY_PREFIX}Policy expired.`, 403);
}

/** Form fields no condition covers (S3 requires a condition for every field but a few). */
export function extraInputFields(names: readonly string[]): S3Error {
  return new S3Error('AccessDenied', `${POLICY_PREFIX}Extra input fields: ${names.join(', ')}`, 403);
}

/** The file is larger than `content-length-range` (or the front's own cap) allows. */
export function entityTooLarge(proposedSize: number, maxSizeAllowed: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
    ProposedSize: String(proposedSize),
    MaxSizeAllowed: String(maxSizeAllowed),
  });
}

/** The file is smaller than `content-length-range` allows. */
export function entityTooSmall(proposedSize: number, minSizeAllowed: number): S3Error {
  return new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
    ProposedSize: String(proposedSize),
    MinSizeAllowed: String(minSizeAllowed),
  });
}

/** The signature over the policy is not the one the configured secret produces. */
export function signatureDoesNotMatch(
  accessKeyId: string,
  stringToSign: string,
  signatureProvided: string,
): S3Error {
  return new S3Error(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    403,
    { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, SignatureProvided: signatureProvided },
  );
}

/** The credential names an access key the front does not know. */
export function invalidAccessKeyId(accessKeyId: string): S3Error {
  return new S3Error(
    'InvalidAccessKeyId',
    'The AWS Access Key Id you provided does not exist in our records.',
    403,
    { AWSAccessKeyId: accessKeyId },
  );
}

/** The security token does not belong to the configured credentials. */
export function invalidToken(): S3Error {
  return new S3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
}

/** A malformed `X-Amz-Credential`, `X-Amz-Algorithm` or `X-Amz-Date`. */
export function authorizationParametersError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', message, 400);
}

/** The policy document cannot be decoded or is not a policy. */
export function invalidPolicyDocument(message: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${message}`, 400);
}

/** A required form field is missing (or came after the file, where S3 ignores everything). */
export function missingFormField(name: string): S3Error {
  return new S3Error(
    'InvalidArgument',
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    400,
    { ArgumentName: name, ArgumentValue: '' },
  );
}

/** A form field is malformed or repeated. */
export function invalidArgument(message: string, argumentName: string, argumentValue = ''): S3Error {
  return new S3Error('InvalidArgument', message, 400, {
    ArgumentName: argumentName,
    ArgumentValue: argumentValue,
  });
}

/** The form has no `file` field. */
export function missingFile(): S3Error {
  return invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
}

/** The body is not `multipart/form-data` as RFC 7578 defines it. */
export function malformedPostRequest(): S3Error {
  return new S3Error(
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
    400,
  );
}

/** The fields before the file exceed S3's 20 KB allowance (message spelled as S3 spells it). */
export function preDataTooLarge(): S3Error {
  return new S3Error(
    'MaxPostPreDataLengthExceeded',
    'Your POST request fields preceeding the upload file was too large.',
    400,
  );
}

/** The object key is empty or longer than S3's 1024 bytes. */
export function keyTooLong(size: number): S3Error {
  return new S3Error('KeyTooLongError', 'Your key is too long', 400, {
    Size: String(size),
    MaxSizeAllowed: '1024',
  });
}

/** An unsigned (anonymous) POST: our buckets are never publicly writable. */
export function accessDenied(): S3Error {
  return new S3Error('AccessDenied', 'Access Denied', 403);
}

/** The bucket in the path does not exist in the emulator. */
export function noSuchBucket(bucket: string): S3Error {
  return new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
}

/** A preflight that no CORS rule allows (message spelled as S3 spells it). */
export function corsForbidden(method: string, resourceType: 'BUCKET' | 'OBJECT'): S3Error {
  return new S3Error(
    'AccessForbidden',
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    403,
    { Method: method, ResourceType: resourceType },
  );
}

/** A request S3 would refuse before looking at it (e.g. a preflight without `Origin`). */
export function badRequest(message: string): S3Error {
  return new S3Error('BadRequest', message, 400);
}

/** Anything unexpected: the emulator is down, or a bug. Details go to the log, never to the client. */
export function internalError(): S3Error {
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
}

/** Escapes text for an XML element body or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, function escapeXmlCharacter(character) {
    switch (character) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&apos;';
    }
  });
}

/** The XML body S3 sends with an error. */
export function s3ErrorXml(error: S3Error, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${details}` +
    `<RequestId>${escapeXml(requestId)}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}

/** A request id shaped like S3's (16 upper-case hex characters). */
export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** A host id (`x-amz-id-2`) shaped like S3's: opaque base64. */
export function newHostId(): string {
  return randomBytes(24).toString('base64');
}

/** Answers an S3 error unless the response is already under way (then the connection is cut). */
export function sendS3Error(
  res: ServerResponse,
  error: S3Error,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  const hostId = newHostId();
  const body = s3ErrorXml(error, requestId, hostId);
  res.writeHead(error.status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId,
  });
  res.end(body);
}
