// Rules every packaged CloudFormation template must follow (issue "Foundation" §7, ARCHITECTURE.md §5).
// Pure functions over the template JSON, so they are unit-tested on broken fixtures and run over the
// real templates by test/infra/templates.test.ts.

export interface Template {
  Resources: Record<string, Resource>;
}
export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface Violation {
  resource: string;
  rule: string;
  message: string;
}

const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
const DATA_PLANE_SERVICES = ['dynamodb', 's3', 'sqs', 'sns', 'events'];

/** The logical id a `Ref` or `Fn::GetAtt` points at, if the value is one. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

function props(resource: Resource | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every queue that triggers a function has a DLQ (maxReceiveCount 3–10) that keeps messages 14 days. */
export function checkQueueDeadLetters(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const queueId = referencedLogicalId(props(mapping).EventSourceArn);
    const queue = queueId ? template.Resources[queueId] : undefined;
    if (!queueId || queue?.Type !== 'AWS::SQS::Queue') continue;
    const redrive = props(queue).RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
      | undefined;
    if (!redrive) {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId} triggers ${id} but has no RedrivePolicy`,
      });
      continue;
    }
    const maxReceiveCount = Number(redrive.maxReceiveCount);
    if (!(maxReceiveCount >= 3 && maxReceiveCount <= 10)) {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId} has maxReceiveCount ${String(redrive.maxReceiveCount)}; expected 3–10`,
      });
    }
    const dlqId = referencedLogicalId(redrive.deadLetterTargetArn);
    const dlq = dlqId ? template.Resources[dlqId] : undefined;
    if (!dlqId || dlq?.Type !== 'AWS::SQS::Queue') {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId}'s DLQ is not a queue in this stack`,
      });
    } else if (Number(props(dlq).MessageRetentionPeriod) !== DLQ_RETENTION_SECONDS) {
      violations.push({
        resource: dlqId,
        rule: 'dlq',
        message: `DLQ ${dlqId} must keep messages 14 days (1209600 s)`,
      });
    }
  }
  return violations;
}

/** Every SQS and stream trigger reports partial batch failures, so one bad record never fails its batch. */
export function checkBatchItemFailures(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(
      ([, mapping]) =>
        !asArray(props(mapping).FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
    )
    .map(([id]) => ({
      resource: id,
      rule: 'batch-item-failures',
      message: `${id} does not report batch item failures`,
    }));
}

/** A rule may send to a queue only through a queue policy that admits that rule and nothing else. */
export function checkRuleQueuePolicies(template: Template): Violation[] {
  const violations: Violation[] = [];
  const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
  for (const [ruleId, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    for (const target of asArray(props(rule).Targets as { Arn?: unknown }[])) {
      const queueId = referencedLogicalId(target.Arn);
      if (!queueId || template.Resources[queueId]?.Type !== 'AWS::SQS::Queue') continue;
      const policy = policies.find(([, candidate]) =>
        asArray(props(candidate).Queues).some((queue) => referencedLogicalId(queue) === queueId),
      );
      if (!policy) {
        violations.push({
          resource: queueId,
          rule: 'queue-policy',
          message: `rule ${ruleId} targets ${queueId}, which has no queue policy`,
        });
        continue;
      }
      const statements = asArray(
        (props(policy[1]).PolicyDocument as { Statement?: unknown })?.Statement,
      ) as Record<string, unknown>[];
      for (const statement of statements) {
        const sourceArn = (statement.Condition as Record<string, Record<string, unknown>> | undefined)
          ?.ArnEquals?.['aws:SourceArn'];
        if (statement.Effect === 'Allow' && referencedLogicalId(sourceArn) !== ruleId) {
          violations.push({
            resource: policy[0],
            rule: 'queue-policy',
            message: `${policy[0]} allows more than rule ${ruleId} (each Allow needs ArnEquals aws:SourceArn of the rule)`,
          });
        }
      }
    }
  }
  return violations;
}

/** Tables are on-demand with point-in-time recovery. */
export function checkTables(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    if (props(table).BillingMode !== 'PAY_PER_REQUEST') {
      violations.push({ resource: id, rule: 'table', message: `${id} must be on-demand (PAY_PER_REQUEST)` });
    }
    const pitr = props(table).PointInTimeRecoverySpecification as
      | { PointInTimeRecoveryEnabled?: boolean }
      | undefined;
    if (pitr?.PointInTimeRecoveryEnabled !== true) {
      violations.push({ resource: id, rule: 'table', message: `${id} must have point-in-time recovery` });
    }
  }
  return violations;
}

function policyStatements(resource: Resource): Record<string, unknown>[] {
  const documents: unknown[] = [];
  if (resource.Type === 'AWS::IAM::Role') {
    for (const policy of asArray(props(resource).Policies as { PolicyDocument?: unknown }[]))
      documents.push(policy.PolicyDocument);
  } else if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
    documents.push(props(resource).PolicyDocument);
  }
  return documents.flatMap((document) =>
    asArray((document as { Statement?: unknown } | undefined)?.Statement),
  ) as Record<string, unknown>[];
}

/** No data-plane action on `Resource: "*"`, and no action wildcards such as `dynamodb:*`. */
export function checkIamLeastPrivilege(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const statement of policyStatements(resource)) {
      if (statement.Effect !== 'Allow') continue;
      const actions = asArray(statement.Action as string | string[]);
      const wildcard = actions.filter(
        (action) => typeof action === 'string' && (action === '*' || action.endsWith(':*')),
      );
      if (wildcard.length > 0) {
        violations.push({
          resource: id,
          rule: 'iam',
          message: `${id} grants wildcard actions ${wildcard.join(', ')}`,
        });
      }
      const dataPlane = actions.filter(
        (action) =>
          typeof action === 'string' && DATA_PLANE_SERVICES.includes(action.split(':')[0]!.toLowerCase()),
      );
      if (dataPlane.length > 0 && asArray(statement.Resource).some((resourceArn) => resourceArn === '*')) {
        violations.push({
          resource: id,
          rule: 'iam',
          message: `${id} grants ${dataPlane.join(', ')} on Resource "*"`,
        });
      }
    }
  }
  return violations;
}

/** Every log group has a retention, so logs don't pile up (and cost) forever. */
export function checkLogRetention(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Logs::LogGroup')
    .filter(([, group]) => !(Number(props(group).RetentionInDays) > 0))
    .map(([id]) => ({ resource: id, rule: 'log-retention', message: `${id} has no RetentionInDays` }));
}

/** Every function runs nodejs24.x on arm64. */
export function checkRuntime(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Lambda::Function')
    .filter(
      ([, fn]) => props(fn).Runtime !== 'nodejs24.x' || !asArray(props(fn).Architectures).includes('arm64'),
    )
    .map(([id, fn]) => ({
      resource: id,
      rule: 'runtime',
      message: `${id} runs ${String(props(fn).Runtime)} on ${String(props(fn).Architectures)}; expected nodejs24.x on arm64`,
    }));
}

/** Every DLQ (a queue another queue's RedrivePolicy or a stream's onFailure points at) has a depth alarm. */
export function checkDlqAlarms(template: Template): Violation[] {
  const dlqIds = new Set<string>();
  for (const [, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const dlqId = referencedLogicalId(
      (props(queue).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
    );
    if (dlqId) dlqIds.add(dlqId);
  }
  for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const destination = (
      props(mapping).DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
    )?.OnFailure?.Destination;
    const dlqId = referencedLogicalId(destination);
    if (dlqId && template.Resources[dlqId]?.Type === 'AWS::SQS::Queue') dlqIds.add(dlqId);
  }
  const alarmed = new Set(
    resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .filter(
        ([, alarm]) => props(alarm).Namespace === 'AWS/SQS' && asArray(props(alarm).AlarmActions).length > 0,
      )
      .flatMap(([, alarm]) =>
        asArray(props(alarm).Dimensions as { Name?: string; Value?: unknown }[])
          .filter((dimension) => dimension.Name === 'QueueName')
          .map((dimension) => referencedLogicalId(dimension.Value)),
      ),
  );
  return [...dlqIds]
    .filter((dlqId) => !alarmed.has(dlqId))
    .map((dlqId) => ({
      resource: dlqId,
      rule: 'dlq-alarm',
      message: `DLQ ${dlqId} has no depth alarm that notifies anyone`,
    }));
}

/** A queue's visibility timeout must cover its consumer's timeout, or a slow batch is delivered twice. */
export function checkVisibilityTimeouts(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const queueId = referencedLogicalId(props(mapping).EventSourceArn);
    const fnId = referencedLogicalId(props(mapping).FunctionName);
    const queue = queueId ? template.Resources[queueId] : undefined;
    const fn = fnId ? template.Resources[fnId] : undefined;
    if (queue?.Type !== 'AWS::SQS::Queue' || !fn) continue;
    const visibility = Number(props(queue).VisibilityTimeout ?? 30);
    const timeout = Number(props(fn).Timeout ?? 6);
    if (visibility < timeout) {
      violations.push({
        resource: id,
        rule: 'visibility',
        message: `${queueId} visibility ${visibility}s is shorter than ${fnId} timeout ${timeout}s`,
      });
    }
  }
  return violations;
}

export const ALL_CHECKS = [
  checkQueueDeadLetters,
  checkBatchItemFailures,
  checkRuleQueuePolicies,
  checkTables,
  checkIamLeastPrivilege,
  checkLogRetention,
  checkRuntime,
  checkDlqAlarms,
  checkVisibilityTimeouts,
];

/** Runs every check over one template. */
export function checkTemplate(template: Template): Violation[] {
  return ALL_CHECKS.flatMap((check) => check(template));
}
