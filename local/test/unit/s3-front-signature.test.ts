import { describe, expect, it } from '@jest/globals';
import type { SignedPostFields } from '../../src/s3-front/signature.ts';
import {
  deriveSigningKey,
  parseCredentialScope,
  signPostPolicy,
  verifyPostSignature,
} from '../../src/s3-front/signature.ts';
import { rejection } from '../helpers/s3-error.ts';

// The worked example of the S3 documentation (sigv4-post-example): its policy, secret and signature.
const AWS_EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  date: '20151229',
  region: 'us-east-1',
  policy:
    'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9',
  signature: '8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e',
};

const credentials = { accessKeyId: AWS_EXAMPLE.accessKeyId, secretAccessKey: AWS_EXAMPLE.secretAccessKey };

function exampleFields(overrides: Partial<SignedPostFields> = {}): SignedPostFields {
  return {
    policy: AWS_EXAMPLE.policy,
    algorithm: 'AWS4-HMAC-SHA256',
    credential: 'AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request',
    date: '20151229T000000Z',
    signature: AWS_EXAMPLE.signature,
    securityToken: undefined,
    ...overrides,
  };
}

describe('POST policy signature (SigV4)', () => {
  it('given the S3 documentation example, when the policy is signed, then the signature is the documented one', () => {
    const signature = signPostPolicy(
      AWS_EXAMPLE.policy,
      AWS_EXAMPLE.secretAccessKey,
      AWS_EXAMPLE.date,
      AWS_EXAMPLE.region,
    );

    expect(signature).toBe(AWS_EXAMPLE.signature);
  });

  it('given a secret, when the signing key is derived, then it depends on date, region and service', () => {
    const key = deriveSigningKey('secret', '20240101', 'us-east-1');

    expect(key).toHaveLength(32);
    expect(deriveSigningKey('secret', '20240102', 'us-east-1').equals(key)).toBe(false);
    expect(deriveSigningKey('secret', '20240101', 'us-west-2').equals(key)).toBe(false);
    expect(deriveSigningKey('secret', '20240101', 'us-east-1', 'sqs').equals(key)).toBe(false);
  });

  it('given a credential, when it is parsed, then its five parts come back (and malformed ones do not)', () => {
    expect(parseCredentialScope('AKID/20240101/eu-west-1/s3/aws4_request')).toEqual({
      accessKeyId: 'AKID',
      date: '20240101',
      region: 'eu-west-1',
      service: 's3',
      terminator: 'aws4_request',
    });
    expect(parseCredentialScope('AKID/20240101/eu-west-1/s3')).toBeUndefined();
    expect(parseCredentialScope('AKID//eu-west-1/s3/aws4_request')).toBeUndefined();
  });

  it('given the example form, when verified with its secret, then it passes (signature case-insensitive)', () => {
    expect(() => verifyPostSignature(exampleFields(), credentials, 'us-east-1')).not.toThrow();
    expect(() =>
      verifyPostSignature(
        exampleFields({ signature: AWS_EXAMPLE.signature.toUpperCase() }),
        credentials,
        'us-east-1',
      ),
    ).not.toThrow();
  });

  it('given a tampered policy, when verified, then SignatureDoesNotMatch 403 names the key and string signed', () => {
    const tampered = Buffer.from(
      Buffer.from(AWS_EXAMPLE.policy, 'base64').toString('utf8').replace('user/user1/', 'user/'),
    ).toString('base64');

    const error = rejection(() =>
      verifyPostSignature(exampleFields({ policy: tampered }), credentials, 'us-east-1'),
    );

    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    expect(error.details).toEqual({
      AWSAccessKeyId: AWS_EXAMPLE.accessKeyId,
      StringToSign: tampered,
      SignatureProvided: AWS_EXAMPLE.signature,
    });
  });

  it('given another secret, when verified, then SignatureDoesNotMatch', () => {
    const error = rejection(() =>
      verifyPostSignature(exampleFields(), { ...credentials, secretAccessKey: 'other' }, 'us-east-1'),
    );

    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('given an unknown access key, when verified, then InvalidAccessKeyId 403', () => {
    const error = rejection(() =>
      verifyPostSignature(exampleFields(), { ...credentials, accessKeyId: 'AKIDOTHER' }, 'us-east-1'),
    );

    expect(error).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });

  it('given a credential scoped to another region, when verified, then AuthorizationQueryParametersError 400', () => {
    const error = rejection(() => verifyPostSignature(exampleFields(), credentials, 'eu-west-1'));

    expect(error).toMatchObject({ code: 'AuthorizationQueryParametersError', status: 400 });
    expect(error.message).toContain("the region 'us-east-1' is wrong; expecting 'eu-west-1'");
  });

  it('given X-Amz-Date of another day than the credential, when verified, then it is refused', () => {
    const error = rejection(() =>
      verifyPostSignature(exampleFields({ date: '20151230T000000Z' }), credentials, 'us-east-1'),
    );

    expect(error.message).toBe('Invalid credential date. Date is not the same as X-Amz-Date.');
  });

  it('given missing or unsupported SigV4 fields, when verified, then each is named', () => {
    expect(
      rejection(() => verifyPostSignature(exampleFields({ signature: undefined }), credentials, 'us-east-1')),
    ).toMatchObject({
      code: 'InvalidArgument',
      details: { ArgumentName: 'X-Amz-Signature', ArgumentValue: '' },
    });
    expect(
      rejection(() =>
        verifyPostSignature(exampleFields({ credential: undefined }), credentials, 'us-east-1'),
      ),
    ).toMatchObject({
      code: 'InvalidArgument',
      details: { ArgumentName: 'X-Amz-Credential', ArgumentValue: '' },
    });
    expect(
      rejection(() =>
        verifyPostSignature(exampleFields({ algorithm: 'AWS4-HMAC-SHA1' }), credentials, 'us-east-1'),
      ).code,
    ).toBe('AuthorizationQueryParametersError');
    expect(
      rejection(() =>
        verifyPostSignature(
          exampleFields({ credential: 'AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/sqs/aws4_request' }),
          credentials,
          'us-east-1',
        ),
      ).message,
    ).toContain('incorrect service "sqs"');
  });

  it('given configured session credentials, when the form carries another token, then InvalidToken 400', () => {
    const session = { ...credentials, sessionToken: 'token-1' };

    expect(
      rejection(() => verifyPostSignature(exampleFields({ securityToken: 'token-2' }), session, 'us-east-1')),
    ).toMatchObject({ code: 'InvalidToken', status: 400 });
    expect(() =>
      verifyPostSignature(exampleFields({ securityToken: 'token-1' }), session, 'us-east-1'),
    ).not.toThrow();
  });
});
