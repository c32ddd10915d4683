// Creates what the services' serverless.yml files declare — tables, queues, topics, buckets, the bus,
// its archive and rules — in the local emulators, idempotently (a restart with a data dir finds them
// already there), and says what each logical id evaluates to for Ref / Fn::GetAtt.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  type EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import {
  type DeclaredResource,
  declaredResources,
  IntrinsicResolver,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type ResourceValues,
} from './cloudformation.ts';
import type { ServiceTopology } from './topology.ts';

export interface ProvisionContext {
  services: ServiceTopology[];
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  sns: SNSClient;
  s3: S3Client;
  fauxqs: FauxqsServer;
  /** The Scheduler emulator, where AWS::Scheduler::ScheduleGroup resources are made. */
  scheduleGroups?: { ensureGroup(name: string): void };
  apiBaseUrl: string;
  /** The local identity provider's user pool id and app client id (the JWT issuer and audience). */
  userPoolId: string;
  userPoolClientId: string;
}

export interface QueueInfo {
  service: string;
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  visibilityTimeout: number;
  deadLetterArn?: string;
  maxReceiveCount?: number;
}

export interface ProvisionedCloud {
  resolver: IntrinsicResolver;
  queues: Map<string, QueueInfo>;
  tables: Map<string, { name: string; streamArn?: string }>;
  buckets: Map<string, { name: string; eventBridge: boolean }>;
  topics: Map<string, { name: string; arn: string }>;
  rules: { name: string; bus: string; arn: string }[];
}

const arnOf = (service: string, resource: string) =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;

function prop<T>(resource: DeclaredResource, name: string): T | undefined {
  return resource.properties[name] as T | undefined;
}

/**
 * A resource's name as the template gives it: a string, or an Fn::Sub over pseudo parameters only (the
 * buckets carry the account and region: `qdn-<stage>-media-${AWS::AccountId}-${AWS::Region}`). Names
 * come before any resource exists, so nothing else can be substituted here.
 */
function staticName(value: unknown, resource: DeclaredResource): string {
  const sub = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof value !== 'object' || value === null) return String(value);
  if (typeof sub !== 'string')
    throw new Error(
      `${resource.service}.${resource.logicalId}: a name must be a string or an Fn::Sub string`,
    );
  const pseudo: Record<string, string> = {
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Region': LOCAL_REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return sub.replace(/\$\{([^}!]+)\}/g, (placeholder, variable: string) => {
    const known = pseudo[variable];
    if (known === undefined)
      throw new Error(
        `${resource.service}.${resource.logicalId}: ${placeholder} in a name has no local value`,
      );
    return known;
  });
}

/** Ref/GetAtt values that follow from names alone (everything but stream ARNs). */
export function staticValues(
  resource: DeclaredResource,
  context: ProvisionContext,
): ResourceValues | undefined {
  const name = (key: string) => staticName(prop(resource, key) ?? resource.logicalId, resource);
  switch (resource.type) {
    case 'AWS::DynamoDB::Table': {
      const tableName = name('TableName');
      return { ref: tableName, attributes: { Arn: arnOf('dynamodb', `table/${tableName}`) } };
    }
    case 'AWS::SQS::Queue': {
      const queueName = name('QueueName');
      const url = `${context.fauxqs.address}/${LOCAL_ACCOUNT}/${queueName}`;
      return { ref: url, attributes: { Arn: arnOf('sqs', queueName), QueueName: queueName, QueueUrl: url } };
    }
    case 'AWS::SNS::Topic': {
      const topicName = name('TopicName');
      const arn = arnOf('sns', topicName);
      return { ref: arn, attributes: { TopicArn: arn, TopicName: topicName } };
    }
    case 'AWS::S3::Bucket': {
      const bucket = name('BucketName');
      return {
        ref: bucket,
        attributes: { Arn: `arn:aws:s3:::${bucket}`, DomainName: `${bucket}.s3.localhost` },
      };
    }
    case 'AWS::Events::EventBus': {
      const bus = name('Name');
      return { ref: bus, attributes: { Arn: arnOf('events', `event-bus/${bus}`), Name: bus } };
    }
    case 'AWS::Events::Archive': {
      const archive = name('ArchiveName');
      return { ref: archive, attributes: { Arn: arnOf('events', `archive/${archive}`) } };
    }
    case 'AWS::Events::Rule': {
      const rule = name('Name');
      return { ref: rule, attributes: { Arn: '' } };
    }
    case 'AWS::Cognito::UserPool':
      return {
        ref: context.userPoolId,
        attributes: {
          Arn: arnOf('cognito-idp', `userpool/${context.userPoolId}`),
          ProviderURL: `cognito-idp.${LOCAL_REGION}.amazonaws.com/${context.userPoolId}`,
        },
      };
    case 'AWS::Cognito::UserPoolClient':
      return { ref: context.userPoolClientId, attributes: {} };
    case 'AWS::Cognito::UserPoolGroup':
      return { ref: name('GroupName'), attributes: {} };
    case 'AWS::Location::PlaceIndex': {
      const index = name('IndexName');
      return { ref: index, attributes: { Arn: arnOf('geo', `place-index/${index}`), IndexName: index } };
    }
    case 'AWS::Scheduler::ScheduleGroup': {
      const group = name('Name');
      return { ref: group, attributes: { Arn: arnOf('scheduler', `schedule-group/${group}`) } };
    }
    case 'AWS::IAM::Role': {
      // Nothing checks roles locally, but a role's ARN is what a schedule's target names (RoleArn),
      // and the emulator checks its shape as Scheduler does. IAM ARNs have no region.
      // A name built from the stack (`${AWS::StackName}-…`) has no local value: the logical id stands in.
      let role: string;
      try {
        role = name('RoleName');
      } catch {
        role = resource.logicalId;
      }
      return {
        ref: role,
        attributes: {
          Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${role}`,
          RoleId: `AROA${role.toUpperCase()}`,
        },
      };
    }
    default:
      return { ref: resource.logicalId, attributes: {} };
  }
}

/** Resources serverless generates itself (the HTTP API and its authorizers), which `print` doesn't show. */
function generatedValues(logicalId: string, context: ProvisionContext): ResourceValues | undefined {
  if (logicalId === 'HttpApi') return { ref: 'local', attributes: { ApiEndpoint: context.apiBaseUrl } };
  const authorizer = /^HttpApiAuthorizer(.+)$/.exec(logicalId);
  if (authorizer) return { ref: `authorizer-${authorizer[1]!.toLowerCase()}`, attributes: {} };
  return undefined;
}

async function provisionTable(client: DynamoDBClient, input: CreateTableCommandInput, ttlAttribute?: string) {
  try {
    await client.send(new CreateTableCommand(input));
    if (ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: input.TableName,
          TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  let { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  // A table kept from an earlier run gets the indexes its serverless.yml has gained since.
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    ({ Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName })));
  }
  return Table?.LatestStreamArn;
}

function tableInput(
  resource: DeclaredResource,
  resolve: (value: unknown) => unknown,
): CreateTableCommandInput {
  const p = resolve(resource.properties) as Record<string, unknown>;
  const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
  // DynamoDB Local wants throughput on GSIs only when provisioned; on-demand tables omit it.
  return {
    TableName: p.TableName as string,
    AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes:
      (p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes']) ?? undefined,
    LocalSecondaryIndexes:
      (p.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes']) ?? undefined,
    StreamSpecification: stream?.StreamViewType
      ? { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES' }
      : undefined,
  };
}

function queueAttributes(properties: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  const mapping: Record<string, string> = {
    VisibilityTimeout: 'VisibilityTimeout',
    MessageRetentionPeriod: 'MessageRetentionPeriod',
    DelaySeconds: 'DelaySeconds',
    MaximumMessageSize: 'MaximumMessageSize',
    ReceiveMessageWaitTimeSeconds: 'ReceiveMessageWaitTimeSeconds',
    FifoQueue: 'FifoQueue',
    ContentBasedDeduplication: 'ContentBasedDeduplication',
  };
  for (const [property, attribute] of Object.entries(mapping)) {
    if (properties[property] !== undefined) attributes[attribute] = String(properties[property]);
  }
  if (properties.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(properties.RedrivePolicy);
  return attributes;
}

/**
 * Provisions every declared resource. Tables first (their stream ARNs are only known once they
 * exist), then queues (dead-letter queues before the queues that redrive into them), topics and
 * subscriptions, buckets, and finally the buses, archives, rules and targets in the EventBridge emulator.
 */
export async function provisionCloud(context: ProvisionContext): Promise<ProvisionedCloud> {
  const values = new Map<string, ResourceValues>();
  const key = (service: string, logicalId: string) => `${service}/${logicalId}`;
  const resources = declaredResources(context.services);
  for (const resource of resources) {
    const value = staticValues(resource, context);
    if (value) values.set(key(resource.service, resource.logicalId), value);
  }
  const resolver = new IntrinsicResolver(
    context.services,
    (service, logicalId) => values.get(key(service, logicalId)) ?? generatedValues(logicalId, context),
  );
  const active = resources.filter((resource) =>
    resolver.conditionHolds(resource.service, (resource as unknown as { condition?: string }).condition),
  );
  const resolve = (resource: DeclaredResource) => (value: unknown) =>
    resolver.resolve(resource.service, value);
  const ofType = (type: string) => active.filter((resource) => resource.type === type);

  const tables = new Map<string, { name: string; streamArn?: string }>();
  await Promise.all(
    ofType('AWS::DynamoDB::Table').map(async (resource) => {
      const input = tableInput(resource, resolve(resource));
      const ttl = (
        resource.properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean }
      )?.AttributeName;
      const streamArn = await provisionTable(context.dynamodb, input, ttl);
      const value = values.get(key(resource.service, resource.logicalId))!;
      if (streamArn) value.attributes.StreamArn = streamArn;
      tables.set(key(resource.service, resource.logicalId), { name: input.TableName!, streamArn });
    }),
  );

  const queues = new Map<string, QueueInfo>();
  const queueResources = ofType('AWS::SQS::Queue').sort(
    (a, b) => Number(Boolean(a.properties.RedrivePolicy)) - Number(Boolean(b.properties.RedrivePolicy)),
  );
  for (const resource of queueResources) {
    const properties = resolve(resource)(resource.properties) as Record<string, unknown>;
    const attributes = queueAttributes(properties);
    const value = values.get(key(resource.service, resource.logicalId))!;
    const name = value.attributes.QueueName!;
    // fauxqs's createQueue replaces an existing queue (messages included), so a queue that survived a
    // restart only gets its attributes brought up to date.
    const existing = context.fauxqs.inspectQueue(name);
    let url: string;
    if (existing) {
      url = existing.url;
      await context.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    } else {
      url = context.fauxqs.createQueue(name, { region: LOCAL_REGION, attributes }).queueUrl;
    }
    value.ref = url;
    value.attributes.QueueUrl = url;
    const redrive = properties.RedrivePolicy as
      | { deadLetterTargetArn?: string; maxReceiveCount?: number }
      | undefined;
    queues.set(value.attributes.Arn!, {
      service: resource.service,
      logicalId: resource.logicalId,
      name,
      url,
      arn: value.attributes.Arn!,
      visibilityTimeout: Number(properties.VisibilityTimeout ?? 30),
      deadLetterArn: redrive?.deadLetterTargetArn,
      maxReceiveCount: redrive?.maxReceiveCount === undefined ? undefined : Number(redrive.maxReceiveCount),
    });
  }

  const topics = new Map<string, { name: string; arn: string }>();
  for (const resource of ofType('AWS::SNS::Topic')) {
    const value = values.get(key(resource.service, resource.logicalId))!;
    const name = value.attributes.TopicName!;
    // CreateTopic and Subscribe through the API are idempotent, unlike fauxqs's programmatic helpers.
    await context.sns.send(new CreateTopicCommand({ Name: name }));
    topics.set(value.ref, { name, arn: value.ref });
  }
  for (const resource of ofType('AWS::SNS::Subscription')) {
    const properties = resolve(resource)(resource.properties) as Record<string, unknown>;
    // Only SQS subscriptions have a local counterpart; email/SMS subscriptions are for people in AWS.
    if (properties.Protocol !== 'sqs') continue;
    const topic = topics.get(String(properties.TopicArn));
    const queue = queues.get(String(properties.Endpoint));
    if (!topic || !queue) continue;
    await context.sns.send(
      new SubscribeCommand({
        TopicArn: topic.arn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: {
          ...(properties.RawMessageDelivery
            ? { RawMessageDelivery: String(properties.RawMessageDelivery) }
            : {}),
          ...(properties.FilterPolicy ? { FilterPolicy: JSON.stringify(properties.FilterPolicy) } : {}),
        },
      }),
    );
  }

  const buckets = new Map<string, { name: string; eventBridge: boolean }>();
  for (const resource of ofType('AWS::S3::Bucket')) {
    const name = values.get(key(resource.service, resource.logicalId))!.ref;
    try {
      await context.s3.send(new HeadBucketCommand({ Bucket: name }));
    } catch {
      await context.s3.send(new CreateBucketCommand({ Bucket: name }));
    }
    const notification = resource.properties.NotificationConfiguration as
      | { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean } }
      | undefined;
    buckets.set(name, {
      name,
      eventBridge: notification?.EventBridgeConfiguration?.EventBridgeEnabled === true,
    });
  }

  for (const resource of ofType('AWS::Events::EventBus')) {
    try {
      await context.eventBridge.send(
        new CreateEventBusCommand({ Name: values.get(key(resource.service, resource.logicalId))!.ref }),
      );
    } catch (error) {
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
    }
  }
  for (const resource of ofType('AWS::Events::Archive')) {
    const properties = resolve(resource)(resource.properties) as Record<string, unknown>;
    const input = {
      ArchiveName: String(properties.ArchiveName),
      EventPattern: properties.EventPattern ? JSON.stringify(properties.EventPattern) : undefined,
      RetentionDays: properties.RetentionDays === undefined ? undefined : Number(properties.RetentionDays),
    };
    try {
      await context.eventBridge.send(
        new CreateArchiveCommand({ ...input, EventSourceArn: String(properties.SourceArn) }),
      );
    } catch (error) {
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
      await context.eventBridge.send(new UpdateArchiveCommand(input));
    }
  }
  for (const resource of ofType('AWS::Scheduler::ScheduleGroup')) {
    context.scheduleGroups?.ensureGroup(values.get(key(resource.service, resource.logicalId))!.ref);
  }
  const rules: ProvisionedCloud['rules'] = [];
  for (const resource of ofType('AWS::Events::Rule')) {
    const properties = resolve(resource)(resource.properties) as Record<string, unknown>;
    const bus = String(properties.EventBusName ?? 'default');
    const { RuleArn } = await context.eventBridge.send(
      new PutRuleCommand({
        Name: String(properties.Name),
        EventBusName: bus,
        EventPattern: properties.EventPattern ? JSON.stringify(properties.EventPattern) : undefined,
        ScheduleExpression: properties.ScheduleExpression as string | undefined,
        State: (properties.State as 'ENABLED' | 'DISABLED' | undefined) ?? 'ENABLED',
        Description: properties.Description as string | undefined,
      }),
    );
    values.get(key(resource.service, resource.logicalId))!.attributes.Arn = RuleArn ?? '';
    const targets = (properties.Targets as Record<string, unknown>[] | undefined) ?? [];
    if (targets.length > 0) {
      await context.eventBridge.send(
        new PutTargetsCommand({
          Rule: String(properties.Name),
          EventBusName: bus,
          Targets: targets as never,
        }),
      );
    }
    rules.push({ name: String(properties.Name), bus, arn: RuleArn ?? '' });
  }

  return { resolver, queues, tables, buckets, topics, rules };
}
