import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { templatePath } from '../../scripts/services.ts';
import type { Template } from './checks.ts';

// The site as packaged (issue "Public pages"): a private, encrypted bucket that only the distribution
// reads (Origin Access Control), the page rewrite function as the file the local cloud runs and the unit
// tests check, and the security headers on every answer.
const template = JSON.parse(readFileSync(templatePath('site'), 'utf8')) as Template;
const rewriteSource = readFileSync(
  new URL('../../services/site/src/edge/rewrite.js', import.meta.url),
  'utf8',
);

/** The value at a path of the template, e.g. `at('SiteBucket', 'Properties', 'BucketEncryption')`. */
function at(...path: (string | number)[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value as Record<string | number, unknown> | undefined)?.[key],
    template.Resources,
  );
}

const distribution = (...path: (string | number)[]) =>
  at('SiteDistribution', 'Properties', 'DistributionConfig', ...path);

describe('the packaged site', () => {
  it('keeps the pages in a private, encrypted bucket that only this distribution reads, over TLS', () => {
    expect(at('SiteBucket', 'Properties', 'PublicAccessBlockConfiguration')).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      at('SiteBucket', 'Properties', 'BucketEncryption', 'ServerSideEncryptionConfiguration', 0),
    ).toEqual({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    const statements = at('SiteBucketPolicy', 'Properties', 'PolicyDocument', 'Statement') as Record<
      string,
      unknown
    >[];
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            // The distribution's own ARN (CloudFormation's Fn::Sub placeholders).
            'AWS:SourceArn': {
              'Fn::Sub': expect.stringMatching(
                /^arn:aws:cloudfront::\$\{AWS::AccountId\}:distribution\/\$\{SiteDistribution\}$/,
              ),
            },
          },
        },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(at('SiteOriginAccessControl', 'Properties', 'OriginAccessControlConfig')).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(distribution('Origins', 0)).toMatchObject({
      OriginAccessControlId: { 'Fn::GetAtt': ['SiteOriginAccessControl', 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
    expect(distribution('DefaultCacheBehavior', 'ViewerProtocolPolicy')).toBe('redirect-to-https');
    expect(distribution('DefaultCacheBehavior', 'AllowedMethods')).toEqual(['GET', 'HEAD']);
  });

  it('runs src/edge/rewrite.js, as is, on every viewer request (cloudfront-js-2.0)', () => {
    expect(at('PageRewriteFunction', 'Properties', 'FunctionCode')).toBe(rewriteSource);
    expect(at('PageRewriteFunction', 'Properties', 'FunctionConfig', 'Runtime')).toBe('cloudfront-js-2.0');
    expect(at('PageRewriteFunction', 'Properties', 'AutoPublish')).toBe(true);
    expect(distribution('DefaultCacheBehavior', 'FunctionAssociations')).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': ['PageRewriteFunction', 'FunctionMetadata.FunctionARN'] },
      },
    ]);
  });

  it('answers with CSP, HSTS, no-referrer, nosniff and no framing, and a 404 page for anything missing', () => {
    const security = at(
      'SecurityHeadersPolicy',
      'Properties',
      'ResponseHeadersPolicyConfig',
      'SecurityHeadersConfig',
    );
    // An Fn::Sub: the media bucket's name carries the account and region, known at deploy time.
    const csp = (security as { ContentSecurityPolicy: { ContentSecurityPolicy: { 'Fn::Sub': string } } })
      .ContentSecurityPolicy.ContentSecurityPolicy['Fn::Sub'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toMatch(
      /connect-src 'self' https:\/\/api\.quickdumpnow\.com https:\/\/qdn-dev-media-\$\{AWS::AccountId\}-\$\{AWS::Region\}\.s3\.\$\{AWS::Region\}\.amazonaws\.com;/,
    );
    expect(csp).not.toContain('unsafe-inline');
    expect(security).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
    });
    expect(distribution('DefaultCacheBehavior', 'ResponseHeadersPolicyId')).toEqual({
      Ref: 'SecurityHeadersPolicy',
    });
    expect(distribution('CustomErrorResponses')).toEqual([
      { ErrorCode: 403, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 60 },
      { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 60 },
    ]);
  });
});
