import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  LimitExceededException,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEventBridgeEmulator, type EventBridgeEmulator } from '../../src/eventbridge/emulator.ts';

const REGION = 'us-west-2';
const ACCOUNT = '123456789012';
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

interface SqsMessage {
  queueArn: string;
  body: string;
  messageGroupId?: string;
  at: number;
}

/** A fake SQS that records what it is sent; queues listed in `failingQueues` refuse every message. */
function recordingSqs() {
  const messages: SqsMessage[] = [];
  const failingQueues = new Set<string>();
  return {
    messages,
    failingQueues,
    deliver: {
      sqs: async function recordSqsMessage(arn: string, body: string, options: { messageGroupId?: string }) {
        if (failingQueues.has(arn)) throw new Error(`queue ${arn} is unavailable`);
        messages.push({ queueArn: arn, body, ...options, at: performance.now() });
      },
    },
    bodiesFor(arn: string): unknown[] {
      return messages
        .filter((message) => message.queueArn === arn)
        .map((message) => JSON.parse(message.body));
    },
  };
}

describe('EventBridge emulator driven by the real EventBridgeClient', () => {
  let dataDir: string;
  let emulator: EventBridgeEmulator;
  let client: EventBridgeClient;
  const sqs = recordingSqs();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'eventbridge-api-'));
    emulator = createEventBridgeEmulator({
      dataDir,
      region: REGION,
      accountId: ACCOUNT,
      deliver: sqs.deliver,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
    const { url } = await emulator.listen();
    client = new EventBridgeClient({
      endpoint: url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Given a bus with one rule that sends matching events to `queue`. */
  async function givenRuleToQueue(bus: string, rule: string, pattern: object, queue: string, target = {}) {
    await client.send(
      new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern) }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: bus,
        Targets: [{ Id: 'queue', Arn: queueArn(queue), ...target }],
      }),
    );
  }

  function jobEvent(
    bus: string,
    detail: object,
    overrides: Partial<PutEventsRequestEntry> = {},
  ): PutEventsRequestEntry {
    return {
      EventBusName: bus,
      Source: 'qdn.jobs',
      DetailType: 'JobCreated',
      Detail: JSON.stringify(detail),
      ...overrides,
    };
  }

  describe('event buses', () => {
    it('given a new bus, when it is created, then Describe and List show it next to the default bus', async () => {
      const created = await client.send(new CreateEventBusCommand({ Name: 'qdn-test', Description: 'jobs' }));
      const described = await client.send(new DescribeEventBusCommand({ Name: 'qdn-test' }));
      const listed = await client.send(new ListEventBusesCommand({}));

      expect(created.EventBusArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/qdn-test`);
      expect(described).toMatchObject({ Name: 'qdn-test', Arn: created.EventBusArn, Description: 'jobs' });
      expect(described.CreationTime).toBeInstanceOf(Date);
      expect(listed.EventBuses?.map((bus) => bus.Name)).toEqual(
        expect.arrayContaining(['default', 'qdn-test']),
      );
    });

    it('given an existing bus, when it is created again, then ResourceAlreadyExistsException', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-twice' }));

      await expect(client.send(new CreateEventBusCommand({ Name: 'qdn-twice' }))).rejects.toBeInstanceOf(
        ResourceAlreadyExistsException,
      );
    });

    it('given no such bus, when it is described, then ResourceNotFoundException', async () => {
      await expect(client.send(new DescribeEventBusCommand({ Name: 'no-such-bus' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Event bus no-such-bus does not exist.',
      });
    });

    it('when the default bus is deleted, then ValidationException', async () => {
      await expect(client.send(new DeleteEventBusCommand({ Name: 'default' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Cannot delete event bus default.',
      });
    });

    it('given a bus with a rule, when the bus is deleted, then the bus and its rules are gone', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-doomed' }));
      await client.send(
        new PutRuleCommand({ Name: 'r', EventBusName: 'qdn-doomed', EventPattern: '{"source":["a"]}' }),
      );

      await client.send(new DeleteEventBusCommand({ Name: 'qdn-doomed' }));

      const listed = await client.send(new ListEventBusesCommand({ NamePrefix: 'qdn-doomed' }));
      expect(listed.EventBuses).toEqual([]);
      await expect(client.send(new ListRulesCommand({ EventBusName: 'qdn-doomed' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it('given several buses, when listed with a Limit, then pages follow NextToken', async () => {
      for (const name of ['page-a', 'page-b', 'page-c'])
        await client.send(new CreateEventBusCommand({ Name: name }));

      const first = await client.send(new ListEventBusesCommand({ NamePrefix: 'page-', Limit: 2 }));
      const second = await client.send(
        new ListEventBusesCommand({ NamePrefix: 'page-', Limit: 2, NextToken: first.NextToken }),
      );

      expect(first.EventBuses?.map((bus) => bus.Name)).toEqual(['page-a', 'page-b']);
      expect(second.EventBuses?.map((bus) => bus.Name)).toEqual(['page-c']);
      expect(second.NextToken).toBeUndefined();
    });
  });

  describe('rules', () => {
    it('when rules are put on a custom and on the default bus, then their ARNs follow EventBridge', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-rules' }));

      const custom = await client.send(
        new PutRuleCommand({
          Name: 'to-sms',
          EventBusName: 'qdn-rules',
          EventPattern: '{"source":["qdn.jobs"]}',
        }),
      );
      const onDefault = await client.send(
        new PutRuleCommand({ Name: 'on-default', EventPattern: '{"source":["x"]}' }),
      );

      expect(custom.RuleArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/qdn-rules/to-sms`);
      expect(onDefault.RuleArn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/on-default`);
    });

    it('given a rule, when described and listed by prefix, then its settings come back', async () => {
      const pattern = '{"source":["qdn.jobs"],"detail-type":["JobCreated"]}';
      await client.send(
        new PutRuleCommand({
          Name: 'described-rule',
          EventPattern: pattern,
          Description: 'why',
          State: 'DISABLED',
        }),
      );

      const described = await client.send(new DescribeRuleCommand({ Name: 'described-rule' }));
      const listed = await client.send(new ListRulesCommand({ NamePrefix: 'described-' }));

      expect(described).toMatchObject({
        Name: 'described-rule',
        EventPattern: pattern,
        Description: 'why',
        State: 'DISABLED',
        EventBusName: 'default',
        CreatedBy: ACCOUNT,
      });
      expect(listed.Rules?.map((rule) => rule.Name)).toEqual(['described-rule']);
    });

    it('when a rule has an invalid pattern, then InvalidEventPatternException', async () => {
      await expect(
        client.send(new PutRuleCommand({ Name: 'bad-pattern', EventPattern: '{"source":"not-an-array"}' })),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
      await expect(
        client.send(new PutRuleCommand({ Name: 'bad-json', EventPattern: '{"source":' })),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
    });

    it('when a rule has neither pattern nor schedule, then ValidationException', async () => {
      await expect(client.send(new PutRuleCommand({ Name: 'empty-rule' }))).rejects.toMatchObject({
        name: 'ValidationException',
      });
    });

    it('given a schedule, when put on the default bus it is stored, and on a custom bus it is refused', async () => {
      await client.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' }));
      await client.send(new CreateEventBusCommand({ Name: 'qdn-scheduled' }));

      const described = await client.send(new DescribeRuleCommand({ Name: 'nightly' }));
      expect(described.ScheduleExpression).toBe('rate(1 day)');
      await expect(
        client.send(
          new PutRuleCommand({ Name: 'n', EventBusName: 'qdn-scheduled', ScheduleExpression: 'rate(1 day)' }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('given no such rule, when described, then ResourceNotFoundException naming the bus', async () => {
      await expect(client.send(new DescribeRuleCommand({ Name: 'ghost' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Rule ghost does not exist on EventBus default.',
      });
    });

    it('given a disabled rule, when events arrive, then nothing is delivered until it is enabled again', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-toggle' }));
      await givenRuleToQueue('qdn-toggle', 'toggled', { source: ['qdn.jobs'] }, 'toggle-queue');

      await client.send(new DisableRuleCommand({ Name: 'toggled', EventBusName: 'qdn-toggle' }));
      await client.send(new PutEventsCommand({ Entries: [jobEvent('qdn-toggle', { n: 1 })] }));
      await client.send(new EnableRuleCommand({ Name: 'toggled', EventBusName: 'qdn-toggle' }));
      await client.send(new PutEventsCommand({ Entries: [jobEvent('qdn-toggle', { n: 2 })] }));
      await emulator.whenDeliveriesIdle();

      expect(sqs.bodiesFor(queueArn('toggle-queue'))).toEqual([
        expect.objectContaining({ detail: { n: 2 } }),
      ]);
    });

    it('given a rule with targets, when deleted, then ValidationException unless forced', async () => {
      await givenRuleToQueue('default', 'with-targets', { source: ['x'] }, 'q');

      await expect(client.send(new DeleteRuleCommand({ Name: 'with-targets' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: "Rule can't be deleted since it has targets.",
      });
      await client.send(new DeleteRuleCommand({ Name: 'with-targets', Force: true }));
      await expect(client.send(new DescribeRuleCommand({ Name: 'with-targets' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('targets', () => {
    it('given a rule, when targets are put, listed and removed, then each step is reflected', async () => {
      await client.send(new PutRuleCommand({ Name: 'targets-rule', EventPattern: '{"source":["x"]}' }));

      const put = await client.send(
        new PutTargetsCommand({
          Rule: 'targets-rule',
          Targets: [
            { Id: 'sms', Arn: queueArn('sms'), InputPath: '$.detail' },
            { Id: 'timeline', Arn: queueArn('timeline') },
          ],
        }),
      );
      const listed = await client.send(new ListTargetsByRuleCommand({ Rule: 'targets-rule' }));
      const byTarget = await client.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn('sms') }));
      await client.send(new RemoveTargetsCommand({ Rule: 'targets-rule', Ids: ['sms'] }));
      const afterRemove = await client.send(new ListTargetsByRuleCommand({ Rule: 'targets-rule' }));

      expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
      expect(listed.Targets).toEqual([
        { Id: 'sms', Arn: queueArn('sms'), InputPath: '$.detail' },
        { Id: 'timeline', Arn: queueArn('timeline') },
      ]);
      expect(byTarget.RuleNames).toEqual(['targets-rule']);
      expect(afterRemove.Targets?.map((target) => target.Id)).toEqual(['timeline']);
    });

    it('when a target is not an SQS queue, then it is reported in FailedEntries and the others are kept', async () => {
      await client.send(new PutRuleCommand({ Name: 'mixed-targets', EventPattern: '{"source":["x"]}' }));

      const put = await client.send(
        new PutTargetsCommand({
          Rule: 'mixed-targets',
          Targets: [
            { Id: 'lambda', Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f` },
            { Id: 'queue', Arn: queueArn('ok') },
          ],
        }),
      );
      const listed = await client.send(new ListTargetsByRuleCommand({ Rule: 'mixed-targets' }));

      expect(put.FailedEntryCount).toBe(1);
      expect(put.FailedEntries?.[0]).toMatchObject({ TargetId: 'lambda', ErrorCode: 'ValidationException' });
      expect(listed.Targets?.map((target) => target.Id)).toEqual(['queue']);
    });

    it('when a rule would get more than five targets, then LimitExceededException', async () => {
      await client.send(new PutRuleCommand({ Name: 'crowded', EventPattern: '{"source":["x"]}' }));
      const targets = Array.from({ length: 6 }, (_, index) => ({
        Id: `t${index}`,
        Arn: queueArn(`q${index}`),
      }));

      await expect(
        client.send(new PutTargetsCommand({ Rule: 'crowded', Targets: targets })),
      ).rejects.toBeInstanceOf(LimitExceededException);
    });

    it('when targets are put on a missing rule, then ResourceNotFoundException', async () => {
      await expect(
        client.send(
          new PutTargetsCommand({ Rule: 'missing-rule', Targets: [{ Id: 'a', Arn: queueArn('a') }] }),
        ),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('given a FIFO queue target, when it lacks a MessageGroupId it is refused, and with one the group is sent', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-fifo' }));
      await client.send(
        new PutRuleCommand({
          Name: 'fifo',
          EventBusName: 'qdn-fifo',
          EventPattern: '{"source":["qdn.jobs"]}',
        }),
      );

      await expect(
        client.send(
          new PutTargetsCommand({
            Rule: 'fifo',
            EventBusName: 'qdn-fifo',
            Targets: [{ Id: 'f', Arn: queueArn('jobs.fifo') }],
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
      await client.send(
        new PutTargetsCommand({
          Rule: 'fifo',
          EventBusName: 'qdn-fifo',
          Targets: [{ Id: 'f', Arn: queueArn('jobs.fifo'), SqsParameters: { MessageGroupId: 'job-42' } }],
        }),
      );
      await client.send(
        new PutEventsCommand({ Entries: [jobEvent('qdn-fifo', { n: 1 }), jobEvent('qdn-fifo', { n: 2 })] }),
      );
      await emulator.whenDeliveriesIdle();

      const sent = sqs.messages.filter((message) => message.queueArn === queueArn('jobs.fifo'));
      expect(sent.map((message) => message.messageGroupId)).toEqual(['job-42', 'job-42']);
      expect(sent.map((message) => JSON.parse(message.body).detail.n)).toEqual([1, 2]);
    });
  });

  describe('PutEvents', () => {
    it('given a rule, when a matching and a non-matching event are put, then only the match is delivered, as EventBridge shapes it', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-put' }));
      await givenRuleToQueue('qdn-put', 'created-only', { 'detail-type': ['JobCreated'] }, 'put-queue');

      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            jobEvent('qdn-put', { meta: { eventId: 'e-1' } }, { Resources: ['arn:aws:s3:::photos'] }),
            jobEvent('qdn-put', { meta: { eventId: 'e-2' } }, { DetailType: 'JobStatusChanged' }),
          ],
        }),
      );
      await emulator.whenDeliveriesIdle();

      expect(result.FailedEntryCount).toBe(0);
      const delivered = sqs.bodiesFor(queueArn('put-queue'));
      expect(delivered).toEqual([
        {
          version: '0',
          id: result.Entries?.[0]?.EventId,
          'detail-type': 'JobCreated',
          source: 'qdn.jobs',
          account: ACCOUNT,
          time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
          region: REGION,
          resources: ['arn:aws:s3:::photos'],
          detail: { meta: { eventId: 'e-1' } },
        },
      ]);
      expect(Object.keys(delivered[0] as object)).toEqual([
        'version',
        'id',
        'detail-type',
        'source',
        'account',
        'time',
        'region',
        'resources',
        'detail',
      ]);
    });

    it('given an explicit Time and a bus given by ARN, when put, then the event carries that time at second precision', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-arn' }));
      await givenRuleToQueue('qdn-arn', 'all', { source: ['qdn.jobs'] }, 'arn-queue');

      await client.send(
        new PutEventsCommand({
          Entries: [
            jobEvent(
              `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/qdn-arn`,
              { n: 1 },
              {
                Time: new Date('2024-05-01T12:34:56.789Z'),
              },
            ),
          ],
        }),
      );
      await emulator.whenDeliveriesIdle();

      expect(sqs.bodiesFor(queueArn('arn-queue'))).toEqual([
        expect.objectContaining({ time: '2024-05-01T12:34:56Z' }),
      ]);
    });

    it('when some entries are invalid, then each fails on its own with EventBridge codes and the rest are accepted', async () => {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            jobEvent('default', { ok: true }),
            jobEvent('no-such-bus', { ok: true }),
            { Source: 'qdn.jobs', Detail: '{}' },
            jobEvent('default', {}, { Detail: '[1,2]' }),
            jobEvent('default', {}, { Source: 'aws.s3' }),
          ],
        }),
      );

      expect(result.FailedEntryCount).toBe(4);
      expect(result.Entries?.[0]?.EventId).toEqual(expect.any(String));
      expect(result.Entries?.slice(1).map((entry) => entry.ErrorCode)).toEqual([
        'ResourceNotFoundException',
        'InvalidArgument',
        'MalformedDetail',
        'NotAuthorizedForSourceException',
      ]);
      expect(result.Entries?.[1]?.ErrorMessage).toBe('Event bus no-such-bus does not exist.');
    });

    it('when more than ten entries or more than 256 KB are put, then ValidationException', async () => {
      const eleven = Array.from({ length: 11 }, () => jobEvent('default', {}));
      const huge = jobEvent('default', { blob: 'x'.repeat(256 * 1024) });

      await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
        name: 'ValidationException',
      });
      await expect(client.send(new PutEventsCommand({ Entries: [huge] }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
    });

    it('given a queue that refuses messages, when an event is put, then delivery is retried, recorded as failed, and the bus keeps serving', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-broken' }));
      await givenRuleToQueue('qdn-broken', 'to-broken', { source: ['qdn.jobs'] }, 'broken-queue');
      sqs.failingQueues.add(queueArn('broken-queue'));

      const result = await client.send(new PutEventsCommand({ Entries: [jobEvent('qdn-broken', { n: 1 })] }));
      await emulator.whenDeliveriesIdle();
      const nextCall = await client.send(new DescribeEventBusCommand({ Name: 'qdn-broken' }));

      const failure = emulator
        .failedDeliveries()
        .find((entry) => entry.queueArn === queueArn('broken-queue'));
      expect(failure).toMatchObject({
        eventId: result.Entries?.[0]?.EventId,
        targetId: 'queue',
        ruleArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/qdn-broken/to-broken`,
        attempts: 3,
        error: expect.stringContaining('unavailable'),
      });
      expect(nextCall.Name).toBe('qdn-broken');
    });

    it('given 100 events a second, when each is put, then deliver() is called within a few milliseconds', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-latency' }));
      await givenRuleToQueue('qdn-latency', 'fast', { source: ['qdn.jobs'] }, 'latency-queue');
      const sentAt = new Map<number, number>();

      for (let n = 0; n < 200; n += 1) {
        sentAt.set(n, performance.now());
        await client.send(new PutEventsCommand({ Entries: [jobEvent('qdn-latency', { n })] }));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await emulator.whenDeliveriesIdle();

      const latencies = sqs.messages
        .filter((message) => message.queueArn === queueArn('latency-queue'))
        .map((message) => message.at - (sentAt.get(JSON.parse(message.body).detail.n) ?? Number.NaN))
        .sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)] ?? Number.NaN;
      expect(latencies).toHaveLength(200);
      // Measured from the SDK call (signing and HTTP included) to the deliver() call. The figure itself is
      // bench:bus's job (p99 ≈ 7 ms on an idle machine). Here, next to other suites on two cores, the test
      // only has to tell immediate delivery from a polling or batching delay: a 100 ms poll puts the median
      // near 50 ms, immediate delivery near 5 ms. The median, not the p99: one CI run saw a p99 of 65 ms from
      // two scheduler stalls on a busy machine, which says nothing about how the emulator delivers.
      expect(median).toBeLessThan(25);
    });
  });

  describe('TestEventPattern', () => {
    const event = JSON.stringify({
      id: '1',
      account: ACCOUNT,
      source: 'qdn.jobs',
      time: '2024-05-01T00:00:00Z',
      region: REGION,
      resources: [],
      'detail-type': 'JobCreated',
      detail: { data: { serviceType: 'charter' } },
    });

    it('given an event, when tested against matching and non-matching patterns, then Result says so', async () => {
      const matching = await client.send(
        new TestEventPatternCommand({
          Event: event,
          EventPattern: '{"detail":{"data":{"serviceType":["charter"]}}}',
        }),
      );
      const other = await client.send(
        new TestEventPatternCommand({ Event: event, EventPattern: '{"source":["qdn.media"]}' }),
      );

      expect(matching.Result).toBe(true);
      expect(other.Result).toBe(false);
    });

    it('when the pattern is invalid, then InvalidEventPatternException', async () => {
      await expect(
        client.send(new TestEventPatternCommand({ Event: event, EventPattern: '{"source":[{"prefix":1}]}' })),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
    });

    it('when the event lacks required fields, then ValidationException', async () => {
      await expect(
        client.send(
          new TestEventPatternCommand({
            Event: '{"source":"qdn.jobs"}',
            EventPattern: '{"source":["qdn.jobs"]}',
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('target input', () => {
    it('given Input, InputPath and InputTransformer targets, when an event matches, then each queue gets its own shape', async () => {
      await client.send(new CreateEventBusCommand({ Name: 'qdn-input' }));
      await client.send(
        new PutRuleCommand({
          Name: 'shaped',
          EventBusName: 'qdn-input',
          EventPattern: '{"source":["qdn.jobs"]}',
        }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: 'shaped',
          EventBusName: 'qdn-input',
          Targets: [
            { Id: 'constant', Arn: queueArn('constant'), Input: '{"ping":true}' },
            { Id: 'path', Arn: queueArn('path'), InputPath: '$.detail.data' },
            {
              Id: 'json',
              Arn: queueArn('json'),
              InputTransformer: {
                InputPathsMap: {
                  jobId: '$.detail.meta.jobId',
                  status: '$.detail.data.status',
                  missing: '$.detail.nope',
                },
                InputTemplate:
                  '{"job": <jobId>, "says": "job <jobId> is <status>", "rule": <aws.events.rule-name>, "gone": <missing>, "event": <aws.events.event.json>}',
              },
            },
            {
              Id: 'text',
              Arn: queueArn('text'),
              InputTransformer: {
                InputPathsMap: { jobId: '$.detail.meta.jobId', data: '$.detail.data' },
                InputTemplate: '"Job <jobId>: <data>"',
              },
            },
          ],
        }),
      );

      const detail = { meta: { jobId: 'job-7' }, data: { status: 'en_route' } };
      const put = await client.send(new PutEventsCommand({ Entries: [jobEvent('qdn-input', detail)] }));
      await emulator.whenDeliveriesIdle();

      const bodyOf = (name: string) =>
        sqs.messages.find((message) => message.queueArn === queueArn(name))?.body;
      expect(bodyOf('constant')).toBe('{"ping":true}');
      expect(bodyOf('path')).toBe('{"status":"en_route"}');
      expect(JSON.parse(bodyOf('json') ?? 'null')).toEqual({
        job: 'job-7',
        says: 'job job-7 is en_route',
        rule: 'shaped',
        gone: null,
        event: expect.objectContaining({ id: put.Entries?.[0]?.EventId, detail }),
      });
      expect(bodyOf('text')).toBe('"Job job-7: {status:en_route}"');
    });

    it('when a JSON template would not be JSON, then PutTargets answers ValidationException', async () => {
      await client.send(new PutRuleCommand({ Name: 'bad-template', EventPattern: '{"source":["x"]}' }));

      await expect(
        client.send(
          new PutTargetsCommand({
            Rule: 'bad-template',
            Targets: [
              {
                Id: 't',
                Arn: queueArn('t'),
                InputTransformer: { InputPathsMap: { a: '$.a' }, InputTemplate: '{"a": <a>' },
              },
            ],
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });
});
