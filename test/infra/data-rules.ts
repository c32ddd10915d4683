// Rules for where business data lives (issue "Infrastructure declared once…"): pure functions over a
// packaged template, unit-tested on broken fixtures (test/unit/data-rules.test.ts) and run over every
// real template by test/infra/data-rules.test.ts.
import type { Template, Violation } from './checks.ts';

interface StatefulResource {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, unknown>;
}

/**
 * Buckets that hold nothing but copies of what the repository deploys — the public pages, serverless's
 * deployment artifacts: losing them loses nothing, and keeping them after a stack is deleted would only
 * leave orphans behind.
 */
export const REPRODUCIBLE_BUCKETS = new Set(['SiteBucket', 'ServerlessDeploymentBucket']);

/**
 * Every table and every bucket of business data survives its stack: deleting or renaming a stack, or a
 * change that replaces the resource, leaves it in place (DeletionPolicy and UpdateReplacePolicy Retain),
 * and tables keep point-in-time recovery.
 */
export function checkDataRetained(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(template.Resources) as [string, StatefulResource][]) {
    const isTable = resource.Type === 'AWS::DynamoDB::Table';
    const isBucket = resource.Type === 'AWS::S3::Bucket' && !REPRODUCIBLE_BUCKETS.has(id);
    if (!isTable && !isBucket) continue;
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const)
      if (resource[policy] !== 'Retain')
        violations.push({
          resource: id,
          rule: 'retain-data',
          message: `${id} (${resource.Type}) has ${policy} ${resource[policy] ?? 'unset (Delete)'}; expected Retain`,
        });
    if (isTable) {
      const pitr = resource.Properties?.PointInTimeRecoverySpecification as
        | { PointInTimeRecoveryEnabled?: unknown }
        | undefined;
      if (pitr?.PointInTimeRecoveryEnabled !== true)
        violations.push({
          resource: id,
          rule: 'retain-data',
          message: `${id} has no point-in-time recovery`,
        });
    }
  }
  return violations;
}

/**
 * Bucket names are global across every AWS account: a fixed name (`qdn-prod-media`) fails the deploy if
 * anyone anywhere owns it. A bucket is either named by CloudFormation (no BucketName) or carries the
 * account id through `Fn::Sub` with `${AWS::AccountId}` (resolved at deploy time; serverless's
 * `${aws:accountId}` would need credentials to package).
 */
export function checkBucketNames(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const name = resource.Properties?.BucketName;
    if (name === undefined) continue;
    const sub = (name as Record<string, unknown>)?.['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    if (typeof text !== 'string' || !text.includes('${AWS::AccountId}'))
      violations.push({
        resource: id,
        rule: 'bucket-name',
        message: `${id}'s name ${JSON.stringify(name)} can collide with another account's bucket; use Fn::Sub with \${AWS::AccountId} or no BucketName`,
      });
  }
  return violations;
}
