// A consumer's infrastructure from its one declaration (@qdn/shared/consumers, each service's
// src/consumers.ts): what used to be ~55 lines of YAML pasted per consumer. osls calls consumers.cjs
// while it reads a service's serverless.yml (a `${file(…)}` variable), so `npm run package`, the deploy
// and the local cloud (which reads `serverless print`) all see the same resources. Plain data in, plain
// CloudFormation out: test/unit/consumers.test.ts checks a declaration produces every piece.
import type { ConsumerDeclaration } from '@qdn/shared/consumers';

type Cfn = Record<string, unknown>;

/** `crew-status` → `CrewStatus` (logical ids), `crewStatus` (the function's key). */
export const pascalCase = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
export const functionKey = (name: string) => pascalCase(name).replace(/^./, (letter) => letter.toLowerCase());

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });
/** The service whose stack creates the ops topic (OpsTopic) and exports it to the others. */
const OPS_TOPIC_OWNER = 'jobs';
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

export interface ConsumerInfrastructure {
  /** serverless `functions` entries, by function key. */
  functions: Record<string, Cfn>;
  /** CloudFormation resources, by logical id. */
  Resources: Record<string, Cfn>;
  /** OPS_CONSUMERS for the ops routes: name → queue, DLQ, purpose and rule (Fn::Sub, resolved at deploy). */
  opsConsumers: Cfn;
  /** The consumers' queues and DLQs (the ops grants name them). */
  queueArns: Cfn[];
  dlqArns: Cfn[];
  queueAndDlqArns: Cfn[];
}

/** Every piece of one service's consumers. `service` is the folder name (`notifications`). */
export function consumerInfrastructure(
  service: string,
  declarations: readonly ConsumerDeclaration[],
): ConsumerInfrastructure {
  const infrastructure: ConsumerInfrastructure = {
    functions: {},
    Resources: {},
    opsConsumers: {},
    queueArns: [],
    dlqArns: [],
    queueAndDlqArns: [],
  };
  const ops: string[] = [];
  for (const consumer of declarations) {
    const id = pascalCase(consumer.name);
    const queue = `${id}Queue`;
    const dlq = `${id}Dlq`;
    const rule = `${id}Rule`;
    const queueName = `qdn-\${sls:stage}-${service}-${consumer.name}`;
    const resources: Record<string, Cfn> = {};
    const from = consumer.from;

    if ('bus' in from || 'rule' in from) {
      const pattern =
        'bus' in from
          ? {
              source: from.bus.source === 'qdn.*' ? [{ prefix: 'qdn.' }] : [from.bus.source],
              ...(from.bus.detailTypes ? { 'detail-type': [...from.bus.detailTypes] } : {}),
              ...(from.bus.detail ? { detail: from.bus.detail } : {}),
            }
          : from.rule.pattern;
      resources[rule] = {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: `qdn-\${sls:stage}-${consumer.name}`,
          Description: 'bus' in from ? from.bus.description : from.rule.description,
          EventBusName: 'bus' in from ? '${param:eventBusName}' : from.rule.eventBusName,
          EventPattern: pattern,
          Targets: [{ Id: `${consumer.name}-queue`, Arn: getAtt(queue) }],
        },
      };
    }
    if ('schedules' in from) {
      // One-time schedules (@qdn/shared/scheduler) in the service's own group, sending through a role
      // that can do nothing but send to this queue.
      resources[`${id}ScheduleGroup`] = {
        Type: 'AWS::Scheduler::ScheduleGroup',
        Properties: { Name: `qdn-\${sls:stage}-${service}-${consumer.name}` },
      };
      resources[`${id}SchedulerRole`] = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `EventBridge Scheduler sends ${consumer.name} work to its queue when due`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'scheduler.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'send-to-queue',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(queue) }],
              },
            },
          ],
        },
      };
    }
    if ('topic' in from) {
      resources[`${id}Subscription`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { 'Fn::ImportValue': `qdn-\${sls:stage}-${from.topic.exportSuffix}` },
          Protocol: 'sqs',
          Endpoint: getAtt(queue),
          RawMessageDelivery: true,
        },
      };
    }
    resources[queue] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: queueName,
        VisibilityTimeout: '${param:sqsVisibilityTimeout}',
        RedrivePolicy: { deadLetterTargetArn: getAtt(dlq), maxReceiveCount: '${param:maxReceiveCount}' },
      },
    };
    resources[dlq] = {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: `${queueName}-dlq`, MessageRetentionPeriod: DLQ_RETENTION_SECONDS },
    };
    // Only the consumer's own rule (or topic) may send to its queue.
    const sender =
      'topic' in from
        ? {
            principal: 'sns.amazonaws.com',
            arn: { 'Fn::ImportValue': `qdn-\${sls:stage}-${from.topic.exportSuffix}` },
          }
        : 'sentBy' in from || 'schedules' in from
          ? undefined
          : { principal: 'events.amazonaws.com', arn: getAtt(rule) };
    if (sender) {
      resources[`${id}QueuePolicy`] = {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: sender.principal },
                Action: 'sqs:SendMessage',
                Resource: getAtt(queue),
                Condition: { ArnEquals: { 'aws:SourceArn': sender.arn } },
              },
            ],
          },
        },
      };
    }
    resources[`${id}DlqAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${queueName}-dlq`,
        AlarmDescription: `${consumer.whenDeadLettered}; review under /ops/${service}/dlqs/${consumer.name}.`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(dlq, 'QueueName') }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        // The owner's own alarms name the topic directly: a stack cannot import its own export (on a
        // first deploy the export does not exist yet, and CloudFormation rolls the stack back).
        AlarmActions: [
          service === OPS_TOPIC_OWNER
            ? { Ref: 'OpsTopic' }
            : { 'Fn::ImportValue': 'qdn-${sls:stage}-OpsTopicArn' },
        ],
      },
    };
    Object.assign(infrastructure.Resources, resources);

    infrastructure.functions[functionKey(consumer.name)] = {
      handler: consumer.handler,
      ...(consumer.environment ? { environment: `\${self:custom.${consumer.environment}}` } : {}),
      ...(consumer.memorySize ? { memorySize: consumer.memorySize } : {}),
      ...(consumer.timeout ? { timeout: consumer.timeout } : {}),
      // Its own role: the failure records every consumer writes, and what its code path calls.
      iamRoleStatements: ['recordFailure', ...consumer.grants].map(
        (grant) => `\${self:custom.grants.${grant}}`,
      ),
      events: [
        {
          sqs: {
            arn: getAtt(queue),
            batchSize: consumer.batchSize ?? 10,
            maximumBatchingWindow: '${param:sqsBatchWindow}',
            maximumConcurrency: consumer.maxConcurrency ?? '${param:sqsMaxConcurrency}',
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
    };
    infrastructure.queueArns.push(getAtt(queue));
    infrastructure.dlqArns.push(getAtt(dlq));
    const replayable = 'bus' in from;
    ops.push(
      `${JSON.stringify(consumer.name)}: {"queueUrl": "\${${queue}}", "queueArn": "\${${queue}.Arn}", ` +
        `"dlqUrl": "\${${dlq}}", "dlqArn": "\${${dlq}.Arn}", "purpose": ${JSON.stringify(consumer.purpose)}, ` +
        `"replayable": ${replayable}}`,
    );
  }
  infrastructure.queueAndDlqArns = [...infrastructure.queueArns, ...infrastructure.dlqArns];
  infrastructure.opsConsumers = { 'Fn::Sub': `{${ops.join(', ')}}` };
  return infrastructure;
}
