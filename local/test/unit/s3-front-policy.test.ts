import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { authorizePostUpload } from '../../src/s3-front/authorize.ts';
import type { PolicyForm } from '../../src/s3-front/policy.ts';
import { checkContentLength, checkPostPolicy, decodePostPolicy } from '../../src/s3-front/policy.ts';
import { rejection } from '../helpers/s3-error.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder, not a template.
const FILENAME = '${filename}';
const LATER = '2026-03-01T13:00:00Z';

function encode(policy: unknown): string {
  return Buffer.from(JSON.stringify(policy)).toString('base64');
}

function policyOf(conditions: unknown[], expiration = LATER) {
  return decodePostPolicy(encode({ expiration, conditions }));
}

function formOf(fields: Record<string, string>, bucket = 'job-photos'): PolicyForm {
  return {
    bucket,
    fields: new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])),
  };
}

describe('POST policy: decoding', () => {
  it('given both condition forms, when decoded, then each becomes a condition with its S3 error text', () => {
    const policy = policyOf([
      { bucket: 'job-photos' },
      ['eq', '$Content-Type', 'image/jpeg'],
      ['starts-with', '$key', 'jobs/'],
      ['content-length-range', 1, '1048576'],
    ]);

    expect(policy.expiration.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    expect(policy.conditions).toEqual([
      { kind: 'eq', field: 'bucket', value: 'job-photos', text: '["eq", "$bucket", "job-photos"]' },
      {
        kind: 'eq',
        field: 'content-type',
        value: 'image/jpeg',
        text: '["eq", "$Content-Type", "image/jpeg"]',
      },
      { kind: 'starts-with', field: 'key', value: 'jobs/', text: '["starts-with", "$key", "jobs/"]' },
      { kind: 'content-length-range', min: 1, max: 1048576, text: '["content-length-range", 1, "1048576"]' },
    ]);
  });

  it.each([
    ['not base64', '%%%', 'Invalid Policy: Invalid JSON.'],
    ['not JSON', Buffer.from('{nope').toString('base64'), 'Invalid Policy: Invalid JSON.'],
    ['no expiration', encode({ conditions: [] }), 'Invalid Policy: Policy missing expiration.'],
    ['no conditions', encode({ expiration: LATER }), 'Invalid Policy: Policy missing conditions.'],
    ['a bad expiration', encode({ expiration: 'tomorrow', conditions: [] }), "Invalid 'expiration' value"],
    [
      'an unknown operation',
      encode({ expiration: LATER, conditions: [['ends-with', '$key', 'x']] }),
      'unknown',
    ],
    [
      'a name without $',
      encode({ expiration: LATER, conditions: [['eq', 'key', 'x']] }),
      'Invalid Condition',
    ],
    [
      'a negative range',
      encode({ expiration: LATER, conditions: [['content-length-range', -1, 10]] }),
      'content-length-range',
    ],
  ])('given a policy with %s, when decoded, then InvalidPolicyDocument 400', (_case, policy, message) => {
    const error = rejection(() => decodePostPolicy(policy));

    expect(error).toMatchObject({ code: 'InvalidPolicyDocument', status: 400 });
    expect(error.message).toContain(message);
  });
});

describe('POST policy: checking a form', () => {
  const conditions = [
    { bucket: 'job-photos' },
    ['starts-with', '$key', 'jobs/job-1/'],
    { 'Content-Type': 'image/jpeg' },
    ['content-length-range', 100, 5000],
  ];
  const fields = { key: 'jobs/job-1/photo.jpg', bucket: 'job-photos', 'Content-Type': 'image/jpeg' };

  it('given a form meeting every condition, when checked, then the allowed size range comes back', () => {
    expect(checkPostPolicy(policyOf(conditions), formOf(fields), NOW)).toEqual({ min: 100, max: 5000 });
  });

  it('given a policy past its expiration, when checked, then AccessDenied "Policy expired."', () => {
    const error = rejection(() =>
      checkPostPolicy(policyOf(conditions, '2026-03-01T11:59:59Z'), formOf(fields), NOW),
    );

    expect(error).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('given a key outside the starts-with prefix, when checked, then the failed condition is named', () => {
    const error = rejection(() =>
      checkPostPolicy(policyOf(conditions), formOf({ ...fields, key: 'jobs/job-2/photo.jpg' }), NOW),
    );

    expect(error).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "jobs/job-1/"]',
    });
  });

  it('given another content type, when checked, then the exact-match condition fails', () => {
    const error = rejection(() =>
      checkPostPolicy(policyOf(conditions), formOf({ ...fields, 'Content-Type': 'image/png' }), NOW),
    );

    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/jpeg"]',
    );
  });

  it('given field names in another case than the policy, when checked, then they still match', () => {
    const form = formOf({ KEY: 'jobs/job-1/a.jpg', BUCKET: 'job-photos', 'content-type': 'image/jpeg' });

    expect(checkPostPolicy(policyOf(conditions), form, NOW)).toEqual({ min: 100, max: 5000 });
  });

  it('given a $bucket condition, when the request path names another bucket, then it fails', () => {
    const error = rejection(() => checkPostPolicy(policyOf(conditions), formOf(fields, 'other-bucket'), NOW));

    expect(error.message).toContain('["eq", "$bucket", "job-photos"]');
  });

  it('given a Content-Type prefix, when the field lists several types, then each must start with it', () => {
    const prefixed = policyOf([
      ['starts-with', '$Content-Type', 'image/'],
      ['starts-with', '$key', ''],
    ]);

    expect(
      checkPostPolicy(prefixed, formOf({ key: 'a', 'Content-Type': 'image/png, image/jpeg' }), NOW),
    ).toBe(undefined);
    expect(
      rejection(() =>
        checkPostPolicy(prefixed, formOf({ key: 'a', 'Content-Type': 'image/png, text/html' }), NOW),
      ).code,
    ).toBe('AccessDenied');
  });

  it('given an absent field, when checked, then an exact value fails and starts-with "" holds', () => {
    const policy = policyOf([
      ['starts-with', '$key', ''],
      ['starts-with', '$x-amz-meta-tag', ''],
    ]);

    expect(checkPostPolicy(policy, formOf({ key: 'a' }), NOW)).toBeUndefined();
    expect(
      rejection(() =>
        checkPostPolicy(policyOf([{ key: 'a' }, { acl: 'private' }]), formOf({ key: 'a' }), NOW),
      ).message,
    ).toContain('["eq", "$acl", "private"]');
  });

  it('given a field no condition covers, when checked, then AccessDenied names the extra field', () => {
    const error = rejection(() =>
      checkPostPolicy(policyOf(conditions), formOf({ ...fields, 'x-amz-meta-note': 'hi' }), NOW),
    );

    expect(error).toMatchObject({
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-note',
    });
  });

  it('given policy, signature and x-ignore- fields, when checked, then they need no condition', () => {
    const form = formOf({ ...fields, Policy: 'p', 'X-Amz-Signature': 's', 'x-ignore-submit': 'Upload' });

    expect(() => checkPostPolicy(policyOf(conditions), form, NOW)).not.toThrow();
  });

  it('given two content-length ranges, when checked, then the allowed range is their intersection', () => {
    const policy = policyOf([...conditions, ['content-length-range', 0, 1000]]);

    expect(checkPostPolicy(policy, formOf(fields), NOW)).toEqual({ min: 100, max: 1000 });
  });

  it('given a range, when the file is outside it, then EntityTooLarge / EntityTooSmall 400 with the sizes', () => {
    const range = { min: 100, max: 5000 };

    expect(() => checkContentLength(range, 100)).not.toThrow();
    expect(() => checkContentLength(range, 5000)).not.toThrow();
    expect(() => checkContentLength(undefined, 10 ** 9)).not.toThrow();
    expect(rejection(() => checkContentLength(range, 5001))).toMatchObject({
      code: 'EntityTooLarge',
      status: 400,
      details: { ProposedSize: '5001', MaxSizeAllowed: '5000' },
    });
    expect(rejection(() => checkContentLength(range, 99))).toMatchObject({
      code: 'EntityTooSmall',
      status: 400,
      details: { ProposedSize: '99', MinSizeAllowed: '100' },
    });
  });
});

describe('POST upload authorization (key, signature, policy together)', () => {
  // The form of the S3 documentation's SigV4 POST example, field for field.
  const EXAMPLE_POLICY =
    'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9';
  const exampleFields: Record<string, string> = {
    key: `user/user1/${FILENAME}`,
    acl: 'public-read',
    success_action_redirect: 'http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html',
    'Content-Type': 'image/jpeg',
    'x-amz-meta-uuid': '14365123651274',
    'x-amz-server-side-encryption': 'AES256',
    'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': '20151229T000000Z',
    'x-amz-meta-tag': '',
    Policy: EXAMPLE_POLICY,
    'X-Amz-Signature': '8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e',
  };
  const exampleCredentials = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };

  function exampleForm(
    fields: Record<string, string> = exampleFields,
    filename: string | undefined = 'photo.jpg',
  ) {
    return {
      bucket: 'sigv4examplebucket',
      fields: new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])),
      filename,
    };
  }

  it('given the documentation example, when authorized on the day, then the key takes the file name', () => {
    const upload = authorizePostUpload(
      exampleForm(),
      exampleCredentials,
      'us-east-1',
      new Date('2015-12-29T12:00:00Z'),
    );

    expect(upload).toEqual({ key: 'user/user1/photo.jpg', contentLength: undefined });
  });

  it('given the documentation example, when authorized after its expiration, then "Policy expired."', () => {
    const error = rejection(() =>
      authorizePostUpload(exampleForm(), exampleCredentials, 'us-east-1', new Date('2015-12-30T12:00:01Z')),
    );

    expect(error.message).toBe('Invalid according to Policy: Policy expired.');
  });

  it('given a file name with a browser-sent path, when authorized, then only its base name goes in the key', () => {
    const upload = authorizePostUpload(
      exampleForm(exampleFields, 'C:\\Users\\crew\\IMG 1.jpg'),
      exampleCredentials,
      'us-east-1',
      new Date('2015-12-29T12:00:00Z'),
    );

    expect(upload.key).toBe('user/user1/IMG 1.jpg');
  });

  it('given a form without key, when authorized, then InvalidArgument names the key field', () => {
    const { key: _key, ...withoutKey } = exampleFields;

    const error = rejection(() =>
      authorizePostUpload(exampleForm(withoutKey), exampleCredentials, 'us-east-1', NOW),
    );

    expect(error).toMatchObject({ code: 'InvalidArgument', status: 400, details: { ArgumentName: 'key' } });
  });

  it('given a form without policy, when authorized, then AccessDenied (no bucket takes anonymous uploads)', () => {
    const { Policy: _policy, ...withoutPolicy } = exampleFields;

    const error = rejection(() =>
      authorizePostUpload(exampleForm(withoutPolicy), exampleCredentials, 'us-east-1', NOW),
    );

    expect(error).toMatchObject({ code: 'AccessDenied', status: 403, message: 'Access Denied' });
  });

  it('given an exact key condition on a file-name placeholder key, when the file name is substituted, then the condition fails', () => {
    // What real S3 does, and why presigners switch to starts-with for ${filename} keys.
    const secret = 'local-secret';
    const conditions = [
      { key: `uploads/${FILENAME}` },
      { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': 'AKIDLOCAL/20260301/us-east-1/s3/aws4_request' },
      { 'x-amz-date': '20260301T120000Z' },
    ];
    const policy = encode({ expiration: LATER, conditions });
    const fields = {
      key: `uploads/${FILENAME}`,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDLOCAL/20260301/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20260301T120000Z',
      Policy: policy,
      'X-Amz-Signature': sign(policy, secret, '20260301', 'us-east-1'),
    };

    const error = rejection(() =>
      authorizePostUpload(
        {
          bucket: 'job-photos',
          fields: new Map(Object.entries(fields).map(([n, v]) => [n.toLowerCase(), v])),
          filename: 'a.jpg',
        },
        { accessKeyId: 'AKIDLOCAL', secretAccessKey: secret },
        'us-east-1',
        NOW,
      ),
    );

    expect(error.message).toBe(
      `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "uploads/${FILENAME}"]`,
    );
  });
});

/** An independent SigV4 POST signer, so the tests do not check the front's signer against itself. */
function sign(policy: string, secret: string, date: string, region: string): string {
  let key: Buffer | string = `AWS4${secret}`;
  for (const part of [date, region, 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(policy).digest('hex');
}
