import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobOnBus, sqsRecord } from '@qdn/local-cloud/test-factories';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

// queueConsumer's failure records against DynamoDB Local (the DynamoDB Local every integration suite
// shares, a database of this suite's own by its access key): what a permanent failure leaves behind,
// and the publish-retry consumer refusing a parked event its schema refuses.
const { endpoint } = JSON.parse(process.env.QDN_TEST_DYNAMODB!) as { endpoint: string };
const FAILURES_TABLE = 'qdn-test-failures';
process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
process.env.AWS_REGION = 'us-west-2';
process.env.AWS_ACCESS_KEY_ID = 'queueconsumer';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_MAX_ATTEMPTS = '1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.EVENT_BUS_NAME = 'qdn-test';

const { PermanentError } = await import('../../src/errors.ts');
const { dynamoDocumentClient } = await import('../../src/dynamo.ts');
const { queueConsumer } = await import('../../src/queue.ts');
const { republisher } = await import('../../src/outbox.ts');
const { GetCommand } = await import('@aws-sdk/lib-dynamodb');

type Consumer = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const context = {
  awsRequestId: 'r-1',
  functionName: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

/** A consumer recording its failures in `table`, whose handler refuses every message for good. */
function refusingConsumer(table: string): Consumer {
  process.env.FAILURES_TABLE = table;
  return queueConsumer({ consumer: 'calendar', parse: (body) => body }, async () => {
    throw new PermanentError('The calendar refused the event (400)', { code: 400 });
  }) as unknown as Consumer;
}

const failureRecord = async (messageId: string) =>
  (await dynamoDocumentClient().send(new GetCommand({ TableName: FAILURES_TABLE, Key: { messageId } }))).Item;

const returned = (response: SQSBatchResponse) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

beforeAll(async () => {
  const raw = new DynamoDBClient({ endpoint });
  await raw.send(
    new CreateTableCommand({
      TableName: FAILURES_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'messageId', AttributeType: 'S' }],
    }),
  );
  raw.destroy();
});

afterAll(() => {
  dynamoDocumentClient().destroy();
});

describe('a permanent failure', () => {
  it('given its failure record is written, then the message is acknowledged and the record says why', async () => {
    // Act
    const response = await refusingConsumer(FAILURES_TABLE)(
      { Records: [sqsRecord('m-recorded', '{}')] },
      context,
    );

    // Assess
    expect(returned(response)).toEqual([]);
    expect(await failureRecord('m-recorded')).toMatchObject({
      consumer: 'calendar',
      errorMessage: 'The calendar refused the event (400)',
      transient: false,
      attempts: 1,
    });
  });

  it('given its failure record cannot be written, then the message comes back to be delivered again, not acknowledged without a trace', async () => {
    // Act
    const response = await refusingConsumer('qdn-test-no-such-table')(
      { Records: [sqsRecord('m-unrecorded', '{}')] },
      context,
    );

    // Assess
    expect(returned(response)).toEqual(['m-unrecorded']);
  });
});

describe('the publish-retry consumer', () => {
  it('given parked events one of which its detail-type’s schema refuses, then the message goes back towards the DLQ with the reason on record, not acknowledged away', async () => {
    // Prepare: what the stream publisher parks when publishEvents refused a write's events.
    process.env.FAILURES_TABLE = FAILURES_TABLE;
    const handler = republisher({ consumer: 'publish-retry', source: 'qdn.jobs' }) as unknown as Consumer;
    const job = jobOnBus();
    const body = JSON.stringify({
      events: [
        {
          source: 'qdn.jobs',
          detailType: 'JobCreated',
          detail: { meta: { eventId: `${job.jobId}:2:JobCreated`, brandId: 'qdn' }, data: { job } },
        },
      ],
    });

    // Act
    const response = await handler({ Records: [sqsRecord('m-parked', body, 3)] }, context);

    // Assess
    expect(returned(response)).toEqual(['m-parked']);
    const record = await failureRecord('m-parked');
    expect(record).toMatchObject({
      consumer: 'publish-retry',
      errorClass: 'ZodError',
      transient: true,
      attempts: 3,
    });
    expect(record?.errorMessage).toContain('detail');
  });
});
