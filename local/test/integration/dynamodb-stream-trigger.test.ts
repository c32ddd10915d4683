import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DynamoDBRecord } from 'aws-lambda';
import { CheckpointStore, DynamoStreamTrigger } from '../../src/triggers/dynamodb-stream.ts';

// A quiet stream is read less and less often (every test cloud keeps four stream triggers; at ten
// reads a second each, DynamoDB Local spent 85 ms of CPU a second on them while nothing happened),
// and a wake() — the cloud's signal that a function invocation ended — reads at once.
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-stream-trigger-'));
const TABLE = 'stream-trigger-jobs';
let endpoint: string;

beforeAll(() => {
  // The integration run's DynamoDB Local, started by test/integration-setup.ts.
  const shared = process.env.QDN_TEST_DYNAMODB;
  if (!shared) throw new Error('QDN_TEST_DYNAMODB is not set: run this with the integration project');
  endpoint = (JSON.parse(shared) as { endpoint: string }).endpoint;
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the DynamoDB stream trigger', () => {
  it('given a quiet stream, then it reads less and less often, and a wake() reads a new record at once', async () => {
    // Arrange: a table of this test's own (its own access key: its own database).
    const aws = {
      endpoint,
      region: 'us-west-2',
      credentials: { accessKeyId: `streamtrigger${process.pid}`, secretAccessKey: 'local' },
    };
    const dynamo = new DynamoDBClient(aws);
    const { TableDescription } = await dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const streams = new DynamoDBStreamsClient(aws);
    let reads = 0;
    streams.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'GetRecordsCommand') reads++;
        return next(args);
      },
      { step: 'initialize', name: 'countReads' },
    );
    const delivered: { record: DynamoDBRecord; at: number }[] = [];
    const trigger = new DynamoStreamTrigger(streams, {
      mappingKey: `counter:${TableDescription!.LatestStreamArn}`,
      streamArn: TableDescription!.LatestStreamArn!,
      functionArn: 'arn:aws:lambda:us-west-2:000000000000:function:counter',
      batchSize: 10,
      startingPosition: 'TRIM_HORIZON',
      maximumRetryAttempts: 0,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      // Quiet reads every 200 ms, then 400, 800, 1600, 3200 ms…
      pollIntervalMs: 200,
      idlePollMaxMs: 30_000,
      checkpoints: new CheckpointStore(join(dataDir, 'checkpoints.json')),
      invoke: async (event) => {
        for (const record of event.Records) delivered.push({ record, at: Date.now() });
      },
    });

    try {
      // Act: four quiet seconds, then a write and a wake.
      trigger.start();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const quietReads = reads;
      await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'JOB#1' } } }));
      const wokenAt = Date.now();
      trigger.wake();
      const deadline = Date.now() + 10_000;
      while (delivered.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));

      // Assess: at a fixed 200 ms it would have read 20 times; backing off, 5 (at 0, 0.2, 0.6, 1.4,
      // 3.0 s). After 4 s the trigger rests until ≈6.2 s: the record came from the wake, well before.
      expect(quietReads).toBeGreaterThanOrEqual(2);
      expect(quietReads).toBeLessThanOrEqual(6);
      expect(delivered.map(({ record }) => record.dynamodb?.Keys?.pk)).toEqual([{ S: 'JOB#1' }]);
      expect(delivered[0]!.at - wokenAt).toBeLessThan(1_500);
    } finally {
      await trigger.stop();
    }
  }, 30_000);
});
