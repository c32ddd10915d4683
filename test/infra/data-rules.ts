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
 * Buckets that hold nothing but copies of what the repository deploys — the public pages, the console, serverless's
 * deployment artifacts: losing them loses nothing, and keeping them after a stack is deleted would only
 * leave orphans behind.
 */
export const REPRODUCIBLE_BUCKETS = new Set(['SiteBucket', 'ConsoleBucket', 'ServerlessDeploymentBucket']);

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
