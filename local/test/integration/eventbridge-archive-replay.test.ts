import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelReplayCommand,
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  EventBridgeClient,
  IllegalStatusException,
  InvalidEventPatternException,
  ListArchivesCommand,
  ListReplaysCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartReplayCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEventBridgeEmulator, type EventBridgeEmulator } from '../../src/eventbridge/emulator.ts';

const REGION = 'us-west-2';
const ACCOUNT = '123456789012';
const BUS = 'qdn-replay';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const ruleArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${name}`;

describe('EventBridge emulator archives and replays', () => {
  let dataDir: string;
  let emulator: EventBridgeEmulator;
  let client: EventBridgeClient;
  const messages: Array<{ queueArn: string; event: Record<string, unknown> }> = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'eventbridge-replay-'));
    emulator = createEventBridgeEmulator({
      dataDir,
      region: REGION,
      accountId: ACCOUNT,
      // One event per batch with a pause, so a replay lasts long enough to be cancelled mid-way.
      replayPacing: { batchSize: 1, batchIntervalMs: 25 },
      deliver: {
        sqs: async function recordSqsMessage(arn: string, body: string) {
          messages.push({ queueArn: arn, event: JSON.parse(body) });
        },
      },
    });
    const { url } = await emulator.listen();
    client = new EventBridgeClient({
      endpoint: url,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    // Given a bus whose two consumers each have a rule and a queue.
    await client.send(new CreateEventBusCommand({ Name: BUS }));
    for (const consumer of ['sms', 'calendar']) {
      await client.send(
        new PutRuleCommand({ Name: consumer, EventBusName: BUS, EventPattern: '{"source":["qdn.jobs"]}' }),
      );
      await client.send(
        new PutTargetsCommand({
          Rule: consumer,
          EventBusName: BUS,
          Targets: [{ Id: 'q', Arn: queueArn(consumer) }],
        }),
      );
    }
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function putJobEvents(details: object[]) {
    return client.send(
      new PutEventsCommand({
        Entries: details.map((detail) => ({
          EventBusName: BUS,
          Source: 'qdn.jobs',
          DetailType: 'JobStatusChanged',
          Detail: JSON.stringify(detail),
        })),
      }),
    );
  }

  async function waitForReplay(name: string, states: string[]): Promise<DescribeReplayCommandOutput> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const replay = await client.send(new DescribeReplayCommand({ ReplayName: name }));
      if (states.includes(replay.State ?? '')) return replay;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`replay ${name} never reached ${states.join('/')}`);
  }

  describe('archives', () => {
    it('given a bus, when an archive is created, described, listed and updated, then each answer reflects it', async () => {
      const created = await client.send(
        new CreateArchiveCommand({
          ArchiveName: 'crud',
          EventSourceArn: BUS_ARN,
          RetentionDays: 30,
          Description: 'all',
        }),
      );
      const described = await client.send(new DescribeArchiveCommand({ ArchiveName: 'crud' }));
      const updated = await client.send(
        new UpdateArchiveCommand({
          ArchiveName: 'crud',
          EventPattern: '{"source":["qdn.media"]}',
          RetentionDays: 7,
        }),
      );
      const listed = await client.send(new ListArchivesCommand({ NamePrefix: 'crud' }));

      expect(created).toMatchObject({
        ArchiveArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/crud`,
        State: 'ENABLED',
      });
      expect(described).toMatchObject({
        ArchiveName: 'crud',
        EventSourceArn: BUS_ARN,
        RetentionDays: 30,
        EventCount: 0,
        SizeBytes: 0,
        State: 'ENABLED',
        Description: 'all',
      });
      expect(updated.ArchiveArn).toBe(created.ArchiveArn);
      expect(listed.Archives).toEqual([expect.objectContaining({ ArchiveName: 'crud', RetentionDays: 7 })]);
    });

    it('when an archive is created twice, on a missing bus, or with a bad pattern, then EventBridge errors', async () => {
      await client.send(new CreateArchiveCommand({ ArchiveName: 'twice', EventSourceArn: BUS_ARN }));

      await expect(
        client.send(new CreateArchiveCommand({ ArchiveName: 'twice', EventSourceArn: BUS_ARN })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
      await expect(
        client.send(
          new CreateArchiveCommand({
            ArchiveName: 'nobus',
            EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/missing`,
          }),
        ),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(
        client.send(
          new CreateArchiveCommand({
            ArchiveName: 'badpattern',
            EventSourceArn: BUS_ARN,
            EventPattern: '{"a":1}',
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
    });

    it('given an archive with a pattern, when events are put, then only matching ones are counted', async () => {
      await client.send(
        new CreateArchiveCommand({
          ArchiveName: 'cancelled-only',
          EventSourceArn: BUS_ARN,
          EventPattern: '{"detail":{"status":["cancelled"]}}',
        }),
      );

      await putJobEvents([{ status: 'cancelled' }, { status: 'complete' }]);
      const described = await client.send(new DescribeArchiveCommand({ ArchiveName: 'cancelled-only' }));

      expect(described.EventCount).toBe(1);
      expect(described.SizeBytes).toBeGreaterThan(100);
    });

    it('given an archive, when deleted, then it is gone', async () => {
      await client.send(new CreateArchiveCommand({ ArchiveName: 'short-lived', EventSourceArn: BUS_ARN }));

      await client.send(new DeleteArchiveCommand({ ArchiveName: 'short-lived' }));

      await expect(
        client.send(new DescribeArchiveCommand({ ArchiveName: 'short-lived' })),
      ).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Archive short-lived does not exist.',
      });
    });
  });

  describe('replays', () => {
    it('given archived events, when replayed to one rule, then only that consumer gets them, marked with replay-name, and they are not archived again', async () => {
      const archive = await client.send(
        new CreateArchiveCommand({ ArchiveName: 'everything', EventSourceArn: BUS_ARN }),
      );
      const windowStart = new Date();
      const put = await putJobEvents([{ n: 1 }, { n: 2 }, { n: 3 }]);
      await emulator.whenDeliveriesIdle();
      const windowEnd = new Date(Date.now() + 1);
      const archivedBefore = await client.send(new DescribeArchiveCommand({ ArchiveName: 'everything' }));
      messages.length = 0;

      const started = await client.send(
        new StartReplayCommand({
          ReplayName: 'sms-redrive',
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: windowStart,
          EventEndTime: windowEnd,
          Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('sms')] },
        }),
      );
      const finished = await waitForReplay('sms-redrive', ['COMPLETED', 'FAILED']);
      await emulator.whenDeliveriesIdle();
      const archivedAfter = await client.send(new DescribeArchiveCommand({ ArchiveName: 'everything' }));

      expect(started).toMatchObject({
        ReplayArn: `arn:aws:events:${REGION}:${ACCOUNT}:replay/sms-redrive`,
        State: 'STARTING',
      });
      expect(finished).toMatchObject({
        State: 'COMPLETED',
        EventSourceArn: archive.ArchiveArn,
        Destination: { Arn: BUS_ARN, FilterArns: [ruleArn('sms')] },
      });
      expect(finished.ReplayEndTime).toBeInstanceOf(Date);
      expect(finished.EventLastReplayedTime).toBeInstanceOf(Date);
      expect(messages.map((message) => message.queueArn)).toEqual([
        queueArn('sms'),
        queueArn('sms'),
        queueArn('sms'),
      ]);
      expect(messages.map((message) => message.event)).toEqual(
        put.Entries?.map((entry, index) =>
          expect.objectContaining({
            id: entry.EventId,
            'replay-name': 'sms-redrive',
            detail: { n: index + 1 },
          }),
        ),
      );
      expect(Object.keys(messages[0]?.event ?? {}).indexOf('replay-name')).toBe(
        Object.keys(messages[0]?.event ?? {}).indexOf('region') + 1,
      );
      expect(archivedBefore.EventCount).toBe(3);
      expect(archivedAfter.EventCount).toBe(3);
    });

    it('given a replay without FilterArns, when it runs, then every rule of the bus gets the events in the window', async () => {
      const archive = await client.send(
        new CreateArchiveCommand({ ArchiveName: 'window', EventSourceArn: BUS_ARN }),
      );
      await putJobEvents([{ phase: 'before' }]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const windowStart = new Date();
      await putJobEvents([{ phase: 'inside' }]);
      const windowEnd = new Date(Date.now() + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await putJobEvents([{ phase: 'after' }]);
      await emulator.whenDeliveriesIdle();
      messages.length = 0;

      await client.send(
        new StartReplayCommand({
          ReplayName: 'all-rules',
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: windowStart,
          EventEndTime: windowEnd,
          Destination: { Arn: BUS_ARN },
        }),
      );
      await waitForReplay('all-rules', ['COMPLETED']);
      await emulator.whenDeliveriesIdle();

      expect(messages.map((message) => [message.queueArn, message.event.detail]).sort()).toEqual(
        [
          [queueArn('calendar'), { phase: 'inside' }],
          [queueArn('sms'), { phase: 'inside' }],
        ].sort(),
      );
    });

    it('when a replay is started with bad parameters, then EventBridge errors', async () => {
      const archive = await client.send(
        new CreateArchiveCommand({ ArchiveName: 'bad-params', EventSourceArn: BUS_ARN }),
      );
      const base = {
        EventSourceArn: archive.ArchiveArn,
        EventStartTime: new Date(Date.now() - 60_000),
        EventEndTime: new Date(),
        Destination: { Arn: BUS_ARN },
      };
      await client.send(new StartReplayCommand({ ReplayName: 'dup', ...base }));
      await client.send(new CreateEventBusCommand({ Name: 'qdn-other' }));

      await expect(
        client.send(new StartReplayCommand({ ReplayName: 'dup', ...base })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
      await expect(
        client.send(
          new StartReplayCommand({
            ...base,
            ReplayName: 'backwards',
            EventEndTime: new Date(Date.now() - 120_000),
          }),
        ),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
      });
      await expect(
        client.send(
          new StartReplayCommand({
            ...base,
            ReplayName: 'cross-bus',
            Destination: { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/qdn-other` },
          }),
        ),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
      });
      await expect(
        client.send(
          new StartReplayCommand({
            ...base,
            ReplayName: 'no-archive',
            EventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/missing`,
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('given replays, when listed by state and a finished one is cancelled, then IllegalStatusException', async () => {
      const archive = await client.send(
        new CreateArchiveCommand({ ArchiveName: 'listed', EventSourceArn: BUS_ARN }),
      );
      await client.send(
        new StartReplayCommand({
          ReplayName: 'listed-replay',
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: new Date(Date.now() - 60_000),
          EventEndTime: new Date(),
          Destination: { Arn: BUS_ARN },
        }),
      );
      await waitForReplay('listed-replay', ['COMPLETED']);

      const listed = await client.send(new ListReplaysCommand({ NamePrefix: 'listed-', State: 'COMPLETED' }));

      expect(listed.Replays).toEqual([
        expect.objectContaining({ ReplayName: 'listed-replay', State: 'COMPLETED' }),
      ]);
      await expect(
        client.send(new CancelReplayCommand({ ReplayName: 'listed-replay' })),
      ).rejects.toBeInstanceOf(IllegalStatusException);
    });

    it('given a replay in progress, when cancelled, then it goes CANCELLING then CANCELLED before sending everything', async () => {
      const archive = await client.send(
        new CreateArchiveCommand({ ArchiveName: 'to-cancel', EventSourceArn: BUS_ARN }),
      );
      await putJobEvents([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      await emulator.whenDeliveriesIdle();
      messages.length = 0;

      await client.send(
        new StartReplayCommand({
          ReplayName: 'cancelled-replay',
          EventSourceArn: archive.ArchiveArn,
          EventStartTime: new Date(Date.now() - 60_000),
          EventEndTime: new Date(Date.now() + 1),
          Destination: { Arn: BUS_ARN },
        }),
      );
      const cancelling = await client.send(new CancelReplayCommand({ ReplayName: 'cancelled-replay' }));
      const cancelled = await waitForReplay('cancelled-replay', ['CANCELLED', 'COMPLETED']);

      expect(cancelling.State).toBe('CANCELLING');
      expect(cancelled.State).toBe('CANCELLED');
      expect(messages.length).toBeLessThan(10);
    });
  });
});
