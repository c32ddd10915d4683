import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEventBridgeEmulator, type EventBridgeEmulator } from '@qdn/local-cloud/eventbridge/emulator';
import { type DomainEvent, jobEventId } from '../../src/events.ts';
import { PublishEventsError, publishEvents } from '../../src/publish.ts';

// publishEvents against the local cloud's EventBridge emulator through the real SDK: what reaches a
// rule's target, batching beyond 10 entries, and the error when entries keep failing.
const delivered: { queueArn: string; body: string }[] = [];
let emulator: EventBridgeEmulator;
let client: EventBridgeClient;
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-publish-'));

function jobCreated(n: number): DomainEvent {
  const jobId = `qdn_pub_${n}`;
  return {
    source: 'qdn.jobs',
    detailType: 'JobCreated',
    detail: {
      meta: {
        eventId: jobEventId(jobId, 1, 'JobCreated'),
        occurredAt: '2026-11-22T12:00:00.000Z',
        brandId: 'qdn',
        jobId,
        version: 1,
        correlationId: `c-${n}`,
      },
      data: {
        job: {
          jobId,
          brandId: 'qdn',
          version: 1,
          status: 'requested',
          serviceType: 'junk_removal',
          customer: { name: 'Lee Park', firstName: 'Lee', phone: '+16195550177' },
          address: { text: '9 Elm St' },
          schedule: { date: '2026-12-03', window: 'morning' },
          crewIds: [],
        },
      },
    },
  };
}

beforeAll(async () => {
  emulator = createEventBridgeEmulator({
    dataDir,
    region: 'us-west-2',
    deliver: {
      async sqs(queueArn, body) {
        delivered.push({ queueArn, body });
      },
    },
  });
  const { url } = await emulator.listen(0);
  client = new EventBridgeClient({
    endpoint: url,
    region: 'us-west-2',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  await client.send(new CreateEventBusCommand({ Name: 'qdn-test' }));
  await client.send(
    new PutRuleCommand({
      Name: 'all-jobs',
      EventBusName: 'qdn-test',
      EventPattern: '{"source":["qdn.jobs"]}',
    }),
  );
  await client.send(
    new PutTargetsCommand({
      Rule: 'all-jobs',
      EventBusName: 'qdn-test',
      Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-west-2:000000000000:jobs-test' }],
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('publishEvents', () => {
  it('given 23 events, when published, then all reach the rule target in order with their validated detail', async () => {
    // Act
    await publishEvents(
      Array.from({ length: 23 }, (_, n) => jobCreated(n)),
      { busName: 'qdn-test', client },
    );
    await emulator.whenDeliveriesIdle();

    // Assess
    const bodies = delivered.map((delivery) => JSON.parse(delivery.body));
    expect(bodies).toHaveLength(23);
    expect(bodies.map((body) => body.detail.meta.jobId)).toEqual(
      Array.from({ length: 23 }, (_, n) => `qdn_pub_${n}`),
    );
    expect(bodies[0]).toMatchObject({ source: 'qdn.jobs', 'detail-type': 'JobCreated' });
    expect(bodies[0].detail.meta.schemaVersion).toBe(1);
  });

  it('given a bus that does not exist, when published, then it retries and raises naming each failed event', async () => {
    const failure = await publishEvents([jobCreated(100), jobCreated(101)], {
      busName: 'no-such-bus',
      client,
      maxAttempts: 2,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PublishEventsError);
    expect((failure as PublishEventsError).failures.map((entry) => entry.eventId)).toEqual([
      'qdn_pub_100:1:JobCreated',
      'qdn_pub_101:1:JobCreated',
    ]);
  });

  it('given an event that breaks its schema, when published, then nothing is sent', async () => {
    const before = delivered.length;
    const broken = jobCreated(200);
    (broken.detail as { data: { job: Record<string, unknown> } }).data.job.captainFeeCents = 25_000;
    await expect(publishEvents([broken], { busName: 'qdn-test', client })).rejects.toThrow(
      /captainFeeCents|Unrecognized/,
    );
    await emulator.whenDeliveriesIdle();
    expect(delivered).toHaveLength(before);
  });
});
