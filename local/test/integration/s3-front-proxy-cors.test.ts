import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FauxqsServer } from 'fauxqs';
import { startFauxqs } from 'fauxqs';
import { defaultCorsRules } from '../../src/s3-front/cors.ts';
import type { S3Front } from '../../src/s3-front/front.ts';
import { createS3Front } from '../../src/s3-front/front.ts';

const BUCKET = 'job-photos';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALFRONT', secretAccessKey: 'local-front-secret' };
const SITE = 'https://track.quickdumpnow.com';

describe('S3 front: proxying and CORS', () => {
  let fauxqs: FauxqsServer;
  let front: S3Front;
  let restrictedFront: S3Front;
  let frontUrl: string;
  let restrictedUrl: string;
  let s3: S3Client;

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    front = createS3Front({ s3Endpoint: fauxqs.address, credentials: CREDENTIALS, region: REGION });
    frontUrl = (await front.listen()).url;
    restrictedFront = createS3Front({
      s3Endpoint: fauxqs.address,
      credentials: CREDENTIALS,
      region: REGION,
      corsRules: defaultCorsRules([SITE, 'https://*.sailjada.com']),
    });
    restrictedUrl = (await restrictedFront.listen()).url;
    // The SDK uses the front as its one S3 endpoint, as the services will through AWS_ENDPOINT_URL_S3.
    s3 = new S3Client({ endpoint: frontUrl, region: REGION, forcePathStyle: true, credentials: CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    s3.destroy();
    await front.close();
    await restrictedFront.close();
    await fauxqs.stop();
  });

  it('given the SDK pointed at the front, when objects are put, read, listed and deleted, then fauxqs serves them through it', async () => {
    const key = 'jobs/job-1/notes with spaces+plus.txt';

    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'hello', ContentType: 'text/plain' }),
    );
    const read = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const body = await read.Body!.transformToString();
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'jobs/job-1/' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const afterDelete = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'jobs/job-1/' }));

    expect(body).toBe('hello');
    expect(read.ContentType).toBe('text/plain');
    expect(head.ContentLength).toBe(5);
    expect(listed.Contents?.map((object) => object.Key)).toEqual([key]);
    expect(afterDelete.Contents ?? []).toEqual([]);
  });

  it('given a multipart upload through the front, when completed, then its POSTs reach fauxqs (not the form handler)', async () => {
    const key = 'exports/big.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(1024, 7),
      }),
    );

    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));

    expect(completed.ETag).toMatch(/-1"$/);
    expect(head.ContentLength).toBe(1024);
  });

  it('given a presigned GET URL, when a browser fetches it through the front, then the object streams back with CORS headers', async () => {
    const content = Buffer.alloc(256 * 1024, 3);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'jobs/job-2/photo.jpg', Body: content }));
    const query =
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLOCALFRONT%2F20260301%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20260301T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123';

    const response = await fetch(`${frontUrl}/${BUCKET}/jobs/job-2/photo.jpg?${query}`, {
      headers: { origin: SITE },
    });
    const body = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(body.equals(content)).toBe(true);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('given a missing object, when fetched through the front, then fauxqs answer (404 NoSuchKey) is passed on', async () => {
    const response = await fetch(`${frontUrl}/${BUCKET}/nope.jpg`);

    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<Code>NoSuchKey</Code>');
  });

  it('given the default rules, when a browser sends a POST preflight, then any origin is allowed with the requested headers', async () => {
    const response = await fetch(`${frontUrl}/${BUCKET}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://anyone.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'Content-Type, X-Amz-Date',
      },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, PUT, POST, HEAD');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-date');
    expect(response.headers.get('access-control-max-age')).toBe('3000');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('given allowed origins, when an allowed site (or wildcard subdomain) sends a preflight, then its origin is echoed with credentials', async () => {
    const exact = await fetch(`${restrictedUrl}/${BUCKET}/jobs/a.jpg`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'PUT' },
    });
    const wildcard = await fetch(`${restrictedUrl}/${BUCKET}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://crew.sailjada.com', 'access-control-request-method': 'POST' },
    });

    expect(exact.status).toBe(200);
    expect(exact.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(exact.headers.get('access-control-allow-credentials')).toBe('true');
    expect(wildcard.status).toBe(200);
    expect(wildcard.headers.get('access-control-allow-origin')).toBe('https://crew.sailjada.com');
  });

  it('given allowed origins, when another origin or method is asked for, then 403 AccessForbidden as S3 answers', async () => {
    const otherOrigin = await fetch(`${restrictedUrl}/${BUCKET}/jobs/a.jpg`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
    });
    const otherMethod = await fetch(`${restrictedUrl}/${BUCKET}`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'DELETE' },
    });
    const xml = await otherOrigin.text();

    expect(otherOrigin.status).toBe(403);
    expect(xml).toContain('<Code>AccessForbidden</Code>');
    expect(xml).toContain('<Method>PUT</Method><ResourceType>OBJECT</ResourceType>');
    expect(otherOrigin.headers.get('access-control-allow-origin')).toBeNull();
    expect(otherMethod.status).toBe(403);
    expect(await otherMethod.text()).toContain('<ResourceType>BUCKET</ResourceType>');
  });

  it('given a preflight without Origin, when sent, then 400 BadRequest', async () => {
    const response = await fetch(`${frontUrl}/${BUCKET}`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Insufficient information. Origin request header needed.');
  });

  it('given allowed origins, when a GET comes from an origin not allowed, then it is served without CORS headers', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'public.txt', Body: 'x' }));

    const response = await fetch(`${restrictedUrl}/${BUCKET}/public.txt`, {
      headers: { origin: 'https://evil.example' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('given the emulator is down, when a request is proxied, then 500 InternalError and the failure is reported', async () => {
    const failures: unknown[] = [];
    const orphan = createS3Front({
      s3Endpoint: 'http://127.0.0.1:9',
      credentials: CREDENTIALS,
      region: REGION,
      onError: (error) => {
        failures.push(error);
      },
    });
    const { url } = await orphan.listen();

    try {
      const response = await fetch(`${url}/${BUCKET}/a.jpg`);

      expect(response.status).toBe(500);
      expect(await response.text()).toContain('<Code>InternalError</Code>');
      expect(failures).toHaveLength(1);
    } finally {
      await orphan.close();
    }
  });
});
