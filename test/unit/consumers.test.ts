// biome-ignore-all lint/suspicious/noExplicitAny: the generated CloudFormation is read field by field
import { describe, expect, it } from '@jest/globals';
import { acceptedDetailTypes, defineConsumer } from '@qdn/shared/consumers';
import { consumerInfrastructure, functionKey } from '../../scripts/osls-plugin/consumers.ts';
import { checkTemplate, type Template } from '../infra/checks.ts';

// README "Adding a consumer": the worked example, and what its one declaration produces.
const crewReminders = defineConsumer({
  name: 'crew-reminders',
  purpose: 'Remind the crew of tomorrow’s charter',
  whenDeadLettered: 'Crew reminders were not sent',
  handler: 'src/handlers/remind-crew.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: ['JobScheduleChanged', 'JobAssignmentChanged'],
      description: 'Charter schedule and crew changes.',
    },
  },
  batchSize: 5,
  environment: 'bridgeEnvironment',
  grants: ['readCrew', 'textCrew'],
});

const { functions, Resources, opsConsumers, queueArns, dlqArns } = consumerInfrastructure('scc-bridge', [
  crewReminders,
]);
const resource = (id: string) => Resources[id] as { Type: string; Properties: Record<string, any> };

describe('a consumer declared once', () => {
  it('gets a rule on the bus named qdn-<stage>-<name>, taking exactly its detail-types, sending to its queue', () => {
    expect(resource('CrewRemindersRule')).toEqual({
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'qdn-${sls:stage}-crew-reminders',
        Description: 'Charter schedule and crew changes.',
        EventBusName: '${param:eventBusName}',
        EventPattern: { source: ['qdn.jobs'], 'detail-type': ['JobScheduleChanged', 'JobAssignmentChanged'] },
        Targets: [{ Id: 'crew-reminders-queue', Arn: { 'Fn::GetAtt': ['CrewRemindersQueue', 'Arn'] } }],
      },
    });
  });

  it('gets a queue redriving to its own DLQ (14 days), and a queue policy admitting only its rule', () => {
    expect(resource('CrewRemindersQueue').Properties).toEqual({
      QueueName: 'qdn-${sls:stage}-scc-bridge-crew-reminders',
      VisibilityTimeout: '${param:sqsVisibilityTimeout}',
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['CrewRemindersDlq', 'Arn'] },
        maxReceiveCount: '${param:maxReceiveCount}',
      },
    });
    expect(resource('CrewRemindersDlq').Properties).toEqual({
      QueueName: 'qdn-${sls:stage}-scc-bridge-crew-reminders-dlq',
      MessageRetentionPeriod: 1_209_600,
    });
    const [statement] = resource('CrewRemindersQueuePolicy').Properties.PolicyDocument.Statement;
    expect(resource('CrewRemindersQueuePolicy').Properties.Queues).toEqual([{ Ref: 'CrewRemindersQueue' }]);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['CrewRemindersRule', 'Arn'] } } },
    });
  });

  it('gets a DLQ alarm that notifies the ops topic, saying what a dead letter means and where to review it', () => {
    expect(resource('CrewRemindersDlqAlarm').Properties).toMatchObject({
      AlarmDescription: 'Crew reminders were not sent; review under /ops/scc-bridge/dlqs/crew-reminders.',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['CrewRemindersDlq', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ 'Fn::ImportValue': 'qdn-${sls:stage}-OpsTopicArn' }],
    });
  });

  it('gets its function: the trigger reporting batch item failures, and a role of the grants it names', () => {
    expect(functionKey('crew-reminders')).toBe('crewReminders');
    expect(functions.crewReminders).toEqual({
      handler: 'src/handlers/remind-crew.handler',
      environment: '${self:custom.bridgeEnvironment}',
      iamRoleStatements: [
        '${self:custom.grants.recordFailure}',
        '${self:custom.grants.readCrew}',
        '${self:custom.grants.textCrew}',
      ],
      events: [
        {
          sqs: {
            arn: { 'Fn::GetAtt': ['CrewRemindersQueue', 'Arn'] },
            batchSize: 5,
            maximumBatchingWindow: '${param:sqsBatchWindow}',
            maximumConcurrency: '${param:sqsMaxConcurrency}',
            functionResponseType: 'ReportBatchItemFailures',
          },
        },
      ],
    });
  });

  it('is registered with the ops review (OPS_CONSUMERS) as replayable, and named in the ops grants', () => {
    const json = (opsConsumers as { 'Fn::Sub': string })['Fn::Sub']
      .replace(/\$\{([A-Za-z]+)\.Arn\}/g, 'arn:$1')
      .replace(/\$\{([A-Za-z]+)\}/g, 'https://sqs/$1');
    expect(JSON.parse(json)).toEqual({
      'crew-reminders': {
        queueUrl: 'https://sqs/CrewRemindersQueue',
        queueArn: 'arn:CrewRemindersQueue',
        dlqUrl: 'https://sqs/CrewRemindersDlq',
        dlqArn: 'arn:CrewRemindersDlq',
        purpose: 'Remind the crew of tomorrow’s charter',
        replayable: true,
      },
    });
    expect(queueArns).toEqual([{ 'Fn::GetAtt': ['CrewRemindersQueue', 'Arn'] }]);
    expect(dlqArns).toEqual([{ 'Fn::GetAtt': ['CrewRemindersDlq', 'Arn'] }]);
  });

  it("gives its handler exactly the rule's detail-types (busEvents(...acceptedDetailTypes(consumer)))", () => {
    expect(acceptedDetailTypes(crewReminders)).toEqual(
      resource('CrewRemindersRule').Properties.EventPattern['detail-type'],
    );
  });

  it('passes every infrastructure rule as generated (DLQ, alarm, queue policy, batch failures)', () => {
    const template = {
      Resources: {
        ...Resources,
        // The function's own role as osls writes it, with the trace upload Lambda's active tracing needs.
        CrewRemindersIamRoleLambdaExecution: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [
              {
                PolicyDocument: {
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
                      Resource: '*',
                    },
                  ],
                },
              },
            ],
          },
        },
        CrewRemindersLambdaFunction: {
          Type: 'AWS::Lambda::Function',
          // As osls writes it from provider.tracing.lambda (every service traces through Lambda).
          Properties: {
            Runtime: 'nodejs24.x',
            Architectures: ['arm64'],
            Timeout: 10,
            TracingConfig: { Mode: 'Active' },
            Role: { 'Fn::GetAtt': ['CrewRemindersIamRoleLambdaExecution', 'Arn'] },
          },
        },
        CrewRemindersEventSourceMapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            EventSourceArn: { 'Fn::GetAtt': ['CrewRemindersQueue', 'Arn'] },
            FunctionName: { 'Fn::GetAtt': ['CrewRemindersLambdaFunction', 'Arn'] },
            FunctionResponseTypes: ['ReportBatchItemFailures'],
          },
        },
      },
    } as unknown as Template;
    // The queue's visibility and maxReceiveCount are stage params here, resolved when osls packages.
    (template.Resources.CrewRemindersQueue!.Properties as any).VisibilityTimeout = 60;
    (template.Resources.CrewRemindersQueue!.Properties as any).RedrivePolicy.maxReceiveCount = 5;
    expect(checkTemplate(template)).toEqual([]);
  });

  it('subscribes a topic consumer (raw delivery; the policy admits only that topic) and registers it as not replayable', () => {
    const crew = consumerInfrastructure('notifications', [
      defineConsumer({
        name: 'crew-sms',
        purpose: 'Text a crew member',
        whenDeadLettered: 'Crew messages could not be sent',
        handler: 'src/handlers/send-crew-sms.handler',
        from: { topic: { exportSuffix: 'CrewNotificationsTopicArn' } },
        grants: [],
      }),
    ]);
    const topic = { 'Fn::ImportValue': 'qdn-${sls:stage}-CrewNotificationsTopicArn' };
    expect(crew.Resources.CrewSmsSubscription).toMatchObject({
      Properties: { TopicArn: topic, Protocol: 'sqs', RawMessageDelivery: true },
    });
    expect(crew.Resources.CrewSmsRule).toBeUndefined();
    expect(
      (crew.Resources.CrewSmsQueuePolicy as any).Properties.PolicyDocument.Statement[0].Condition.ArnEquals,
    ).toEqual({ 'aws:SourceArn': topic });
    expect((crew.opsConsumers as { 'Fn::Sub': string })['Fn::Sub']).toContain('"replayable": false');
  });
  it("alarms the ops topic by its export, except in the stack that creates it (jobs), which names it: a stack can't import its own export", () => {
    const declaration = defineConsumer({
      name: 'geocode',
      purpose: 'Place an address on the map',
      whenDeadLettered: 'Addresses could not be placed',
      handler: 'src/handlers/geocode.handler',
      from: { bus: { source: 'qdn.jobs', detailTypes: ['JobCreated'], description: 'New jobs to geocode.' } },
      grants: [],
    });
    const alarmOf = (service: string) =>
      (consumerInfrastructure(service, [declaration]).Resources.GeocodeDlqAlarm as any).Properties
        .AlarmActions;
    expect(alarmOf('jobs')).toEqual([{ Ref: 'OpsTopic' }]);
    expect(alarmOf('media')).toEqual([{ 'Fn::ImportValue': 'qdn-${sls:stage}-OpsTopicArn' }]);
  });
});
