import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { S3PhotoStorage } from '../../src/adapters/photo-storage.ts';
import { MAX_PHOTO_BYTES, UPLOAD_URL_SECONDS } from '../../src/domain/photo.ts';

// The policy real S3 enforces, signed by the same SDK call the upload route makes (signing is local
// computation: no network, fixed credentials). The local S3 front enforces it too; this proves what
// the policy says.
const client = new S3Client({
  region: 'us-west-2',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
});
const storage = new S3PhotoStorage(client, 'qdn-test-media');
const key = 'photos/qdn_01JTESTJOB0000000000000000/0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg';

async function signedPolicy() {
  const before = Date.now();
  const upload = await storage.signUpload({
    key,
    contentType: 'image/jpeg',
    maxBytes: MAX_PHOTO_BYTES,
    expiresSeconds: UPLOAD_URL_SECONDS,
  });
  const policy = JSON.parse(Buffer.from(upload.fields.Policy!, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
  return { upload, policy, before };
}

describe('the presigned POST policy', () => {
  it('given a JPEG upload, then it allows exactly the server-chosen key', async () => {
    const { upload, policy } = await signedPolicy();
    expect(policy.conditions).toContainEqual({ key });
    expect(policy.conditions).toContainEqual({ bucket: 'qdn-test-media' });
    // No starts-with on the key: nothing the uploader names can change where the object lands.
    expect(JSON.stringify(policy.conditions)).not.toMatch(/starts-with/);
    expect(upload.fields.key).toBe(key);
    expect(upload.url).toBe('https://qdn-test-media.s3.us-west-2.amazonaws.com/');
  });

  it('given a JPEG upload, then it allows only that content type', async () => {
    const { upload, policy } = await signedPolicy();
    expect(policy.conditions).toContainEqual({ 'Content-Type': 'image/jpeg' });
    expect(upload.fields['Content-Type']).toBe('image/jpeg');
  });

  it('given a JPEG upload, then the size must be 1 B – 10 MB', async () => {
    const { policy } = await signedPolicy();
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 10 * 1024 * 1024]);
  });

  it('given a JPEG upload, then the policy expires in minutes', async () => {
    const { policy, before } = await signedPolicy();
    const expiresInMs = Date.parse(policy.expiration) - before;
    expect(expiresInMs).toBeGreaterThan(4 * 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(5 * 60_000 + 1_000);
  });

  it('given a JPEG upload, then every form field but the file and signature is covered by a condition', async () => {
    const { upload, policy } = await signedPolicy();
    const covered = new Set(
      policy.conditions.flatMap((condition) =>
        Array.isArray(condition)
          ? [String(condition[1]).replace(/^\$/, '')]
          : Object.keys(condition as object),
      ),
    );
    const fields = Object.keys(upload.fields).filter((name) => !['Policy', 'X-Amz-Signature'].includes(name));
    expect(fields.filter((name) => !covered.has(name))).toEqual([]);
  });
});
