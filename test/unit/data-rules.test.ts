// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not JS templates
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Template } from '../infra/checks.ts';
import {
  checkBucketNames,
  checkCspNamesMediaBucket,
  checkDataRetained,
  mediaOriginOf,
} from '../infra/data-rules.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}-template.json`, import.meta.url), 'utf8')) as Template;

const retained = {
  DeletionPolicy: 'Retain',
  UpdateReplacePolicy: 'Retain',
};

describe('business data survives its stack', () => {
  it('flags the tables of a template packaged before the rule (broken fixture)', () => {
    const violations = checkDataRetained(fixture('jobs'));
    expect(violations.map((violation) => violation.message)).toEqual([
      'JobsTable (AWS::DynamoDB::Table) has DeletionPolicy unset (Delete); expected Retain',
      'JobsTable (AWS::DynamoDB::Table) has UpdateReplacePolicy unset (Delete); expected Retain',
      'FailuresTable (AWS::DynamoDB::Table) has DeletionPolicy unset (Delete); expected Retain',
      'FailuresTable (AWS::DynamoDB::Table) has UpdateReplacePolicy unset (Delete); expected Retain',
    ]);
  });

  it('accepts retained tables with point-in-time recovery, flags a lost PITR and a deletable media bucket', () => {
    const template: Template = {
      Resources: {
        Jobs: {
          Type: 'AWS::DynamoDB::Table',
          ...retained,
          Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
        } as never,
        Messages: { Type: 'AWS::DynamoDB::Table', ...retained, Properties: {} } as never,
        MediaBucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: {} } as never,
        // Reproducible: the pages and serverless's artifacts.
        SiteBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      },
    };
    expect(checkDataRetained(template).map((violation) => violation.message)).toEqual([
      'Messages has no point-in-time recovery',
      'MediaBucket (AWS::S3::Bucket) has UpdateReplacePolicy unset (Delete); expected Retain',
    ]);
  });
});

describe('bucket names that cannot collide', () => {
  const bucket = (BucketName?: unknown) => ({
    Type: 'AWS::S3::Bucket',
    Properties: BucketName === undefined ? {} : { BucketName },
  });

  it('flags fixed global names (as packaged before the rule), and a placeholder outside Fn::Sub', () => {
    const template: Template = {
      Resources: {
        MediaBucket: bucket('qdn-dev-media'),
        SiteBucket: bucket('qdn-dev-site-${AWS::AccountId}'),
        Other: bucket({ 'Fn::Sub': 'qdn-${AWS::Region}-other' }),
      },
    };
    expect(checkBucketNames(template).map((violation) => violation.resource)).toEqual([
      'MediaBucket',
      'SiteBucket',
      'Other',
    ]);
    expect(checkBucketNames(template)[0]!.message).toContain('another account may already own');
  });

  it("accepts the account in an Fn::Sub name, and CloudFormation's own names", () => {
    const template: Template = {
      Resources: {
        MediaBucket: bucket({ 'Fn::Sub': 'qdn-dev-media-${AWS::AccountId}-${AWS::Region}' }),
        Listed: bucket({ 'Fn::Sub': ['qdn-${Stage}-${AWS::AccountId}', { Stage: 'dev' }] }),
        Unnamed: bucket(),
      },
    };
    expect(checkBucketNames(template)).toEqual([]);
  });

  it("flags a page CSP that names the media bucket's old host, accepts the real one", () => {
    const origin = mediaOriginOf({
      Resources: { MediaBucket: bucket({ 'Fn::Sub': 'qdn-dev-media-${AWS::AccountId}-${AWS::Region}' }) },
    })!;
    const page = (csp: unknown): Template => ({
      Resources: {
        Headers: {
          Type: 'AWS::CloudFront::ResponseHeadersPolicy',
          Properties: {
            ResponseHeadersPolicyConfig: {
              SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: csp } },
            },
          },
        },
      },
    });
    const old = 'https://qdn-dev-media.s3.us-west-2.amazonaws.com';
    expect(
      checkCspNamesMediaBucket(
        page(`default-src 'none'; img-src 'self' ${old}; connect-src 'self' ${old}`),
        origin,
      ).map((violation) => violation.message),
    ).toEqual([
      `Headers's img-src does not name the media bucket ${origin}`,
      `Headers's connect-src does not name the media bucket ${origin}`,
    ]);
    expect(
      checkCspNamesMediaBucket(
        page({ 'Fn::Sub': `default-src 'none'; img-src 'self' ${origin}; connect-src 'self' ${origin}` }),
        origin,
      ),
    ).toEqual([]);
  });
});
