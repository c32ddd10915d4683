import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Template } from '../infra/checks.ts';
import { checkDataRetained } from '../infra/data-rules.ts';

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
