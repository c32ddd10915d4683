// A browser POST upload, answered as S3 answers it: the form is read as it streams, the fields before the
// file are authorized (signature, expiration, policy) the moment the file part begins, the file is held
// only up to the size the policy (and the front) allows, and then it is stored with PutObject.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { HeadBucketCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import type { AuthorizedUpload, PostUploadForm } from './authorize.ts';
import { authorizePostUpload } from './authorize.ts';
import {
  entityTooLarge,
  escapeXml,
  internalError,
  invalidArgument,
  malformedPostRequest,
  missingFile,
  noSuchBucket,
  preDataTooLarge,
  S3Error,
  sendS3Error,
} from './errors.ts';
import type { MultipartPart } from './multipart.ts';
import { createMultipartParser, MultipartError, multipartBoundary } from './multipart.ts';
import { checkContentLength } from './policy.ts';
import type { FrontCredentials } from './signature.ts';

/** S3's allowance for the form fields before the file. */
export const MAX_PRE_DATA_BYTES = 20 * 1024;

/** What a POST upload needs from the front. */
export interface PostObjectContext {
  s3: S3Client;
  credentials: FrontCredentials;
  region: string;
  /** The largest file the front accepts whatever the policy says (fauxqs's body limit). */
  maxObjectBytes: number;
  now: () => Date;
  requestId: string;
  /** CORS headers for the answer. */
  responseHeaders: Readonly<Record<string, string>>;
  /** The URL S3 would give the stored object (path- or virtual-hosted-style, as the request came). */
  objectUrl: (bucket: string, key: string) => string;
  /** Marks the key as being stored by the front while `store` runs. */
  whileStoring: <T>(bucket: string, key: string, store: () => Promise<T>) => Promise<T>;
  onError: (error: unknown) => void;
}

/** A stored upload, for the Object Created event. */
export interface StoredUpload {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

/** A form read up to the end of its file part. */
interface ReceivedForm {
  fields: Map<string, string>;
  upload: AuthorizedUpload;
  file: Buffer;
  contentType: string | undefined;
}

/**
 * Handles `POST /{bucket}` with a `multipart/form-data` body. Resolves with the stored object, or
 * undefined when an error was answered.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
export async function handlePostObject(
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  context: PostObjectContext,
): Promise<StoredUpload | undefined> {
  try {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) throw malformedPostRequest();
    await assertBucketExists(context.s3, bucket);
    const form = await receiveForm(req, bucket, boundary, context);
    const stored = await context.whileStoring(bucket, form.upload.key, function storeUpload() {
      return putUpload(context.s3, bucket, form);
    });
    answerStored(res, stored, form.fields, context);
    return stored;
  } catch (error) {
    if (!req.complete && req.destroyed) {
      // The client went away mid-upload: nobody to answer, nothing unexpected to report.
      res.destroy();
      return undefined;
    }
    const answer = toS3Error(error, context.onError);
    sendS3Error(res, answer, context.requestId, context.responseHeaders);
    // What the client still sends is read and dropped, so it sees the answer rather than a reset.
    req.resume();
    return undefined;
  }
}

/**
 * Reads the form until its file part ends (S3 ignores everything after the file). Authorization runs
 * when the file part starts; the file is buffered only up to the allowed size, the rest just counted.
 */
function receiveForm(
  req: IncomingMessage,
  bucket: string,
  boundary: string,
  context: PostObjectContext,
): Promise<ReceivedForm> {
  return new Promise(function readForm(resolve, reject) {
    const fields = new Map<string, string>();
    let preDataBytes = 0;
    let current: { kind: 'field'; name: string; chunks: Buffer[] } | { kind: 'file' } | { kind: 'ignored' };
    current = { kind: 'ignored' };
    let upload: AuthorizedUpload | undefined;
    let contentType: string | undefined;
    let limit = 0;
    let size = 0;
    const fileChunks: Buffer[] = [];
    let settled = false;

    function finish(error: unknown, form?: ReceivedForm): void {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onRequestError);
      req.off('close', onClose);
      // Whatever follows the file (the closing boundary, fields S3 ignores) is read and dropped.
      req.resume();
      if (form) resolve(form);
      else reject(error);
    }

    const parser = createMultipartParser(boundary, {
      onPartStart: function onPartStart(part: MultipartPart) {
        if (upload !== undefined) {
          current = { kind: 'ignored' };
          return;
        }
        preDataBytes += Buffer.byteLength(part.name);
        if (part.name.toLowerCase() !== 'file') {
          current = { kind: 'field', name: part.name, chunks: [] };
          return;
        }
        const form: PostUploadForm = { bucket, fields, filename: part.filename };
        upload = authorizePostUpload(form, context.credentials, context.region, context.now());
        contentType = fields.get('content-type');
        limit = Math.min(upload.contentLength?.max ?? Number.POSITIVE_INFINITY, context.maxObjectBytes);
        current = { kind: 'file' };
      },
      onPartData: function onPartData(data: Buffer) {
        if (current.kind === 'field') {
          preDataBytes += data.length;
          if (preDataBytes > MAX_PRE_DATA_BYTES) throw preDataTooLarge();
          current.chunks.push(data);
        } else if (current.kind === 'file') {
          size += data.length;
          // Past the limit the upload has failed; keep counting for ProposedSize, keep nothing.
          if (size <= limit) fileChunks.push(data);
        }
      },
      onPartEnd: function onPartEnd() {
        if (current.kind === 'field') {
          const name = current.name.toLowerCase();
          if (fields.has(name))
            throw invalidArgument(`Bucket POST must not repeat the field '${current.name}'.`, current.name);
          fields.set(name, Buffer.concat(current.chunks).toString('utf8'));
        } else if (current.kind === 'file' && upload) {
          if (size > limit) throw entityTooLarge(size, limit);
          checkContentLength(upload.contentLength, size);
          finish(undefined, { fields, upload, file: Buffer.concat(fileChunks, size), contentType });
        }
        current = { kind: 'ignored' };
      },
    });

    function onData(chunk: Buffer): void {
      try {
        parser.write(chunk);
      } catch (error) {
        finish(error);
      }
    }
    function onEnd(): void {
      try {
        // A file part ends at a delimiter, and that settles the form; reaching the end unsettled means
        // the form had no file (or was cut short, which `end` reports).
        parser.end();
        finish(missingFile());
      } catch (error) {
        finish(error);
      }
    }
    function onRequestError(error: Error): void {
      finish(error);
    }
    // A request closed before its end was aborted (an abort during the bucket check emits no error).
    function onClose(): void {
      finish(new Error('request closed before the form was read'));
    }

    if (req.destroyed) {
      onClose();
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onRequestError);
    req.on('close', onClose);
  });
}

async function assertBucketExists(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
      throw noSuchBucket(bucket);
    throw error;
  }
}

async function putUpload(s3: S3Client, bucket: string, form: ReceivedForm): Promise<StoredUpload> {
  const input: PutObjectCommandInput = {
    Bucket: bucket,
    Key: form.upload.key,
    Body: form.file,
    ContentLength: form.file.length,
    // S3's default for a POST without a Content-Type field.
    ContentType: form.contentType ?? 'binary/octet-stream',
    Metadata: userMetadata(form.fields),
  };
  const cacheControl = form.fields.get('cache-control');
  if (cacheControl !== undefined) input.CacheControl = cacheControl;
  const disposition = form.fields.get('content-disposition');
  if (disposition !== undefined) input.ContentDisposition = disposition;
  const encoding = form.fields.get('content-encoding');
  if (encoding !== undefined) input.ContentEncoding = encoding;
  const expires = form.fields.get('expires');
  if (expires !== undefined && !Number.isNaN(Date.parse(expires))) input.Expires = new Date(expires);
  const output = await s3.send(new PutObjectCommand(input));
  return { bucket, key: form.upload.key, size: form.file.length, etag: output.ETag ?? '' };
}

function userMetadata(fields: ReadonlyMap<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  return metadata;
}

/**
 * The success answer S3 gives: a 303 to `success_action_redirect` (with bucket, key and etag added to its
 * query), else `success_action_status` 200 (empty), 201 (a PostResponse document) or 204 (the default,
 * also for any other value).
 */
function answerStored(
  res: ServerResponse,
  stored: StoredUpload,
  fields: ReadonlyMap<string, string>,
  context: PostObjectContext,
): void {
  const location = context.objectUrl(stored.bucket, stored.key);
  const headers: Record<string, string> = {
    ...context.responseHeaders,
    etag: stored.etag,
    location,
    'x-amz-request-id': context.requestId,
  };
  const redirect = redirectLocation(fields.get('success_action_redirect') ?? fields.get('redirect'), stored);
  if (redirect) {
    res.writeHead(303, { ...headers, location: redirect, 'content-length': '0' });
    res.end();
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '200') {
    res.writeHead(200, { ...headers, 'content-length': '0' });
    res.end();
  } else if (status === '201') {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(stored.bucket)}</Bucket>` +
      `<Key>${escapeXml(stored.key)}</Key><ETag>${escapeXml(stored.etag)}</ETag></PostResponse>`;
    res.writeHead(201, {
      ...headers,
      'content-type': 'application/xml',
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  } else {
    res.writeHead(204, headers);
    res.end();
  }
}

function redirectLocation(target: string | undefined, stored: StoredUpload): string | undefined {
  if (!target || !URL.canParse(target)) return undefined;
  const query = [
    `bucket=${encodeURIComponent(stored.bucket)}`,
    `key=${encodeURIComponent(stored.key)}`,
    `etag=${encodeURIComponent(stored.etag)}`,
  ].join('&');
  const url = new URL(target);
  return `${url.origin}${url.pathname}${url.search ? `${url.search}&` : '?'}${query}${url.hash}`;
}

/** A key in a URL path: each segment encoded, the slashes kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function toS3Error(error: unknown, onError: (error: unknown) => void): S3Error {
  if (error instanceof S3Error) return error;
  if (error instanceof MultipartError) return malformedPostRequest();
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 500;
    if (status < 500) return new S3Error(error.name, error.message, status);
  }
  onError(error);
  return internalError();
}
