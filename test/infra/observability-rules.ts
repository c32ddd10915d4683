// The stage's dashboard (issue "Infrastructure declared once…", observability): pure functions over
// packaged templates, unit-tested on broken fixtures (test/unit/observability-rules.test.ts) and run over
// the real ones by test/infra/dashboard.test.ts.
import type { Template, Violation } from './checks.ts';

/** The business metrics the functions emit (shared/src/metrics.ts METRIC): each must be on the dashboard. */
export const DASHBOARD_METRICS = ['SmsSent', 'SmsFailed', 'SmsSuppressed', 'FanOutLatency', 'DeadLettered'];

/** Every queue some queue's RedrivePolicy sends to: the stage's DLQs, by name. */
export function deadLetterQueueNames(template: Template): string[] {
  const dlqIds = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::SQS::Queue') continue;
    const target = (
      resource.Properties?.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt'?: string[] } }
    )?.deadLetterTargetArn?.['Fn::GetAtt']?.[0];
    if (target) dlqIds.add(target);
  }
  return [...dlqIds].map((id) => String(template.Resources[id]?.Properties?.QueueName ?? id));
}

/** The dashboard's body: its JSON, whether given as a string or as an Fn::Sub template. */
function dashboardBody(resource: Template['Resources'][string]): unknown {
  const body = resource.Properties?.DashboardBody as string | { 'Fn::Sub'?: string } | undefined;
  const text = typeof body === 'string' ? body : body?.['Fn::Sub'];
  return text === undefined ? undefined : JSON.parse(text);
}

/**
 * One dashboard for the stage (in `owner`) shows every business metric and the depth of every DLQ of
 * every stack: a DLQ missing from it is one nobody watches.
 */
export function checkDashboard(owner: Template, stacks: Template[]): Violation[] {
  const dashboards = Object.entries(owner.Resources).filter(
    ([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard',
  );
  if (dashboards.length !== 1)
    return [
      { resource: 'dashboard', rule: 'dashboard', message: `${dashboards.length} dashboards; expected one` },
    ];
  const [id, resource] = dashboards[0]!;
  const text = JSON.stringify(dashboardBody(resource) ?? {});
  const violations: Violation[] = [];
  for (const metric of DASHBOARD_METRICS)
    if (!text.includes(`MetricName=\\"${metric}\\"`))
      violations.push({ resource: id, rule: 'dashboard', message: `${id} does not show ${metric}` });
  for (const queue of stacks.flatMap(deadLetterQueueNames))
    if (!text.includes(`"QueueName","${queue}"`))
      violations.push({
        resource: id,
        rule: 'dashboard',
        message: `${id} does not show the depth of ${queue}`,
      });
  return violations;
}
