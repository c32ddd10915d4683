// The local cloud's S3 endpoint. fauxqs stores objects well but accepts any browser POST (it checks no
// signature and no policy), answers no CORS preflight and sends no event notifications; a phone uploading
// a job photo with a presigned POST would pass locally and fail in AWS. This front sits before fauxqs and
// does those three things as S3 does, passing every other request through untouched.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { createLocalServer } from '../http-server.ts';
import type { CorsRule } from './cors.ts';
import { answerPreflight, corsHeaders, defaultCorsRules } from './cors.ts';
import { newRequestId, S3Error, sendS3Error } from './errors.ts';
import type { S3ObjectCreatedEvent } from './events.ts';
import { LOCAL_ACCOUNT_ID, objectCreatedEvent, sourceIpAddress } from './events.ts';
import { encodeKey, handlePostObject } from './post-object.ts';
import { proxyToEmulator } from './proxy.ts';
import type { FrontCredentials } from './signature.ts';

/** Options of `createS3Front`. */
export interface S3FrontOptions {
  /** fauxqs's base URL, e.g. `server.address`. */
  s3Endpoint: string;
  /** The credentials presigned POSTs must be signed with (the ones the local cloud gives the services). */
  credentials: FrontCredentials;
  /** The region presigned POSTs must be scoped to. */
  region: string;
  /** Receives an "Object Created" event (reason `PostObject`) for each upload through the front. */
  onObjectCreated?: (event: S3ObjectCreatedEvent) => void | Promise<void>;
  /** Bucket CORS rules, the first match wins; default `defaultCorsRules()` (any origin). */
  corsRules?: readonly CorsRule[];
  /** Bucket owner and requester account in events; default fauxqs's `000000000000`. */
  accountId?: string;
  /**
   * Largest object a POST may upload whatever its policy allows; default 11 MiB, fauxqs's request body
   * limit (its PutObject refuses more).
   */
  maxObjectBytes?: number;
  /** The clock policies expire by; default the system clock. */
  now?: () => Date;
  /** Where unexpected failures go (never to the client); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running S3 front. */
export interface S3Front {
  /** The request handler, for mounting on a server of your own. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Listens on `host` (default 127.0.0.1), port 0 = any free port; resolves the base URL. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops listening, drops open connections and releases the emulator client. */
  close(): Promise<void>;
  /**
   * True while the front is writing this object to the emulator: pass it as `skipUpload` to
   * `watchFauxqsUploads` so a POST upload is reported once, as PostObject.
   */
  isStoring(bucket: string, key: string): boolean;
}

/** fauxqs's request body limit (`bodyLimit` in its app), which caps what PutObject can store. */
export const DEFAULT_MAX_OBJECT_BYTES = 11 * 1_048_576;

/**
 * Creates the S3 front: browser POST uploads with S3's SigV4 and policy checks, bucket CORS, and Object
 * Created events; everything else proxied to fauxqs.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 * @example
 * const fauxqs = await startFauxqs({ port: 0, logger: false });
 * const front = createS3Front({
 *   s3Endpoint: fauxqs.address,
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
 *   region: 'us-east-1',
 *   onObjectCreated: (event) => bus.putEvent(event),
 * });
 * const { url } = await front.listen(4569); // AWS_ENDPOINT_URL_S3 for the services
 */
export function createS3Front(options: S3FrontOptions): S3Front {
  const upstream = new URL(options.s3Endpoint);
  const corsRules = options.corsRules ?? defaultCorsRules();
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? reportToConsole;
  const s3 = new S3Client({
    endpoint: options.s3Endpoint,
    region: options.region,
    credentials: options.credentials,
    forcePathStyle: true,
    // The body is a Buffer of known length; no checksum trailer for fauxqs to decode.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const storing = new Map<string, number>();
  let server: Server | undefined;

  async function whileStoring<T>(bucket: string, key: string, store: () => Promise<T>): Promise<T> {
    const id = storingId(bucket, key);
    storing.set(id, (storing.get(id) ?? 0) + 1);
    try {
      return await store();
    } finally {
      const left = (storing.get(id) ?? 1) - 1;
      if (left === 0) storing.delete(id);
      else storing.set(id, left);
    }
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = newRequestId();
    const origin = req.headers.origin;
    const addressing = emulatorAddressing(req);
    if (req.method === 'OPTIONS') {
      answerCorsPreflight(req, res, addressing.path, requestId);
      return;
    }
    const responseHeaders = corsHeaders(corsRules, origin, req.method ?? 'GET');
    const bucket = postObjectBucket(req, addressing.path);
    if (bucket === undefined) {
      proxyToEmulator(req, res, { upstream, responseHeaders, requestId, onError });
      return;
    }
    void handlePostObject(req, res, bucket, {
      s3,
      credentials: options.credentials,
      region: options.region,
      maxObjectBytes,
      now,
      requestId,
      responseHeaders,
      objectUrl: function objectUrl(bucketName, key) {
        const host = `http://${req.headers.host ?? '127.0.0.1'}`;
        return addressing.virtualHosted
          ? `${host}/${encodeKey(key)}`
          : `${host}/${encodeURIComponent(bucketName)}/${encodeKey(key)}`;
      },
      whileStoring,
      onError,
    }).then(function reportCreated(stored) {
      if (!stored || !options.onObjectCreated) return;
      const event = objectCreatedEvent({
        ...stored,
        reason: 'PostObject',
        requestId,
        requester: accountId,
        sourceIpAddress: sourceIpAddress(req.socket.remoteAddress),
        account: accountId,
        region: options.region,
      });
      // S3 notifies asynchronously: the upload's answer never waits for (or fails with) a consumer.
      return Promise.resolve()
        .then(() => options.onObjectCreated?.(event))
        .catch(onError);
    });
  }

  function answerCorsPreflight(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    requestId: string,
  ): void {
    const resourceType = path.split('/').filter((segment) => segment !== '').length > 1 ? 'OBJECT' : 'BUCKET';
    const answer = answerPreflight(
      corsRules,
      {
        origin: req.headers.origin,
        method: headerText(req.headers['access-control-request-method']),
        requestHeaders: headerText(req.headers['access-control-request-headers']),
      },
      resourceType,
    );
    req.resume();
    if (answer instanceof S3Error) {
      sendS3Error(res, answer, requestId);
      return;
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': '0', 'x-amz-request-id': requestId });
    res.end();
  }

  return {
    handleRequest,
    listen: function listen(port = 0, host = '127.0.0.1') {
      if (server) return Promise.reject(new Error('S3 front already listening'));
      const created = createLocalServer(handleRequest);
      server = created;
      return new Promise(function start(resolve, reject) {
        created.once('error', reject);
        created.listen(port, host, function listening() {
          const address = created.address() as AddressInfo;
          resolve({ url: `http://${host}:${address.port}`, port: address.port });
        });
      });
    },
    close: function close() {
      const current = server;
      server = undefined;
      s3.destroy();
      if (!current) return Promise.resolve();
      return new Promise(function stop(resolve) {
        current.close(function closed() {
          resolve();
        });
        current.closeAllConnections();
      });
    },
    isStoring: function isStoring(bucket, key) {
      return storing.has(storingId(bucket, key));
    },
  };
}

/**
 * The bucket of a browser POST upload, or undefined for any other request. It is exactly what fauxqs
 * takes for a PostObject (any POST to `/{bucket}` or `/{bucket}/` whose Content-Type mentions
 * multipart/form-data, whatever the query), so no upload can reach the emulator unchecked. Other POSTs
 * (DeleteObjects, multipart upload steps) go to the emulator.
 */
function postObjectBucket(req: IncomingMessage, path: string): string | undefined {
  if (req.method !== 'POST') return undefined;
  if (
    !String(req.headers['content-type'] ?? '')
      .toLowerCase()
      .includes('multipart/form-data')
  )
    return undefined;
  const match = /^\/([^/]+)\/?$/.exec(path);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * The path-style path of a request as fauxqs will route it: fauxqs reads a Host with a dot that is not an
 * IPv4 address as virtual-hosted-style (`job-photos.localhost:4566` → bucket `job-photos`), except for
 * SQS/SNS content types. Mirrored here so the front and the emulator agree on what every request is.
 */
function emulatorAddressing(req: IncomingMessage): { path: string; virtualHosted: boolean } {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const hostname = (req.headers.host ?? '').split(':')[0] ?? '';
  const contentType = String(req.headers['content-type'] ?? '');
  const virtualHosted =
    hostname.includes('.') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(hostname) &&
    !contentType.includes('x-www-form-urlencoded') &&
    !contentType.includes('x-amz-json-1.0');
  if (!virtualHosted) return { path, virtualHosted };
  return { path: `/${hostname.slice(0, hostname.indexOf('.'))}${path}`, virtualHosted };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function storingId(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}

function reportToConsole(error: unknown): void {
  console.error('[s3-front] request failed:', error);
}
