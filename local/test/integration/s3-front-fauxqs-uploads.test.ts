import { createHash, createHmac } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { FauxqsServer } from 'fauxqs';
import { startFauxqs } from 'fauxqs';
import type { S3ObjectCreatedEvent } from '../../src/s3-front/events.ts';
import type { FauxqsUploadWatch } from '../../src/s3-front/fauxqs-uploads.ts';
import { watchFauxqsUploads } from '../../src/s3-front/fauxqs-uploads.ts';
import type { S3Front } from '../../src/s3-front/front.ts';
import { createS3Front } from '../../src/s3-front/front.ts';

const NOTIFYING_BUCKET = 'job-photos';
const QUIET_BUCKET = 'exports';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALFRONT', secretAccessKey: 'local-front-secret' };

function md5(content: string | Buffer): string {
  return createHash('md5').update(content).digest('hex');
}

describe('S3 front: Object Created events for writes straight to fauxqs (message spy)', () => {
  let fauxqs: FauxqsServer;
  let s3: S3Client;
  let watch: FauxqsUploadWatch;
  const notifying = new Set([NOTIFYING_BUCKET]);
  const events: S3ObjectCreatedEvent[] = [];
  const failures: unknown[] = [];

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false, messageSpies: true });
    s3 = new S3Client({
      endpoint: fauxqs.address,
      region: REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: NOTIFYING_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: QUIET_BUCKET }));
  });

  beforeEach(() => {
    events.length = 0;
    failures.length = 0;
    watch = watchFauxqsUploads(fauxqs, {
      buckets: () => notifying,
      onObjectCreated: (event) => {
        events.push(event);
      },
      onError: (error) => {
        failures.push(error);
      },
    });
  });

  afterEach(async () => {
    await watch.close();
  });

  afterAll(async () => {
    s3.destroy();
    await fauxqs.stop();
  });

  it('given a bucket with notifications, when the SDK puts an object, then one PutObject event with size and etag', async () => {
    const body = 'photo bytes';

    await s3.send(new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-1/a.jpg', Body: body }));
    await watch.idle();

    expect(events).toEqual([
      {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '000000000000',
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: REGION,
        resources: [`arn:aws:s3:::${NOTIFYING_BUCKET}`],
        detail: {
          version: '0',
          bucket: { name: NOTIFYING_BUCKET },
          object: {
            key: 'jobs/job-1/a.jpg',
            size: body.length,
            etag: md5(body),
            sequencer: expect.stringMatching(/^[0-9A-F]{18}$/),
          },
          'request-id': expect.stringMatching(/^[0-9A-F]{16}$/),
          requester: '000000000000',
          'source-ip-address': '127.0.0.1',
          reason: 'PutObject',
        },
      },
    ]);
    expect(failures).toEqual([]);
  });

  it('given a bucket without notifications, when the SDK puts an object, then no event', async () => {
    await s3.send(new PutObjectCommand({ Bucket: QUIET_BUCKET, Key: 'report.csv', Body: 'a,b' }));
    await watch.idle();

    expect(events).toEqual([]);
  });

  it('given a copy into the bucket, when CopyObject runs, then one CopyObject event for the destination', async () => {
    await s3.send(new PutObjectCommand({ Bucket: QUIET_BUCKET, Key: 'source.jpg', Body: 'copied bytes' }));

    await s3.send(
      new CopyObjectCommand({
        Bucket: NOTIFYING_BUCKET,
        Key: 'jobs/job-1/copy.jpg',
        CopySource: `${QUIET_BUCKET}/source.jpg`,
      }),
    );
    await watch.idle();

    expect(
      events.map((event) => [event.detail.object.key, event.detail.reason, event.detail.object.size]),
    ).toEqual([['jobs/job-1/copy.jpg', 'CopyObject', 'copied bytes'.length]]);
  });

  it('given a multipart upload, when it completes, then one CompleteMultipartUpload event with the multipart etag', async () => {
    const key = 'jobs/job-1/video.mp4';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: NOTIFYING_BUCKET, Key: key }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: NOTIFYING_BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(2048, 1),
      }),
    );

    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: NOTIFYING_BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    await watch.idle();

    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({
      reason: 'CompleteMultipartUpload',
      object: { key, size: 2048, etag: expect.stringMatching(/^[0-9a-f]{32}-1$/) },
    });
  });

  it('given a browser POST straight to fauxqs, when it stores the object, then one PostObject event (not two)', async () => {
    const form = new FormData();
    form.append('key', 'jobs/job-1/direct.jpg');
    form.append('file', new Blob(['direct']), 'direct.jpg');

    const response = await fetch(`${fauxqs.address}/${NOTIFYING_BUCKET}`, { method: 'POST', body: form });
    await watch.idle();

    expect(response.status).toBe(204);
    expect(events.map((event) => [event.detail.object.key, event.detail.reason])).toEqual([
      ['jobs/job-1/direct.jpg', 'PostObject'],
    ]);
  });

  it('given two writes to one key, when both are announced, then their sequencers order them', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-1/twice.jpg', Body: 'one' }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-1/twice.jpg', Body: 'two' }),
    );
    await watch.idle();

    const [first, second] = events.map((event) => event.detail.object.sequencer);
    expect(events).toHaveLength(2);
    expect(second! > first!).toBe(true);
  });

  it('given the watch stopped, when an object is put, then no event', async () => {
    watch.stop();

    await s3.send(new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-1/after.jpg', Body: 'x' }));
    await watch.idle();

    expect(events).toEqual([]);
  });

  it('given a consumer that throws, when an object is put, then the failure is reported and the write unaffected', async () => {
    await watch.close();
    watch = watchFauxqsUploads(fauxqs, {
      buckets: () => notifying,
      onObjectCreated: () => {
        throw new Error('bus unavailable');
      },
      onError: (error) => {
        failures.push(error);
      },
    });

    const put = await s3.send(
      new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-1/b.jpg', Body: 'x' }),
    );
    await watch.idle();

    expect(put.ETag).toBe(`"${md5('x')}"`);
    expect(failures).toEqual([new Error('bus unavailable')]);
  });

  describe('with the S3 front in front of fauxqs', () => {
    let front: S3Front;
    let frontUrl: string;
    const frontEvents: S3ObjectCreatedEvent[] = [];

    beforeAll(async () => {
      front = createS3Front({
        s3Endpoint: fauxqs.address,
        credentials: CREDENTIALS,
        region: REGION,
        onObjectCreated: (event) => {
          frontEvents.push(event);
        },
      });
      frontUrl = (await front.listen()).url;
    });

    afterAll(async () => {
      await front.close();
    });

    it('given the watch skips what the front stores, when a phone posts a photo, then exactly one event: the front PostObject', async () => {
      await watch.close();
      watch = watchFauxqsUploads(fauxqs, {
        buckets: () => notifying,
        onObjectCreated: (event) => {
          events.push(event);
        },
        skipUpload: front.isStoring,
      });
      const form = new FormData();
      for (const [name, value] of Object.entries(signedForm('jobs/job-9/photo.jpg')))
        form.append(name, value);
      form.append('file', new Blob(['photo']), 'photo.jpg');

      const response = await fetch(`${frontUrl}/${NOTIFYING_BUCKET}`, { method: 'POST', body: form });
      await watch.idle();

      expect(response.status).toBe(204);
      expect(frontEvents.map((event) => [event.detail.object.key, event.detail.reason])).toEqual([
        ['jobs/job-9/photo.jpg', 'PostObject'],
      ]);
      expect(events).toEqual([]);
    });

    it('given the SDK writing through the front, when it puts an object, then the watch reports it as PutObject', async () => {
      const viaFront = new S3Client({
        endpoint: frontUrl,
        region: REGION,
        forcePathStyle: true,
        credentials: CREDENTIALS,
      });

      await viaFront.send(
        new PutObjectCommand({ Bucket: NOTIFYING_BUCKET, Key: 'jobs/job-9/sdk.jpg', Body: 'sdk' }),
      );
      await watch.idle();
      viaFront.destroy();

      expect(events.map((event) => [event.detail.object.key, event.detail.reason])).toEqual([
        ['jobs/job-9/sdk.jpg', 'PutObject'],
      ]);
    });
  });
});

/** A minimal valid presigned POST for the front (fields, exact key, SigV4 over the policy). */
function signedForm(key: string): Record<string, string> {
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const credential = `${CREDENTIALS.accessKeyId}/${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const fields = {
    bucket: NOTIFYING_BUCKET,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': credential,
    'X-Amz-Date': amzDate,
  };
  const policy = Buffer.from(
    JSON.stringify({
      expiration: new Date(now.getTime() + 600_000).toISOString(),
      conditions: [...Object.entries(fields).map(([name, value]) => ({ [name]: value })), { key }],
    }),
  ).toString('base64');
  let signingKey: Buffer | string = `AWS4${CREDENTIALS.secretAccessKey}`;
  for (const part of [amzDate.slice(0, 8), REGION, 's3', 'aws4_request']) {
    signingKey = createHmac('sha256', signingKey).update(part).digest();
  }
  return {
    ...fields,
    key,
    Policy: policy,
    'X-Amz-Signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
  };
}
