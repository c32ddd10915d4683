import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SHARED_DB_FILE } from '../../src/dynamodb-local.ts';
import { type LocalCloud, startLocalCloud } from '../../src/index.ts';
import { eventually } from '../../src/test-harness.ts';

// The whole path of ARCHITECTURE.md §2 on one machine: a table write → stream → publisher →
// EventBridge → rule → SQS → consumer, the DLQ after maxReceiveCount, and a replay from the archive.
let cloud: LocalCloud;
let dataDir: string;
const testStarted = new Date(Date.now() - 1000);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'qdn-cloud-'));
  cloud = await startLocalCloud({ dataDir, port: 0, sitePort: 0, quiet: true });
}, 90_000);

afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** SQS bodies the given function was invoked with. */
function bodiesSeenBy(functionKey: string): Record<string, unknown>[] {
  return cloud.invocations
    .filter((invocation) => invocation.functionKey === functionKey && invocation.outcome === 'ok')
    .flatMap((invocation) => (invocation.event as { Records?: { body: string }[] }).Records ?? [])
    .map((record) => JSON.parse(record.body) as Record<string, unknown>);
}

function jobItem(jobId: string, serviceType: string) {
  return marshall({
    pk: `JOB#${jobId}`,
    sk: 'JOB',
    jobId,
    brandId: serviceType === 'charter' ? 'jada' : 'qdn',
    version: 1,
    status: 'scheduled',
    serviceType,
    customer: { name: 'Ana Ruiz', phone: '+16195550150' },
    address: { text: '1 Harbor Dr, San Diego' },
    schedule: { date: '2026-12-05', window: 'afternoon' },
    crewIds: [],
    private: { captainFeeCents: 25_000 },
    updatedAt: new Date().toISOString(),
    updatedBy: 'dispatcher-1',
  });
}

const jobIdOf = (body: Record<string, unknown>) =>
  ((body.detail as { meta?: { jobId?: string } } | undefined)?.meta?.jobId ?? '') as string;

describe('the local cloud', () => {
  it('given it started, then health answers with every emulator endpoint', async () => {
    const response = await fetch(`${cloud.apiUrl}/_local/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      ok: boolean;
      endpoints: Record<string, string>;
      accessKeyId: string;
    };
    expect(body.ok).toBe(true);
    // Its own DynamoDB Local (-sharedDb): the AWS CLI with the README's credentials sees its tables.
    expect(body.accessKeyId).toBe('local');
    expect(Object.keys(body.endpoints).sort()).toEqual([
      'cloudfront',
      'dynamodb',
      'events',
      'location',
      's3',
      'scheduler',
      'sns',
      'sqs',
      'ssm',
    ]);
  });

  it('given a public route, then the gateway invokes its function with an API Gateway v2 event', async () => {
    const found = await fetch(`${cloud.apiUrl}/brands/queen-of-san-diego`);
    expect(found.status).toBe(200);
    expect(((await found.json()) as { displayName: string }).displayName).toBe('Queen of San Diego');
    const missing = await fetch(`${cloud.apiUrl}/brands/nobody`);
    expect(missing.status).toBe(404);
  });

  it('given a junk-removal job and a charter written to the jobs table, then each reaches exactly its subscribed consumers', async () => {
    // Arrange: another table written first. DynamoDB Local's stream sequence numbers are shared by all
    // tables, and the trigger's first iterator on the jobs stream must survive that.
    await cloud.clients.dynamodb.send(
      new PutItemCommand({
        TableName: 'qdn-notifications-local-failures',
        Item: marshall({ messageId: 'written-before-any-job' }),
      }),
    );

    // Act
    await cloud.clients.dynamodb.send(
      new PutItemCommand({ TableName: 'qdn-local-jobs', Item: jobItem('qdn_e2e_junk', 'junk_removal') }),
    );
    await cloud.clients.dynamodb.send(
      new PutItemCommand({ TableName: 'qdn-local-jobs', Item: jobItem('qdn_e2e_charter', 'charter') }),
    );

    // Assess: SMS and calendar get both jobs; the charter-only crew rule gets only the charter. The first
    // write through this cloud cold-starts the publisher and each consumer from source (not bundled):
    // under a CI run's load that took over 20 s once, so the wait is a minute (a pass is not slower).
    const firstDelivery = { timeoutMs: 60_000 };
    for (const consumer of ['notifications.sms', 'calendar.calendar']) {
      await eventually(
        () => {
          const jobIds = bodiesSeenBy(consumer).map(jobIdOf);
          return jobIds.includes('qdn_e2e_junk') && jobIds.includes('qdn_e2e_charter');
        },
        { ...firstDelivery, what: `both jobs at ${consumer}` },
      );
    }
    await eventually(
      () => bodiesSeenBy('scc-bridge.crew').some((body) => jobIdOf(body) === 'qdn_e2e_charter'),
      { ...firstDelivery, what: 'the charter at scc-bridge.crew' },
    );
    expect(bodiesSeenBy('scc-bridge.crew').map(jobIdOf)).not.toContain('qdn_e2e_junk');

    const [created] = bodiesSeenBy('notifications.sms').filter((body) => jobIdOf(body) === 'qdn_e2e_junk');
    expect(created).toMatchObject({ source: 'qdn.jobs', 'detail-type': 'JobCreated' });
    // The private captain fee never reaches the bus.
    expect(JSON.stringify(created)).not.toMatch(/captainFee|25000/);
  }, 120_000);

  it("given every table's stream records in DynamoDB Local's one SQLite table, then a stream's reads find them by index, not by scanning all", () => {
    // The statements DynamoDB Local runs for GetRecords and DescribeStream (its SQLiteDBAccess): without
    // our indexes each is a scan of every table's stream records (see STREAM_RECORD_INDEXES).
    const db = new DatabaseSync(join(dataDir, 'dynamodb', SHARED_DB_FILE), { readOnly: true });
    const planOf = (sql: string, ...values: (string | number)[]) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...values)
        .map((row) => String(row.detail))
        .join('; ');
    try {
      expect(
        planOf(
          'SELECT SequenceNumber, StreamRecord, OperationType, CreationDateTime FROM us WHERE StreamID = ? AND ShardID = ? AND SequenceNumber >= ? AND CreationDateTime > ? ORDER BY SequenceNumber ASC LIMIT ?',
          'stream',
          'shard',
          0,
          0,
          1000,
        ),
      ).toMatch(/USING (COVERING )?INDEX qdn_us_stream_shard_sequence/);
      expect(
        planOf(
          'SELECT SequenceNumber FROM us WHERE ShardID=? ORDER BY SequenceNumber DESC LIMIT 1;',
          'shard',
        ),
      ).toMatch(/USING (COVERING )?INDEX qdn_us_shard_sequence/);
      expect(planOf('SELECT MIN(SequenceNumber) FROM us WHERE StreamID=?', 'stream')).toMatch(
        /USING (COVERING )?INDEX qdn_us_stream_(shard_)?sequence/,
      );
    } finally {
      db.close();
    }
  });

  it('given a photo stored in the media bucket, then S3 "Object Created" reaches the photos consumer through the default bus', async () => {
    // Act
    await cloud.clients.s3.send(
      new PutObjectCommand({
        Bucket: 'qdn-local-media-000000000000-us-west-2',
        Key: 'photos/qdn_e2e_junk/p1.jpg',
        Body: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
        ContentType: 'image/jpeg',
      }),
    );

    // Assess
    const created = await eventually(() =>
      bodiesSeenBy('media.photos').find(
        (body) => (body.detail as { object?: { key?: string } }).object?.key === 'photos/qdn_e2e_junk/p1.jpg',
      ),
    );
    expect(created).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'qdn-local-media-000000000000-us-west-2' }, object: { size: 4 } },
    });
  });

  it('given a message its consumer cannot process, then after maxReceiveCount it is in the DLQ with a failure record', async () => {
    // Prepare
    const sms = [...cloud.provisioned.queues.values()].find(
      (queue) => queue.name === 'qdn-local-notifications-sms',
    )!;
    const dlq = cloud.provisioned.queues.get(sms.deadLetterArn!)!;

    // Act
    const { MessageId } = await cloud.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: sms.url,
        MessageBody: JSON.stringify({ 'detail-type': 'Garbage' }),
      }),
    );

    // Assess
    const dead = await eventually(
      async () => {
        const { Messages = [] } = await cloud.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
        );
        return Messages.find((message) => message.MessageId === MessageId);
      },
      { timeoutMs: 30_000 },
    );
    expect(JSON.parse(dead.Body!)).toEqual({ 'detail-type': 'Garbage' });
    const { Item } = await cloud.clients.dynamodb.send(
      new GetItemCommand({
        TableName: 'qdn-notifications-local-failures',
        Key: marshall({ messageId: MessageId! }),
      }),
    );
    expect(unmarshall(Item!)).toMatchObject({
      consumer: 'sms',
      attempts: sms.maxReceiveCount,
      transient: true,
    });
  }, 40_000);

  it('given archived events, when replayed to the SMS rule only, then only that consumer sees them again, marked as a replay', async () => {
    // Prepare: the events of the earlier test are in the archive.
    const archive = await eventually(async () => {
      const described = await cloud.clients.eventBridge.send(
        new DescribeArchiveCommand({ ArchiveName: 'qdn-local-all' }),
      );
      return (described.EventCount ?? 0) >= 2 ? described : undefined;
    });
    const smsRule = cloud.provisioned.rules.find((rule) => rule.name === 'qdn-local-sms')!;
    const calendarCallsBefore = bodiesSeenBy('calendar.calendar').length;

    // Act
    await cloud.clients.eventBridge.send(
      new StartReplayCommand({
        ReplayName: 'e2e-replay',
        EventSourceArn: archive.ArchiveArn,
        EventStartTime: testStarted,
        EventEndTime: new Date(),
        Destination: {
          Arn: 'arn:aws:events:us-west-2:000000000000:event-bus/qdn-local',
          FilterArns: [smsRule.arn],
        },
      }),
    );

    // Assess
    await eventually(async () => {
      const replay = await cloud.clients.eventBridge.send(
        new DescribeReplayCommand({ ReplayName: 'e2e-replay' }),
      );
      return replay.State === 'COMPLETED';
    });
    const replayed = await eventually(() => {
      const bodies = bodiesSeenBy('notifications.sms').filter((body) => body['replay-name'] === 'e2e-replay');
      return bodies.length >= 2 ? bodies : undefined;
    });
    expect(replayed.map(jobIdOf).sort()).toEqual(['qdn_e2e_charter', 'qdn_e2e_junk']);
    await cloud.settled();
    expect(bodiesSeenBy('calendar.calendar')).toHaveLength(calendarCallsBefore);
  }, 30_000);
});
