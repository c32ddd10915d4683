import { describe, expect, it } from '@jest/globals';
import type { DynamoDBRecord } from 'aws-lambda';
import { IntrinsicResolver, UnresolvableError } from '../../src/cloudformation.ts';
import { type ProvisionContext, staticValues } from '../../src/provision.ts';
import type { ServiceTopology } from '../../src/topology.ts';
import { firstFailedIndex, streamsWritableBy, tableOfStream } from '../../src/triggers/dynamodb-stream.ts';
import { succeededMessages } from '../../src/triggers/sqs.ts';

describe('SQS partial batch responses (Lambda rules)', () => {
  const messages = [{ MessageId: 'a' }, { MessageId: 'b' }, { MessageId: 'c' }];
  const ids = (result: unknown, report = true) =>
    succeededMessages(messages, result, report).map((m) => m.MessageId);

  it('given reported failures, then only the others succeed', () => {
    expect(ids({ batchItemFailures: [{ itemIdentifier: 'b' }] })).toEqual(['a', 'c']);
  });

  it('given an empty list, null or no field, then the whole batch succeeded', () => {
    expect(ids({ batchItemFailures: [] })).toEqual(['a', 'b', 'c']);
    expect(ids(null)).toEqual(['a', 'b', 'c']);
    expect(ids({})).toEqual(['a', 'b', 'c']);
  });

  it('given an unknown or empty identifier, then the whole batch failed', () => {
    expect(ids({ batchItemFailures: [{ itemIdentifier: 'zzz' }] })).toEqual([]);
    expect(ids({ batchItemFailures: [{ itemIdentifier: '' }] })).toEqual([]);
    expect(ids({ batchItemFailures: 'nope' })).toEqual([]);
  });

  it('given a function without ReportBatchItemFailures, then its response is ignored', () => {
    expect(ids({ batchItemFailures: [{ itemIdentifier: 'b' }] }, false)).toEqual(['a', 'b', 'c']);
  });
});

describe('which stream triggers an invocation wakes', () => {
  const jobsStream =
    'arn:aws:dynamodb:us-west-2:000000000000:table/qdn-local-jobs/stream/2026-12-05T09:00:00.000';
  const messagesStream =
    'arn:aws:dynamodb:us-west-2:000000000000:table/qdn-local-notifications-messages/stream/2026-12-05T09:00:00.000';
  const triggers = [jobsStream, messagesStream].map((arn) => ({ arn, tableName: tableOfStream(arn) }));

  it("reads a stream's table from its ARN", () => {
    expect(triggers.map((trigger) => trigger.tableName)).toEqual([
      'qdn-local-jobs',
      'qdn-local-notifications-messages',
    ]);
    expect(tableOfStream('not-an-arn')).toBe('');
  });

  it('given a function naming tables in its environment, then only their streams: exact names, not prefixes', () => {
    const woken = (environment: Record<string, string> | undefined) =>
      streamsWritableBy(environment, triggers).map((trigger) => trigger.arn);
    expect(woken({ JOBS_TABLE: 'qdn-local-jobs', FAILURES_TABLE: 'qdn-local-jobs-failures' })).toEqual([
      jobsStream,
    ]);
    expect(woken({ MESSAGES_TABLE: 'qdn-local-notifications-messages', STAGE: 'local' })).toEqual([
      messagesStream,
    ]);
    expect(woken({ JOB_LOCATIONS_TABLE: 'qdn-local-jobs-locations' })).toEqual([]);
    expect(woken(undefined)).toEqual([]);
  });
});

describe('stream partial batch responses', () => {
  const records = ['100', '200', '300'].map(
    (SequenceNumber) => ({ dynamodb: { SequenceNumber } }) as DynamoDBRecord,
  );

  it('resumes from the earliest failed record', () => {
    expect(
      firstFailedIndex(records, {
        batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }],
      }),
    ).toBe(1);
    expect(firstFailedIndex(records, { batchItemFailures: [] })).toBe(-1);
    expect(firstFailedIndex(records, { batchItemFailures: [{ itemIdentifier: 'unknown' }] })).toBe(0);
  });
});

describe('IntrinsicResolver', () => {
  const services = [
    {
      name: 'jobs',
      dir: '/x',
      config: {
        service: 'qdn-jobs',
        provider: { stage: 'local', region: 'us-west-2' },
        resources: {
          Conditions: { HasEmail: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] } },
          Resources: {},
          Outputs: {
            BusArn: {
              Value: { 'Fn::GetAtt': ['EventBus', 'Arn'] },
              Export: { Name: 'qdn-local-EventBusArn' },
            },
          },
        },
      },
    },
    {
      name: 'media',
      dir: '/y',
      config: { service: 'qdn-media', provider: { stage: 'local', region: 'us-west-2' } },
    },
  ] as ServiceTopology[];
  const resolver = new IntrinsicResolver(services, (service, logicalId) =>
    service === 'jobs' && logicalId === 'EventBus'
      ? { ref: 'qdn-local', attributes: { Arn: 'arn:aws:events:us-west-2:000000000000:event-bus/qdn-local' } }
      : service === 'media' && logicalId === 'Bucket'
        ? { ref: 'qdn-local-media', attributes: { Arn: 'arn:aws:s3:::qdn-local-media' } }
        : undefined,
  );

  it('resolves Ref, GetAtt, Sub with pseudo parameters, Join and cross-service ImportValue', () => {
    expect(
      resolver.resolve('media', {
        bucket: { Ref: 'Bucket' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax, not a JS template
        objects: { 'Fn::Sub': '${Bucket.Arn}/photos/* in ${AWS::Region}' },
        joined: { 'Fn::Join': [':', ['a', { Ref: 'AWS::AccountId' }]] },
        bus: { 'Fn::ImportValue': 'qdn-local-EventBusArn' },
      }),
    ).toEqual({
      bucket: 'qdn-local-media',
      objects: 'arn:aws:s3:::qdn-local-media/photos/* in us-west-2',
      joined: 'a:000000000000',
      bus: 'arn:aws:events:us-west-2:000000000000:event-bus/qdn-local',
    });
  });

  it('evaluates conditions', () => {
    expect(resolver.conditionHolds('jobs', 'HasEmail')).toBe(false);
    expect(resolver.conditionHolds('jobs', undefined)).toBe(true);
  });

  it('refuses what has no local value instead of guessing', () => {
    expect(() => resolver.resolve('media', { Ref: 'Nothing' })).toThrow(UnresolvableError);
    expect(() => resolver.resolve('media', { 'Fn::ImportValue': 'qdn-local-Unknown' })).toThrow(
      UnresolvableError,
    );
  });
});

describe('Scheduler resources', () => {
  const context = { fauxqs: { address: 'http://127.0.0.1:1' } } as unknown as ProvisionContext;
  const resource = (logicalId: string, type: string, properties: Record<string, unknown>) => ({
    service: 'notifications',
    logicalId,
    type,
    properties,
  });

  it('gives a ScheduleGroup its name (Ref) and ARN (GetAtt Arn), and a role its name and IAM ARN', () => {
    expect(
      staticValues(
        resource('Deferred', 'AWS::Scheduler::ScheduleGroup', { Name: 'qdn-local-deferred' }),
        context,
      ),
    ).toEqual({
      ref: 'qdn-local-deferred',
      attributes: { Arn: 'arn:aws:scheduler:us-west-2:000000000000:schedule-group/qdn-local-deferred' },
    });
    expect(
      staticValues(resource('SchedulerRole', 'AWS::IAM::Role', { RoleName: 'qdn-local-scheduler' }), context)
        ?.attributes.Arn,
    ).toBe('arn:aws:iam::000000000000:role/qdn-local-scheduler');
  });

  it('names a role whose name is built from the stack after its logical id', () => {
    expect(
      staticValues(
        resource('SchedulerRole', 'AWS::IAM::Role', {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax, not a JS template
          RoleName: { 'Fn::Sub': '${AWS::StackName}-scheduler' },
        }),
        context,
      ),
    ).toMatchObject({
      ref: 'SchedulerRole',
      attributes: { Arn: 'arn:aws:iam::000000000000:role/SchedulerRole' },
    });
  });
});
