// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not JS templates
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

/**
 * Bucket names are global across every AWS account: a fixed name (`qdn-prod-media`) fails to deploy as
 * soon as anyone else holds it. A bucket either lets CloudFormation name it (no BucketName) or carries
 * the account in its name through `Fn::Sub` with `${AWS::AccountId}` (resolved at deploy time, so
 * packaging needs no credentials, unlike serverless's `${aws:accountId}`).
 */
export function checkBucketNames(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const name = resource.Properties?.BucketName;
    if (name === undefined) continue;
    // Only inside Fn::Sub is `${AWS::AccountId}` a placeholder; in a plain string it is literal text.
    const sub = typeof name === 'string' ? undefined : subTemplate(name);
    if (sub?.includes('${AWS::AccountId}')) continue;
    violations.push({
      resource: id,
      rule: 'bucket-name',
      message: `${id} is named ${JSON.stringify(name)}, which another account may already own; name it with Fn::Sub and \${AWS::AccountId}, or let CloudFormation name it`,
    });
  }
  return violations;
}

/** The media bucket's S3 origin as a browser reaches it, as an Fn::Sub template (from the media stack). */
export function mediaOriginOf(media: Template): string | undefined {
  const bucket = subTemplate(media.Resources.MediaBucket?.Properties?.BucketName);
  return bucket === undefined ? undefined : `https://${bucket}.s3.\${AWS::Region}.amazonaws.com`;
}

/**
 * A page's CSP (the site's, the console's) names the media bucket's real host in img-src and
 * connect-src: presigned uploads and photo views go straight to it, and a stale name blocks them all.
 */
export function checkCspNamesMediaBucket(page: Template, mediaOrigin: string): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(page.Resources)) {
    if (resource.Type !== 'AWS::CloudFront::ResponseHeadersPolicy') continue;
    const config = resource.Properties?.ResponseHeadersPolicyConfig as
      | { SecurityHeadersConfig?: { ContentSecurityPolicy?: { ContentSecurityPolicy?: unknown } } }
      | undefined;
    const value = config?.SecurityHeadersConfig?.ContentSecurityPolicy?.ContentSecurityPolicy;
    const csp = subTemplate(value) ?? '';
    for (const directive of ['img-src', 'connect-src']) {
      const sources = csp
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .find(([name]) => name === directive);
      if (!sources?.includes(mediaOrigin))
        violations.push({
          resource: id,
          rule: 'csp-media-bucket',
          message: `${id}'s ${directive} does not name the media bucket ${mediaOrigin}`,
        });
    }
  }
  return violations;
}

/** A string's text, or an `Fn::Sub`'s template (a plain string has no placeholders to resolve). */
function subTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const sub = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  return undefined;
}
