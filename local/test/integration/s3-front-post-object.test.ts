import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { FauxqsServer } from 'fauxqs';
import { startFauxqs } from 'fauxqs';
import type { S3ObjectCreatedEvent } from '../../src/s3-front/events.ts';
import type { S3Front } from '../../src/s3-front/front.ts';
import { createS3Front } from '../../src/s3-front/front.ts';

const BUCKET = 'job-photos';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALFRONT', secretAccessKey: 'local-front-secret' };
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder, not a template.
const FILENAME = '${filename}';

type Condition = Record<string, string> | [string, string, string] | ['content-length-range', number, number];

interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

/**
 * Builds a presigned POST the way `@aws-sdk/s3-presigned-post`'s `createPresignedPost` does (fields,
 * one exact condition per field, the key condition last, SigV4 over the base64 policy), independently of
 * the front's own signing code.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
function presignPost(
  baseUrl: string,
  input: {
    key: string;
    conditions?: Condition[];
    fields?: Record<string, string>;
    expiresInSeconds?: number;
    now?: Date;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    region?: string;
  },
): PresignedPost {
  const now = input.now ?? new Date();
  const credentials = input.credentials ?? CREDENTIALS;
  const region = input.region ?? REGION;
  const amzDate = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const shortDate = amzDate.slice(0, 8);
  const fields: Record<string, string> = {
    ...input.fields,
    bucket: BUCKET,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${shortDate}/${region}/s3/aws4_request`,
    'X-Amz-Date': amzDate,
  };
  const expiration = new Date(now.getTime() + (input.expiresInSeconds ?? 3600) * 1000);
  const conditions: unknown[] = [
    ...(input.conditions ?? []),
    ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
    input.key.endsWith(FILENAME)
      ? ['starts-with', '$key', input.key.slice(0, input.key.lastIndexOf(FILENAME))]
      : { key: input.key },
  ];
  const policy = Buffer.from(
    JSON.stringify({ expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'), conditions }),
  ).toString('base64');
  let signingKey: Buffer | string = `AWS4${credentials.secretAccessKey}`;
  for (const part of [shortDate, region, 's3', 'aws4_request']) {
    signingKey = createHmac('sha256', signingKey).update(part).digest();
  }
  const signature = createHmac('sha256', signingKey).update(policy).digest('hex');
  return {
    url: `${baseUrl}/${BUCKET}`,
    fields: { ...fields, key: input.key, Policy: policy, 'X-Amz-Signature': signature },
  };
}

/** Posts the form as a browser would: the fields in order, then the file. */
function upload(
  post: PresignedPost,
  file: { content: string | Buffer; filename?: string; type?: string },
  options: { fields?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...options.fields })) form.append(name, value);
  form.append(
    'file',
    new Blob([file.content], { type: file.type ?? 'image/jpeg' }),
    file.filename ?? 'photo.jpg',
  );
  return fetch(post.url, { method: 'POST', body: form, headers: options.headers ?? {} });
}

async function s3ErrorOf(
  response: Response,
): Promise<{ status: number; code: string; message: string; xml: string }> {
  const xml = await response.text();
  return {
    status: response.status,
    code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '',
    message: (/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '').replaceAll('&quot;', '"'),
    xml,
  };
}

/** A POST with headers fetch will not send (Host), over node:http. */
function rawPost(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, baseUrl), { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

function md5(content: string | Buffer): string {
  return createHash('md5').update(content).digest('hex');
}

describe('S3 front: browser POST uploads', () => {
  let fauxqs: FauxqsServer;
  let front: S3Front;
  let frontUrl: string;
  let emulator: S3Client;
  const events: S3ObjectCreatedEvent[] = [];
  const failures: unknown[] = [];

  async function objectExists(key: string): Promise<boolean> {
    try {
      await emulator.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch {
      return false;
    }
  }

  async function storedObject(key: string): Promise<{ body: Buffer; contentType: string | undefined }> {
    const object = await emulator.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return { body: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
  }

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    emulator = new S3Client({
      endpoint: fauxqs.address,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await emulator.send(new CreateBucketCommand({ Bucket: BUCKET }));
    front = createS3Front({
      s3Endpoint: fauxqs.address,
      credentials: CREDENTIALS,
      region: REGION,
      maxObjectBytes: 64 * 1024,
      onObjectCreated: (event) => {
        events.push(event);
      },
      onError: (error) => {
        failures.push(error);
      },
    });
    frontUrl = (await front.listen()).url;
  });

  beforeEach(() => {
    events.length = 0;
    failures.length = 0;
  });

  afterAll(async () => {
    await front.close();
    emulator.destroy();
    await fauxqs.stop();
  });

  it('given a valid presigned POST, when the photo is posted, then it is stored, answered 204 and announced once', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/photo-1.jpg',
      fields: { 'Content-Type': 'image/jpeg' },
      conditions: [['content-length-range', 1, 10_000]],
    });
    const content = 'JPEG\r\nphoto bytes\r\n';

    const response = await upload(post, { content });

    expect(response.status).toBe(204);
    expect(response.headers.get('etag')).toBe(`"${md5(content)}"`);
    expect(response.headers.get('location')).toBe(`${frontUrl}/${BUCKET}/jobs/job-1/photo-1.jpg`);
    const stored = await storedObject('jobs/job-1/photo-1.jpg');
    expect(stored.body.toString('utf8')).toBe(content);
    expect(stored.contentType).toBe('image/jpeg');
    expect(events).toEqual([
      {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '000000000000',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: REGION,
        resources: [`arn:aws:s3:::${BUCKET}`],
        detail: {
          version: '0',
          bucket: { name: BUCKET },
          object: {
            key: 'jobs/job-1/photo-1.jpg',
            size: Buffer.byteLength(content),
            etag: md5(content),
            sequencer: expect.stringMatching(/^[0-9A-F]{18}$/),
          },
          'request-id': response.headers.get('x-amz-request-id'),
          requester: '000000000000',
          'source-ip-address': '127.0.0.1',
          reason: 'PostObject',
        },
      },
    ]);
    expect(failures).toEqual([]);
  });

  it('given success_action_status 201, when posted, then S3s PostResponse document comes back', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/photo-2.jpg',
      fields: { success_action_status: '201' },
    });

    const response = await upload(post, { content: 'x' });
    const body = await response.text();

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/xml');
    expect(body).toContain(
      `<Bucket>${BUCKET}</Bucket><Key>jobs/job-1/photo-2.jpg</Key><ETag>&quot;${md5('x')}&quot;</ETag>`,
    );
  });

  it('given a key ending in the file-name placeholder, when posted, then the file name completes the key inside the allowed prefix', async () => {
    const post = presignPost(frontUrl, { key: `jobs/job-2/${FILENAME}` });

    const response = await upload(post, { content: 'x', filename: 'IMG_0001.jpg' });

    expect(response.status).toBe(204);
    expect(await objectExists('jobs/job-2/IMG_0001.jpg')).toBe(true);
    expect(events.map((event) => event.detail.object.key)).toEqual(['jobs/job-2/IMG_0001.jpg']);
  });

  it('given a form whose key differs from the signed one, when posted, then AccessDenied and nothing stored', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/signed.jpg' });

    const response = await upload(post, { content: 'x' }, { fields: { key: 'jobs/job-1/other.jpg' } });

    expect(await s3ErrorOf(response)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message:
        'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "jobs/job-1/signed.jpg"]',
    });
    expect(await objectExists('jobs/job-1/other.jpg')).toBe(false);
    expect(events).toEqual([]);
  });

  it('given a key outside the starts-with prefix, when posted, then AccessDenied names the condition', async () => {
    const post = presignPost(frontUrl, { key: `jobs/job-3/${FILENAME}` });

    const response = await upload(post, { content: 'x' }, { fields: { key: 'jobs/job-4/photo.jpg' } });

    expect(await s3ErrorOf(response)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "jobs/job-3/"]',
    });
    expect(await objectExists('jobs/job-4/photo.jpg')).toBe(false);
  });

  it('given a content type other than the signed one, when posted, then AccessDenied', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/typed.jpg',
      fields: { 'Content-Type': 'image/jpeg' },
    });

    const response = await upload(post, { content: '<html>' }, { fields: { 'Content-Type': 'text/html' } });

    expect(await s3ErrorOf(response)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/jpeg"]',
    });
  });

  it('given a content-length-range, when the file is too large or too small, then EntityTooLarge / EntityTooSmall 400', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/sized.jpg',
      conditions: [['content-length-range', 10, 20]],
    });

    const large = await s3ErrorOf(await upload(post, { content: 'x'.repeat(21) }));
    const small = await s3ErrorOf(await upload(post, { content: 'x'.repeat(9) }));
    const exact = await upload(post, { content: 'x'.repeat(20) });

    expect(large).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(large.xml).toContain('<ProposedSize>21</ProposedSize><MaxSizeAllowed>20</MaxSizeAllowed>');
    expect(small).toMatchObject({ status: 400, code: 'EntityTooSmall' });
    expect(small.xml).toContain('<ProposedSize>9</ProposedSize><MinSizeAllowed>10</MinSizeAllowed>');
    expect(exact.status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('given a policy allowing more than the front holds, when a bigger file is posted, then EntityTooLarge at the front cap', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/huge.bin',
      conditions: [['content-length-range', 0, 10 * 1024 * 1024]],
    });

    const error = await s3ErrorOf(await upload(post, { content: Buffer.alloc(200 * 1024, 1) }));

    expect(error).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(error.xml).toContain(
      `<ProposedSize>${200 * 1024}</ProposedSize><MaxSizeAllowed>${64 * 1024}</MaxSizeAllowed>`,
    );
    expect(await objectExists('jobs/job-1/huge.bin')).toBe(false);
  });

  it('given an expired policy, when posted, then AccessDenied "Policy expired."', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/late.jpg',
      now: new Date(Date.now() - 2 * 3600_000),
      expiresInSeconds: 3600,
    });

    expect(await s3ErrorOf(await upload(post, { content: 'x' }))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('given a tampered policy or a wrong secret, when posted, then SignatureDoesNotMatch 403', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/signed.jpg' });
    const widened = Buffer.from(
      Buffer.from(post.fields.Policy!, 'base64')
        .toString('utf8')
        .replace('jobs/job-1/signed.jpg', 'anything.jpg'),
    ).toString('base64');
    const forged = presignPost(frontUrl, {
      key: 'jobs/job-1/forged.jpg',
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' },
    });

    const tampered = await s3ErrorOf(
      await upload(post, { content: 'x' }, { fields: { Policy: widened, key: 'anything.jpg' } }),
    );
    const wrongSecret = await s3ErrorOf(await upload(forged, { content: 'x' }));

    expect(tampered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(tampered.xml).toContain(`<StringToSign>${widened}</StringToSign>`);
    expect(wrongSecret).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await objectExists('anything.jpg')).toBe(false);
    expect(events).toEqual([]);
  });

  it('given an unknown access key, when posted, then InvalidAccessKeyId 403', async () => {
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/a.jpg',
      credentials: { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: CREDENTIALS.secretAccessKey },
    });

    expect(await s3ErrorOf(await upload(post, { content: 'x' }))).toMatchObject({
      status: 403,
      code: 'InvalidAccessKeyId',
    });
  });

  it('given a field the policy does not cover, when posted, then AccessDenied lists it as an extra input field', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/extra.jpg' });

    const response = await upload(post, { content: 'x' }, { fields: { 'x-amz-meta-note': 'sneaked in' } });

    expect(await s3ErrorOf(response)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-note',
    });
  });

  it('given fields after the file, when posted, then S3 ignores them (no extra-field error)', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/then-submit.jpg' });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['x']), 'a.jpg');
    form.append('submit', 'Upload to Amazon S3');

    const response = await fetch(post.url, { method: 'POST', body: form });

    expect(response.status).toBe(204);
  });

  it('given a hand-written body with CRLF edge cases, sent in small chunks, when posted, then the bytes are stored exactly', async () => {
    const boundary = 'qdnBoundary';
    const post = presignPost(frontUrl, {
      key: 'jobs/job-1/raw.bin',
      fields: { 'Content-Type': 'application/octet-stream' },
    });
    const content = Buffer.from(
      `\r\nline one\r\n\r\nx--${boundary}\r\n--${boundary}X\r\n--${boundary.slice(0, -1)}\r\n\r\n`,
      'latin1',
    );
    const head = [
      'preamble that S3 ignores\r\n',
      ...Object.entries(post.fields).map(
        ([name, value]) =>
          `--${boundary}  \r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="raw.bin"\r\n\r\n`,
    ].join('');
    const body = Buffer.concat([
      Buffer.from(head, 'latin1'),
      content,
      Buffer.from(`\r\n--${boundary}--\r\nepilogue`, 'latin1'),
    ]);

    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        post.url,
        { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      // Chunks of 7 bytes make delimiters straddle writes (TCP may still merge some; the unit tests split exhaustively).
      for (let offset = 0; offset < body.length; offset += 7)
        request.write(body.subarray(offset, offset + 7));
      request.end();
    });

    expect(status).toBe(204);
    expect((await storedObject('jobs/job-1/raw.bin')).body.equals(content)).toBe(true);
  });

  it('given a rejected form with a large file still streaming, when answered early, then the client reads the error', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/big-forgery.bin' });

    const response = await upload(
      post,
      { content: Buffer.alloc(5 * 1024 * 1024, 9) },
      { fields: { 'X-Amz-Signature': '0'.repeat(64) } },
    );

    expect(await s3ErrorOf(response)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await objectExists('jobs/job-1/big-forgery.bin')).toBe(false);
  });

  it('given a client that disconnects mid-upload, when it goes away, then nothing is stored or reported and the front keeps serving', async () => {
    const boundary = 'cutShort';
    const post = presignPost(frontUrl, { key: 'jobs/job-1/cut.bin' });
    const head = [
      ...Object.entries(post.fields).map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\npartial`,
    ].join('');

    await new Promise<void>((resolve) => {
      const request = httpRequest(post.url, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '100000' },
      });
      request.on('error', () => resolve());
      request.write(head, () => setTimeout(() => request.destroy(), 50));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await upload(presignPost(frontUrl, { key: 'jobs/job-1/after-cut.jpg' }), { content: 'x' });

    expect(next.status).toBe(204);
    expect(await objectExists('jobs/job-1/cut.bin')).toBe(false);
    expect(failures).toEqual([]);
  });

  it('given unsigned forms sent where fauxqs would still see an upload, when posted, then the front checks them too', async () => {
    const form = new FormData();
    form.append('key', 'jobs/job-1/bypass.jpg');
    form.append('file', new Blob(['x']), 'bypass.jpg');
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    const contentType = encoded.headers.get('content-type')!;
    const port = new URL(frontUrl).port;

    const withQuery = await fetch(`${frontUrl}/${BUCKET}/?anything=1`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    const virtualHosted = await rawPost(
      frontUrl,
      '/',
      { host: `${BUCKET}.localhost:${port}`, 'content-type': contentType },
      body,
    );

    expect(await s3ErrorOf(withQuery)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
    });
    expect(virtualHosted.status).toBe(403);
    expect(virtualHosted.body).toContain('<Code>AccessDenied</Code>');
    expect(await objectExists('jobs/job-1/bypass.jpg')).toBe(false);
  });

  it('given a virtual-hosted-style POST (bucket in the Host), when signed, then it is stored and located under that host', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/vhost.jpg' });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['v']), 'vhost.jpg');
    const encoded = new Response(form);
    const host = `${BUCKET}.localhost:${new URL(frontUrl).port}`;

    const response = await rawPost(
      frontUrl,
      '/',
      { host, 'content-type': encoded.headers.get('content-type')! },
      Buffer.from(await encoded.arrayBuffer()),
    );

    expect(response.status).toBe(204);
    expect(response.headers.location).toBe(`http://${host}/jobs/job-1/vhost.jpg`);
    expect((await storedObject('jobs/job-1/vhost.jpg')).body.toString()).toBe('v');
  });

  it('given a body that is not multipart (LF line ends), when posted, then MalformedPOSTRequest 400', async () => {
    const body = '--b\nContent-Disposition: form-data; name="key"\n\nk\n--b--\n';

    const response = await fetch(`${frontUrl}/${BUCKET}`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body,
    });

    expect(await s3ErrorOf(response)).toMatchObject({ status: 400, code: 'MalformedPOSTRequest' });
  });

  it('given fields before the file over S3s 20 KB allowance, when posted, then MaxPostPreDataLengthExceeded 400', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/padded.jpg' });

    const response = await upload(
      post,
      { content: 'x' },
      { fields: { 'x-ignore-padding': 'p'.repeat(21 * 1024) } },
    );

    expect(await s3ErrorOf(response)).toMatchObject({ status: 400, code: 'MaxPostPreDataLengthExceeded' });
  });

  it('given a form without a file, when posted, then InvalidArgument 400', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/none.jpg' });
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);

    const error = await s3ErrorOf(await fetch(post.url, { method: 'POST', body: form }));

    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'POST requires exactly one file upload per request.',
    });
  });

  it('given a bucket that does not exist, when posted, then NoSuchBucket 404', async () => {
    const post = presignPost(frontUrl, { key: 'a.jpg' });

    const response = await upload({ ...post, url: `${frontUrl}/no-such-bucket` }, { content: 'x' });

    expect(await s3ErrorOf(response)).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it('given a browser origin, when a POST upload succeeds or fails, then both answers carry CORS headers', async () => {
    const post = presignPost(frontUrl, { key: 'jobs/job-1/cors.jpg' });
    const headers = { origin: 'https://driver.quickdumpnow.com' };

    const ok = await upload(post, { content: 'x' }, { headers });
    const denied = await upload(post, { content: 'x' }, { headers, fields: { key: 'elsewhere.jpg' } });

    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect(ok.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
  });
});
